"""Which writes the history keeps, and who made them.

Each register's model is tracked with `history_tracked`: django-pghistory generates an event model next to it
(`StakeholderEvent`, …) and PostgreSQL triggers write a snapshot row on every insert, update and delete,
whatever made it — a service, `queryset.update()`, a bulk import, raw SQL. An update that only touches
excluded fields (search vectors, denormalised dates, `updated_at`) writes no event.

Who made a change is the "context" pghistory attaches to each event: the request's user and URL
(pghistory.middleware.HistoryMiddleware), the actor a service was given (`records_actor`), or the Celery task
that ran (liaison_crm/celery.py).
"""

import functools

import pghistory
import pgtrigger
from django.db import models

ACTOR_ARGUMENTS = ("actor", "author", "organiser")


def history_tracked(*, exclude: list[str] = ()):
    """Keeps the model's inserts, updates and deletes as `<Model>Event` rows, leaving out `exclude`."""

    def track(model):
        name = model._meta.model_name
        return pghistory.track(
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            exclude=list(exclude),
            # One trigger call per statement, reading the statement's rows from a transition table: an import
            # or a bulk update of 100,000 rows writes their events in one INSERT … SELECT. Row-level
            # triggers made a 20,000-row INSERT four times slower (a PL/pgSQL call, and a context upsert,
            # for each row).
            level=pgtrigger.Statement,
            model_name=f"{model.__name__}Event",
            # The recent-changes page reads each event table newest first.
            meta={
                "indexes": [models.Index(fields=["-pgh_created_at", "-pgh_id"], name=f"{name}_event_recent")]
            },
        )(model)

    return track


def records_actor(service):
    """Attributes the service's writes to the member of staff it acts for: `actor`, `author` or `organiser`.

    Within a request the middleware already names the user; this also covers the API, Celery tasks, the
    shell and tests, which call services directly.
    """

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        actor = next((kwargs[name] for name in ACTOR_ARGUMENTS if kwargs.get(name) is not None), None)
        if actor is None:
            return service(*args, **kwargs)
        with pghistory.context(user=actor.pk):
            return service(*args, **kwargs)

    return wrapper


def history_trigger_names() -> list[str]:
    """The history triggers' names in the database, for switching them off where pgtrigger.ignore() cannot
    reach: writes that bypass Django's cursor, such as the benchmark loader's COPY."""
    from pghistory.trigger import Event

    triggers = pgtrigger.registered()
    return sorted(trigger.get_pgid(model) for model, trigger in triggers if isinstance(trigger, Event))


def history_tables() -> list[str]:
    """The tables the history is kept in: one per tracked model, and the contexts they point to."""
    from pghistory.core import event_models

    return sorted({model._meta.db_table for model in event_models()} | {"pghistory_context"})
