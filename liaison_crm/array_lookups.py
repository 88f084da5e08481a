"""Many values asked for at once, bound as one array: `field__in=ids` binds a parameter per id, a statement
that grows with each id more and fails past PostgreSQL's 65,535 parameters."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup


class AnyOf(Lookup):
    """`AnyOf(F("pk"), ids)`: the field is one of `ids` (a list), written `= ANY(%s)` with the ids as one
    array."""

    # The ids are one array: not each made a value of the field.
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        # As `__in=[]` does: no ids matches nothing without asking the database, and its exclusion
        # everything, so a caller need not test for an empty list first.
        if isinstance(self.rhs, list) and not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
