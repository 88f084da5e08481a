"""Whether an error came out of a `transaction.on_commit` callback: raised once a transaction had committed.

The callback's own work was rolled back, but the transaction it followed was saved. An answer to such an
error must not say "nothing was changed, send it again" (liaison_crm.save_collisions, liaison_crm.outages),
and the work before it must not be run again.
"""

from django.db.backends.base.base import BaseDatabaseWrapper


def raised_by_commit_hook(error: BaseException) -> bool:
    # Django runs the callbacks from this one method, and only once the transaction has committed; the
    # traceback, from where the error was caught down to where it was raised, passes through it if a
    # callback raised it.
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code is BaseDatabaseWrapper.run_and_clear_commit_hooks.__code__:
            return True
        frame = frame.tb_next
    return False
