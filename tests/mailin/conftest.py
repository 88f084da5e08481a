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
