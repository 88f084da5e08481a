import signal
from contextlib import contextmanager

import pytest


@pytest.fixture(autouse=True)
def inbound_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INBOUND_EMAIL_SECRET = "test-secret"
    settings.INBOUND_EMAIL_ADDRESSES = ["log@crm.example"]


class _Spied:
    """A compiled pattern that records, for each call, the method, the length of the text and where it
    started reading."""

    def __init__(self, pattern, calls):
        self._pattern, self._calls = pattern, calls

    def __getattr__(self, name):
        method = getattr(self._pattern, name)

        def spied(text, pos=0, *args):
            self._calls.append((name, len(text), pos))
            return method(text, pos, *args)

        return spied


@pytest.fixture
def patterns_given(monkeypatch):
    """What mailin.parsing's patterns reading an email's text line by line or tag by tag are handed while the
    test runs, by pattern name: (method, length of the text, position it started at).

    Our own patterns' time is asserted by what they are given and how often, not by a clock: each is written
    to read a text once (a match never reads past its line or tag), and a clock fails under a loaded test run
    whatever the code does."""
    from mailin import parsing

    given = {}
    for name in ("MARKERS", "REPLY_MARKER_OPENING", "REPLY_MARKER", "QUOTED_HEADER", "UNSEEN_HTML"):
        given[name] = []
        monkeypatch.setattr(parsing, name, _Spied(getattr(parsing, name), given[name]))
    return given


class TookTooLong(BaseException):
    """Not an Exception: the parser and the services catch those, and would carry on past the limit."""


@pytest.fixture
def time_limit():
    """A block run under a wall-clock limit, failing as soon as it is past it.

    `patterns_given` tells how often a pattern is tried, not how long one try takes: a pattern that
    backtracks catastrophically inside one call (two runs of spaces that can share a line took 108 s) passes
    every count. The limit is generous (these parses take well under a second): it fails such a pattern, not a
    loaded run. The regular expression engine lets the alarm's handler run inside a match. The alarm goes on
    ringing each `seconds` until the block ends: one swallowed (by a bare `except:`) is raised again."""

    @contextmanager
    def limited(seconds: float = 10):
        def took_too_long(_signal, _frame):
            raise TookTooLong(f"still running after {seconds} s")

        previous = signal.signal(signal.SIGALRM, took_too_long)
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds, seconds)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)

    return limited
