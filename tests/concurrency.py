"""Work run in threads released together, as requests or workers arriving at the same moment."""

import threading
import time

from django.db import connection, transaction


def all_at_once(*works):
    """Runs each callable in a thread of its own, all released together once every thread is ready; each
    thread closes the database connection it opened. An error raised in one is raised here once all end."""
    barrier = threading.Barrier(len(works))
    errors = []

    def run(work):
        try:
            barrier.wait()
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def queued_behind_a_lock(record, *works):
    """Runs each callable in a thread of its own while `record`'s row is locked, as by a change being saved,
    and lets go once every one of them waits for a lock: each has read what it reads before locking, and
    then they go through one at a time. Errors are raised as all_at_once raises them."""
    locked = threading.Event()

    def hold():
        with transaction.atomic():
            type(record).objects.select_for_update().get(pk=record.pk)
            locked.set()
            wait_until_waiting_for_a_lock(len(works))

    def after_the_lock(work):
        if not locked.wait(30):
            raise AssertionError("The row was never locked")
        work()

    all_at_once(hold, *(lambda work=work: after_the_lock(work) for work in works))


def until_all_arrive_or_one_waits_for_a_lock(parties: int):
    """A point in some work that `parties` threads run at once: the callable returned, called there, returns
    once every thread has called it, or as soon as one session waits for a lock (another thread's, held
    until this one's transaction ends, so that it cannot arrive before this one goes on)."""
    arrived = 0
    counting = threading.Lock()

    def arrive():
        nonlocal arrived
        with counting:
            arrived += 1
        deadline = time.monotonic() + 30
        while arrived < parties and _sessions_waiting_for_a_lock() == 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{parties - arrived} threads never arrived nor waited for a lock")
            time.sleep(0.05)

    return arrive


def finished_or_waiting_for_a_lock(thread: threading.Thread) -> None:
    """Returns once `thread` has ended or waits for a lock (held by this test's transaction, say)."""
    deadline = time.monotonic() + 30
    while thread.is_alive() and time.monotonic() < deadline:
        if _sessions_waiting_for_a_lock() >= 1:
            return
        time.sleep(0.05)


def wait_until_waiting_for_a_lock(sessions: int) -> None:
    """Returns once `sessions` other sessions wait for a lock (one this thread's transaction holds, say)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _sessions_waiting_for_a_lock() >= sessions:
            return
        time.sleep(0.05)
    raise AssertionError(f"{sessions} sessions never waited for a lock")


def _sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        # Activity is read once per transaction unless its snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]
