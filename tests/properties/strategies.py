"""What people and other tools type: any text, and the awkward cases a generator seldom finds by itself."""

from contextlib import contextmanager

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Few examples each, so that the folder runs in under a minute; no deadline (a loaded CI machine is slow, not
# wrong). A test's examples share its function-scoped fixtures on purpose: each runs in a savepoint that is
# rolled back (`rolled_back`). Applied per test, not as a global profile, which would change schemathesis too.
examples = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No example database in the checkout: a failure prints its example, to be pinned with @example.
    database=None,
)

AWKWARD = [
    "",
    " ",
    "\x00",
    "Ama\x00Owusu",
    "\u200b",  # zero-width space
    "\u202eevil",  # right-to-left override
    "e\u0301",  # e + combining acute accent
    "\ufeff",
    "🏛️👩🏽‍💼",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE contacts_stakeholder;--",
    "%s %(name)s {0} {{ name }}",
    "\r\n\t",
    "a" * 300,
    "ß" * 10_000,
    "x" * 100_000,
]

# Text a browser can send: any Unicode but lone surrogates, which UTF-8 cannot carry (an HTML form's bytes are
# decoded with replacement, so they never reach a form).
form_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.sampled_from(AWKWARD),
    st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=20), st.text(max_size=20)),
)

# What a JSON body can carry: lone surrogates too ("\ud800" is valid JSON).
any_text = st.one_of(form_text, st.text(max_size=50), st.just("\ud800"), st.just("name\udfff"))

number_text = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "1", "5", "0", "-1", "1e9", "NaN", "\u0661", "0x10", " 3 "]),
    form_text,
)

date_text = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda value: value.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["", "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31T23:59", "31/12/2026", "now"]),
    form_text,
)


@contextmanager
def rolled_back():
    """Each example in a savepoint that is rolled back: one example's rows never meet the next's."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
