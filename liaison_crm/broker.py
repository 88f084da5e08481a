"""Handing tasks to the Celery broker (Redis) when it may be unreachable.

The outbox and the webhooks keep their work in rows and give each row a task; a row whose task never reached
the queue is found again by a beat sweep. So a hand-over that fails loses nothing, and its first failure says
all a run needs to know: with Redis down every further try would wait out kombu's publish retries (over half
a second each) only to fail the same way and log the same traceback, up to once per row of the batch.
"""

import logging
from collections.abc import Sequence

from celery import Task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def hand_over(task: Task, ids: Sequence) -> list:
    """Queues `task(id)` for each id, in order, until the broker fails; returns the ids left without a task.

    Only for work a beat sweep picks up again. The failure is logged once, with how many were left.
    kombu's OperationalError is what a refused or lost connection, and a Redis refusing writes (out of
    memory), come to after Celery's publish retries; anything else is a bug and is raised.
    """
    for position, item in enumerate(ids):
        try:
            task.delay(item)
        except OperationalError:
            waiting = list(ids[position:])
            logger.warning(
                "Broker unreachable: %s of %s %s task(s) not queued; their rows wait for the next sweep",
                len(waiting),
                len(ids),
                task.name,
                exc_info=True,
            )
            return waiting
    return []
