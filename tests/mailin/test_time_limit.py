"""The wall-clock limit hostile-input tests run their parses under (conftest's `time_limit`)."""

import contextlib
import signal
import time

import pytest

from .conftest import TookTooLong


def test_a_block_catching_every_exception_still_fails_at_the_limit(time_limit):
    started = time.monotonic()

    # As the parser and the services catch a failure and carry on.
    with pytest.raises(TookTooLong), time_limit(0.2), contextlib.suppress(Exception):
        time.sleep(5)

    assert time.monotonic() - started < 5


def test_a_block_swallowing_the_first_alarm_fails_at_the_next(time_limit):
    started = time.monotonic()

    with pytest.raises(TookTooLong), time_limit(0.2):
        with contextlib.suppress(BaseException):
            time.sleep(5)
        time.sleep(5)

    assert time.monotonic() - started < 5


@pytest.mark.parametrize("seconds", [0.1, -1], ids=["past-the-limit", "a-limit-that-cannot-be-set"])
def test_the_limit_leaves_no_alarm_and_the_handler_it_found(time_limit, seconds):
    def handler(_signal, _frame):
        pass

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        with pytest.raises((TookTooLong, signal.ItimerError)), time_limit(seconds):
            time.sleep(5)

        assert signal.getsignal(signal.SIGALRM) is handler
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, previous)
