"""Which writes the history keeps, and who made them.

Each register's model is tracked with `history_tracked`: django-pghistory generates an event model next to it
(`StakeholderEvent`, …) and PostgreSQL triggers write a snapshot row on every insert, update and delete,
whatever made it — a service, `queryset.update()`, a bulk import, raw SQL. An update that only touches
excluded fields (search vectors, denormalised dates, `updated_at`) writes no event.

Who made a change is the "context" pghistory attaches to each event: the request's user and URL
(pghistory.middleware.HistoryMiddleware), the actor a service was given (`records_actor`), or the Celery task
that ran (liaison_crm/celery.py).
"""

import contextlib
import functools
import uuid

import pghistory
import pgtrigger
from django.db import models
from pghistory import runtime

ACTOR_ARGUMENTS = ("actor", "author", "organiser")
# The label of the event written for each record that existed before its history was kept (migration
# history 0001): the record as it was then, which its first change is compared with. Nobody made it.
BASELINE = "baseline"


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
            # The recent-changes page reads each event table newest first, baselines left out: without them
            # in the index, a team with few recent changes does not walk past a million baselines to learn so.
            meta={
                "indexes": [
                    models.Index(
                        fields=["-pgh_created_at", "-pgh_id"],
                        name=f"{name}_event_recent",
                        condition=~models.Q(pgh_label=BASELINE),
                    )
                ]
            },
        )(model)

    return track


def links_tracked(model):
    """Keeps the additions to and removals from a many-to-many link as `<Model>Event` rows.

    `model` is a proxy of the link's through model: the owner and the linked row of each link added
    ("add") or removed ("remove"), with the context of whoever made the change. Statement-level like the
    registers, so an import linking thousands of tags writes their events in one statement.
    """
    fields = [f.name for f in model._meta.concrete_fields if f.is_relation]
    return pghistory.track(
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        fields=fields,
        # The through row's own id means nothing once it is gone; the owner is what a page asks for.
        obj_field=None,
        level=pgtrigger.Statement,
        model_name=f"{model.__name__}Event",
        meta={
            "indexes": [
                models.Index(fields=[fields[0], "-pgh_created_at"], name=f"{model._meta.model_name}_owner"),
                models.Index(fields=["-pgh_created_at", "-pgh_id"], name=f"{model._meta.model_name}_recent"),
            ]
        },
    )(model)


def records_actor(service):
    """Attributes the service's writes to whom it acts for: its `actor`, `author` or `organiser`."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        actor = next((kwargs[name] for name in ACTOR_ARGUMENTS if kwargs.get(name) is not None), None)
        if actor is None:
            return service(*args, **kwargs)
        with acting_for(actor.pk):
            return service(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def acting_for(user_id: int):
    """Names `user_id` as who made the changes inside, unless the request already names who is signed in.

    The request's user stays: reviewing captured mail logs an interaction *authored* by whoever sent it in,
    but the reviewer made the change. Elsewhere — a Celery task, the shell, tests — the changes get a
    context of their own: pghistory keeps one context row per context, so a task that logs mail for several
    people would otherwise credit them all to whoever it handled last.
    """
    outer = getattr(runtime._tracker, "value", None)
    if outer is not None and outer.metadata.get("user") is not None:
        yield
    else:
        with noting(user=user_id):
            yield


@contextlib.contextmanager
def noting(**metadata):
    """Adds `metadata` to the context of the writes inside only, such as which merge made them: the
    request's or task's other writes keep their context as it was."""
    # pghistory keeps the running context here; it has no public accessor.
    outer = getattr(runtime._tracker, "value", None)
    if outer is None:
        with pghistory.context(**metadata):
            yield
        return
    runtime._tracker.value = runtime.Context(id=uuid.uuid4(), metadata={**outer.metadata, **metadata})
    try:
        yield
    finally:
        runtime._tracker.value = outer


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
