"""PostgreSQL restarted under a running app: requests fail cleanly, then the same process recovers by itself.

The app runs as in production — gunicorn, DEBUG off, persistent connections (CONN_MAX_AGE) with health checks
— against a PostgreSQL cluster of the test's own, a copy of the test database, so that stopping it stops
nobody else's tests.
"""

import pytest
from django.db import connection

from ..factories import StakeholderFactory, UserFactory
from .servers import AppServer, PrivateCluster, sign_in, timed

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing():
    """Overrides the suite's fast hasher: the officer signs in to a server of their own, which checks
    passwords with the production hashers."""


@pytest.fixture
def cluster():
    cluster = PrivateCluster().create()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def app_server(cluster, tmp_path):
    officer = UserFactory(username="fault-officer")
    StakeholderFactory(owner=officer, name="Ama Owusu")
    cluster.copy_database(connection.settings_dict, "liaison")
    server = AppServer(
        tmp_path,
        {
            "DATABASE_URL": cluster.url("liaison"),
            "CONN_MAX_AGE": "600",
            "DATABASE_CONNECT_TIMEOUT": "3",
        },
    )
    server.start()
    yield server
    server.stop()


def test_requests_get_a_clean_503_while_postgresql_is_down_and_200_once_it_is_back(cluster, app_server):
    browser = sign_in(app_server.base_url, "fault-officer", "liaison-test")
    stakeholders = f"{app_server.base_url}/stakeholders/"
    api = f"{app_server.base_url}/api/v1/stakeholders/"
    assert browser.get(stakeholders, timeout=15).status_code == 200
    assert browser.get(api, timeout=15).status_code == 200
    workers = app_server.worker_pids()

    # A restart between two requests: the worker's persistent connection is dead, its health check notices
    # and reconnects, and the person notices nothing.
    cluster.stop()
    cluster.start()
    page = browser.get(stakeholders, timeout=15)
    assert page.status_code == 200 and "Ama Owusu" in page.text

    cluster.stop()
    for _ in range(2):  # the first request finds the connection dead, the second finds no server to dial
        page, seconds = timed(lambda: browser.get(stakeholders, timeout=30))
        assert page.status_code == 503, page.text[:2000]
        assert page.headers["Retry-After"] == "30"
        assert "briefly unavailable" in page.text
        assert "Traceback" not in page.text and "OperationalError" not in page.text
        assert seconds < 10, "a request during the outage is answered, not left hanging"

        answer = browser.get(api, timeout=30)
        assert answer.status_code == 503
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.json()["code"] == "service_unavailable"

    # A change refused during the outage, without an error page.
    refused = browser.post(
        f"{app_server.base_url}/stakeholders/new/",
        data={"name": "Kofi Mensah"},
        headers={"Referer": stakeholders},
        timeout=30,
    )
    assert refused.status_code == 503

    cluster.start()
    page = browser.get(stakeholders, timeout=15)
    # Still signed in: the session is in the database.
    assert page.status_code == 200 and "Ama Owusu" in page.text
    assert browser.get(api, timeout=15).status_code == 200
    assert app_server.worker_pids() == workers, "the same worker process served before and after"
    assert "Traceback" not in app_server.log.read_text()
