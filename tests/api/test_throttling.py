"""The API's rate limit: each token's allowance counted exactly, over a sliding window, in Redis.

The limit counts in Redis as in production (each test under keys of its own; they expire within two
minutes) and in the local memory the other API tests count in.
"""

import datetime as dt
import logging
import socket
import threading
import uuid

import pytest
from rest_framework.request import ForcedAuthentication, Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory

from accounts.services import api_token_create
from api.throttling import TokenRateThrottle

from .conftest import client_with_token, token_for

# On a minute's boundary, as a window starts; later than any test's tokens are made.
NINE = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["redis", "local memory"])
def counted_in(request, settings):
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "liaison_crm.cache.OptionalRedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": f"throttling-test-{uuid.uuid4().hex}",
            }
        }
    return request.param


@pytest.fixture
def limit(settings):
    def set_limit(rate: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "api": rate},
        }

    return set_limit


@pytest.fixture
def at(time_machine):
    """`at(seconds)` stops the clock that many seconds after nine."""

    def travel(seconds: float) -> None:
        time_machine.move_to(NINE + dt.timedelta(seconds=seconds), tick=False)

    return travel


def statuses(client, times: int) -> list[int]:
    return [client.get("/api/v1/tags/").status_code for _ in range(times)]


def test_the_limit_lets_through_exactly_that_many_requests(counted_in, limit, at, officer_api):
    limit("5/minute")
    at(10)
    assert statuses(officer_api, 6) == [200] * 5 + [429]
    # At 09:01:12, the five of the minute before weigh four, and a sixth request fits.
    response = officer_api.get("/api/v1/tags/")
    assert response.status_code == 429
    assert response["Retry-After"] == "62"
    assert response.json() == {"detail": "Request was throttled. Expected available in 62 seconds."}


def test_the_window_slides_so_a_full_minute_is_not_forgotten_at_its_end(counted_in, limit, at, officer_api):
    limit("4/minute")
    at(10)
    assert statuses(officer_api, 4) == [200] * 4
    # 09:01:14: the four of the last minute still weigh 46/60 of four, more than three; at 09:01:15, three.
    at(74)
    assert statuses(officer_api, 1) == [429]
    at(75)
    assert statuses(officer_api, 2) == [200, 429]
    # 09:02:00: the minute before held one request, the refused ones not counted.
    at(120)
    assert statuses(officer_api, 4) == [200, 200, 200, 429]
    # Two minutes on, nothing weighs any more.
    at(240)
    assert statuses(officer_api, 5) == [200] * 4 + [429]


def test_retry_after_is_when_the_next_request_gets_through(counted_in, limit, at, officer_api):
    limit("6/minute")
    now = 10
    at(now)
    for _ in range(5):
        while (response := officer_api.get("/api/v1/tags/")).status_code == 200:
            pass
        wait = int(response["Retry-After"])
        assert 1 <= wait <= 120
        at(now + wait - 1)
        assert officer_api.get("/api/v1/tags/").status_code == 429, "not a second earlier"
        now += wait
        at(now)
        assert officer_api.get("/api/v1/tags/").status_code == 200


def allowance(response) -> tuple[str, str, str]:
    return response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"]


def test_every_answer_tells_the_client_how_much_of_its_allowance_is_left(counted_in, limit, at, officer_api):
    limit("4/minute")
    at(10)
    answers = [officer_api.get("/api/v1/tags/") for _ in range(5)]

    # What this minute counts weighs on until the end of the next: 110 seconds from 09:00:10.
    assert [allowance(answer) for answer in answers[:4]] == [("4", left, "110") for left in "3210"]
    refused = answers[4]
    assert refused.status_code == 429
    assert allowance(refused) == ("4", "0", "110")
    assert refused["Retry-After"] == "65"


def test_part_of_the_allowance_comes_back_as_the_window_slides_and_all_of_it_at_the_reset(
    counted_in, limit, at, officer_api
):
    limit("4/minute")
    at(10)
    statuses(officer_api, 4)

    # 09:01:40: the four of 09:00 weigh a third of four; with this one, a little more than two.
    at(100)
    assert allowance(officer_api.get("/api/v1/tags/")) == ("4", "1", "80")
    at(180)
    assert allowance(officer_api.get("/api/v1/tags/")) == ("4", "3", "120")


def test_each_token_has_its_own_allowance(counted_in, limit, at, officer, colleague, client):
    limit("2/minute")
    at(10)
    first, second = client_with_token(token_for(officer)), client_with_token(token_for(officer))
    colleagues = client_with_token(token_for(colleague))
    assert statuses(first, 3) == [200, 200, 429]
    assert statuses(second, 3) == [200, 200, 429]
    assert statuses(colleagues, 3) == [200, 200, 429]
    # Signed in, without a token: the person's own allowance.
    client.force_login(officer)
    assert statuses(client, 3) == [200, 200, 429]


def test_concurrent_requests_from_one_token_never_exceed_the_limit(counted_in, limit, at, officer):
    limit("100/minute")
    at(10)
    token, _key = api_token_create(user=officer, name="sync", actor=officer)
    django_request = APIRequestFactory().get("/api/v1/tags/")
    request = Request(django_request, authenticators=[ForcedAuthentication(officer, token)])
    assert request.auth == token
    start = threading.Barrier(8)
    allowed = []

    def worker():
        start.wait()
        # Each request is a new throttle, as DRF makes one a request; each thread has its own connection.
        allowed.extend(TokenRateThrottle().allow_request(request, None) for _ in range(40))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 100


def test_with_redis_down_requests_go_through_and_a_warning_is_logged(settings, limit, officer_api, caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "liaison_crm.cache.OptionalRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    limit("1/minute")
    with caplog.at_level(logging.WARNING, logger="liaison_crm.cache"):
        assert statuses(officer_api, 3) == [200, 200, 200]
        # Nothing was counted, so nothing is claimed about the allowance.
        assert "RateLimit-Remaining" not in officer_api.get("/api/v1/tags/")
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        "Cache unavailable, incr_and_get skipped"
    ] * 4
