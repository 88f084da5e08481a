"""Work run in threads released together, as requests or workers arriving at the same moment."""

import threading

from django.db import connection


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
