"""A write a model constraint refuses is a ValidationError with its message, and leaves nothing behind."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CheckConstraint, Q, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Tag
from imports.models import ImportKind, ImportMapping
from interactions.forms import InteractionForm
from interactions.models import Interaction
from interactions.services import interaction_log, interaction_update
from liaison_crm.constraints import atomic_service, constraint_violation
from meetings.models import Meeting, MeetingSeries
from meetings.services import meeting_schedule

from .factories import InteractionFactory, StakeholderFactory
from .interactions.test_views import log_data

pytestmark = pytest.mark.django_db

FOLLOW_UP_DONE = "This follow-up is done: keep its due date, or reopen it before clearing the date."


@pytest.fixture
def done_follow_up(officer):
    return InteractionFactory(
        logged_by=officer,
        follow_up_on=timezone.localdate(),
        follow_up_done_at=timezone.now(),
        summary="Original",
    )


def test_clearing_the_date_of_a_done_follow_up_is_refused_under_the_date(officer, done_follow_up):
    with pytest.raises(ValidationError) as refused:
        interaction_update(interaction=done_follow_up, actor=officer, follow_up_on=None, summary="Changed")
    assert refused.value.message_dict == {"follow_up_on": [FOLLOW_UP_DONE]}
    done_follow_up.refresh_from_db()
    assert (done_follow_up.summary, done_follow_up.follow_up_on) == ("Original", timezone.localdate())


def test_a_refused_series_leaves_no_series_behind(officer):
    starts = timezone.now() + dt.timedelta(days=2)
    # The series row is written before its first meeting, whose INSERT the database refuses.
    with pytest.raises(ValidationError) as refused:
        meeting_schedule(
            organiser=officer, title="Weekly", starts_at=starts, ends_at=starts, frequency="weekly", count=3
        )
    assert refused.value.message_dict == {"ends_at": ["The meeting must end after it starts."]}
    assert not MeetingSeries.objects.exists()
    assert not Meeting.objects.exists()


def test_the_callers_transaction_goes_on_after_a_refusal(officer, done_follow_up):
    with transaction.atomic():
        with pytest.raises(ValidationError):
            interaction_update(interaction=done_follow_up, actor=officer, follow_up_on=None)
        # Only the service's savepoint was rolled back: the caller can still read and write.
        done_follow_up.refresh_from_db()
        interaction_update(interaction=done_follow_up, actor=officer, summary="Still possible")
    assert Interaction.objects.get(pk=done_follow_up.pk).summary == "Still possible"


def test_a_unique_constraint_without_a_message_says_what_already_exists(officer):
    ImportMapping.objects.create(user=officer, kind=ImportKind.STAKEHOLDERS, mapping={})
    create = atomic_service(ImportMapping.objects.create)
    with pytest.raises(ValidationError) as refused:
        create(user=officer, kind=ImportKind.STAKEHOLDERS, mapping={})
    assert refused.value.message_dict == {
        NON_FIELD_ERRORS: ["Import mapping with this User and Kind already exists."]
    }


def test_a_check_on_one_field_is_shown_under_that_field(officer):
    # Choices stop 9 in full_clean(); the constraint is what stops a write that skips it.
    save = atomic_service(Interaction(logged_by=officer, summary="Call", kind="call", sentiment=9).save)
    with pytest.raises(ValidationError) as refused:
        save()
    assert refused.value.message_dict == {
        "sentiment": ["Constraint “interaction_sentiment_range” is violated."]
    }
    assert not Interaction.objects.exists()


def test_two_people_making_one_tag_at_once_get_the_tags_own_message(db):
    # The service looks for the name first; a tag made by someone else in between meets the index.
    Tag.objects.create(name="Research")
    with pytest.raises(ValidationError) as refused:
        atomic_service(Tag(name="RESEARCH").save)()
    assert refused.value.message_dict == {"name": ["A tag with this name already exists."]}


def test_other_integrity_errors_are_not_the_users_input():
    assert constraint_violation(IntegrityError("duplicate key value violates unique constraint")) is None


def test_logging_asks_the_database_nothing_about_constraints_before_the_insert(officer):
    stakeholder = StakeholderFactory(owner=officer)
    with CaptureQueriesContext(connection) as queries:
        interaction_log(author=officer, stakeholders=[stakeholder], summary="Call", kind="call")
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if '"_check"' in sql]
    # The test runs in a transaction, so the service's own atomic block is its one savepoint.
    assert len([sql for sql in statements if sql.startswith("SAVEPOINT")]) == 1


SERVICE_MODULES = sorted(Path(settings.BASE_DIR).glob("*/services.py"))


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda path: path.parent.name)
def test_every_service_leaves_constraints_to_the_database(path):
    """One way for every service: nothing asked before the write; a refusal comes back as ValidationError."""
    tree = ast.parse(path.read_text())
    asks_first = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "full_clean"
        and not any(
            keyword.arg == "validate_constraints" and ast.literal_eval(keyword.value) is False
            for keyword in node.keywords
        )
    ]
    plain_atomic = [
        decorator.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if ast.unparse(decorator) == "transaction.atomic"
    ]
    assert (asks_first, plain_atomic) == ([], []), (
        "use full_clean(validate_constraints=False), @atomic_service"
    )


def test_constraints_said_to_be_kept_by_choices_hold_for_every_choice():
    # A form skips them (FormCheckedConstraints), trusting the choices full_clean() requires.
    kept = [
        (model, name)
        for model in apps.get_models()
        for name in getattr(model, "constraints_kept_by_choices", ())
    ]
    assert kept
    for model, name in kept:
        field = model._meta.get_field(name)
        on_it = [
            constraint
            for constraint in model._meta.constraints
            if isinstance(constraint, CheckConstraint) and name in constraint.condition.referenced_base_fields
        ]
        assert on_it and field.choices
        for constraint in on_it:
            assert constraint.condition.referenced_base_fields == {name}
            for value, _label in field.flatchoices:
                assert Q(constraint.condition).check({name: Value(value, output_field=field)})


def test_the_log_form_asks_the_database_nothing_about_constraints(officer):
    form = InteractionForm.for_new(log_data(StakeholderFactory()), user=officer)
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid(), form.errors
    assert not [query for query in queries.captured_queries if "_check" in query["sql"]]


def test_the_log_form_still_refuses_a_sentiment_out_of_range(officer):
    form = InteractionForm.for_new(log_data(StakeholderFactory(), sentiment="5"), user=officer)
    assert not form.is_valid()
    assert form.errors["sentiment"]
