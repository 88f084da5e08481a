"""Model constraints are checked once, by PostgreSQL, when a service writes; a refusal is a ValidationError.

The rule for every write:

- A service validates its instance with `full_clean(validate_constraints=False)` — fields, choices, the
  model's `clean()` — and saves. It does not ask PostgreSQL first whether each `Meta.constraints` entry
  holds: Django would send one `SELECT 1 WHERE …` per constraint, each wrapped in a savepoint inside the
  service's transaction, three statements for something the INSERT or UPDATE checks anyway.
- A service is decorated with `@atomic_service` where it would have had `@transaction.atomic`. When a
  statement inside it breaks one of the models' check or unique constraints, its transaction — or its
  savepoint, inside a caller's transaction — is rolled back first, so nothing is half written and the
  caller's transaction can go on; then the caller gets a ValidationError with the constraint's
  `violation_error_message` (for a unique constraint on fields without a message of its own, Django's
  "… with this … already exists."). The message goes under the field the constraint is about — the one
  field its condition or its fields name, or the field the model names for it in `constraint_error_fields`
  — and otherwise under NON_FIELD_ERRORS. HTML views show it on the form
  (liaison_crm.form_errors.add_service_errors); the API answers 400 (api/errors.py).
- ModelForms keep Django's own validation, constraints included. A form is validated outside any
  transaction, where Django's check is one SELECT and no savepoint, and it shows every problem with what was
  typed at once, before anything is written. A constraint on a field the form does not have (so cannot
  check) comes back from the service's write like any other. A model whose form is on a busy page mixes in
  `FormCheckedConstraints`, which skips what the form cannot or need not ask PostgreSQL about. DRF
  serializers keep their unique validators and "already exists" messages; their other constraints come
  back from the service.
- A service that expects a conflict as part of its work (an idempotent insert, a duplicate inbound mail)
  handles it itself, with ON CONFLICT or a savepoint of its own; what reaches `atomic_service` is a refusal.

An IntegrityError that is not a check or unique violation of a constraint declared on a model (a foreign key
to a row deleted meanwhile, a NOT NULL) is a bug or a race, not the person's input: it is raised unchanged.
"""

import functools

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint, UniqueConstraint
from psycopg import errors as pg_errors

REFUSALS = (pg_errors.CheckViolation, pg_errors.UniqueViolation)


@functools.cache
def _declared_constraints() -> dict:
    """Each model constraint by its name (Django requires names unique across models): (model, constraint)."""
    found = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint | UniqueConstraint):
                found.setdefault(constraint.name, (model, constraint))
    return found


def _field_for(model, constraint) -> str:
    named = getattr(model, "constraint_error_fields", {}).get(constraint.name)
    if named:
        return named
    if isinstance(constraint, CheckConstraint):
        fields = constraint.condition.referenced_base_fields
    else:
        fields = set(constraint.fields)
    return next(iter(fields)) if len(fields) == 1 else NON_FIELD_ERRORS


def _message(model, constraint) -> ValidationError:
    code = constraint.violation_error_code
    if (
        isinstance(constraint, UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
        and constraint.violation_error_message == constraint.default_violation_error_message
    ):
        # What Django's own unique check says: "Import mapping with this User and Kind already exists."
        return model().unique_error_message(model, constraint.fields)
    return ValidationError(constraint.get_violation_error_message(), code=code or "constraint")


def constraint_violation(error: IntegrityError) -> ValidationError | None:
    """The ValidationError a model constraint's violation stands for; None if `error` is something else."""
    cause = error.__cause__
    if not isinstance(cause, REFUSALS):
        return None
    declared = _declared_constraints().get(cause.diag.constraint_name)
    if declared is None:
        return None
    model, constraint = declared
    return ValidationError({_field_for(model, constraint): [_message(model, constraint)]})


def atomic_service(service):
    """`transaction.atomic` for a service, and a model constraint's violation is a ValidationError once the
    service's writes are rolled back (see the module's docstring)."""
    atomic = transaction.atomic(service)

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        try:
            return atomic(*args, **kwargs)
        except IntegrityError as error:
            if (refusal := constraint_violation(error)) is None:
                raise
            raise refusal from error

    return wrapper


class FormCheckedConstraints:
    """A model mixin for a ModelForm on a busy page: its constraint check asks PostgreSQL only what is left.

    Django's check (`Model.validate_constraints`, which a ModelForm runs) builds a query for each check
    constraint even when the form lacks one of its fields, only to find that field missing and skip it, and
    asks PostgreSQL about constraints that the fields' own checks in `full_clean()` already settled. Here
    `get_constraints()` leaves out, before any query is built, a check constraint naming a field the form
    leaves out, or one on fields listed in `constraints_kept_by_choices`: fields whose every choice (which
    `full_clean()` requires) satisfies each check constraint on them (tests/test_constraints.py holds the
    list to that). The check itself, and what it says, is Django's.
    """

    constraints_kept_by_choices: tuple[str, ...] = ()

    def validate_constraints(self, exclude=None):
        # Django asks get_constraints() without the fields left out: they are kept on the instance meanwhile.
        self._constraints_excluded = {*(exclude or ()), *self.constraints_kept_by_choices}
        try:
            super().validate_constraints(exclude=self._constraints_excluded)
        finally:
            del self._constraints_excluded

    def get_constraints(self):
        excluded = getattr(self, "_constraints_excluded", set())
        return [
            (
                model,
                [
                    constraint
                    for constraint in constraints
                    if not (
                        isinstance(constraint, CheckConstraint)
                        and constraint.condition.referenced_base_fields & excluded
                    )
                ],
            )
            for model, constraints in super().get_constraints()
        ]
