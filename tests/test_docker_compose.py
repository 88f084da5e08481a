"""The Docker setup, checked as files: no Docker engine runs where the tests run.

docker-compose.yml is read with PyYAML (anchors and merge keys resolve as Compose resolves them),
and its environment is checked against the variables liaison_crm/settings.py actually reads.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "liaison_crm" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("db", "redis")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def variables_read_by_settings():
    """Every name the settings read: env.<type>("NAME", ...) and env_secret("NAME", ...) (also NAME_FILE)."""
    text = SETTINGS_FILE.read_text()
    plain = set(re.findall(r'\benv\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', text))
    secrets = set(re.findall(r'\benv_secret\(\s*"([A-Z][A-Z0-9_]*)"', text))
    return plain | secrets | {f"{name}_FILE" for name in secrets}


def command_words(service):
    command = service["command"]
    return command.split() if isinstance(command, str) else command


def test_compose_defines_exactly_db_redis_web_worker_and_beat(services):
    assert set(services) == {*BACKING_SERVICES, *APP_SERVICES}


@pytest.mark.parametrize("name", BACKING_SERVICES)
def test_db_and_redis_have_healthchecks(services, name):
    assert services[name]["healthcheck"]["test"]


def test_db_healthcheck_uses_pg_isready_and_keeps_data_in_a_named_volume(compose, services):
    db = services["db"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_DB"] == "liaison_crm"
    volume_names = {mount.split(":", 1)[0] for mount in db["volumes"]}
    assert volume_names & set(compose["volumes"])


def test_redis_healthcheck_pings_redis(services):
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_web_worker_and_beat_share_one_build(services):
    builds = [services[name]["build"] for name in APP_SERVICES]
    assert builds[0]
    assert all(build == builds[0] for build in builds)


def test_web_worker_and_beat_share_one_environment(services):
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert environments[0]
    assert all(environment == environments[0] for environment in environments)


def test_app_environment_points_at_the_db_and_redis_services(services):
    environment = services["web"]["environment"]
    database = urlsplit(environment["DATABASE_URL"])
    assert database.scheme.startswith("postgres")
    assert database.hostname == "db"
    assert database.path == "/liaison_crm"
    assert urlsplit(environment["REDIS_URL"]).hostname == "redis"


def test_app_environment_gives_a_secret_key(services):
    assert services["web"]["environment"]["SECRET_KEY"]


def test_app_environment_database_credentials_match_the_db_service(services):
    database = urlsplit(services["web"]["environment"]["DATABASE_URL"])
    db_environment = services["db"]["environment"]
    assert database.username == db_environment["POSTGRES_USER"]
    assert database.password == db_environment["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == db_environment["POSTGRES_DB"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_web_worker_and_beat_wait_for_healthy_db_and_redis(services, name):
    depends_on = services[name]["depends_on"]
    for backing in BACKING_SERVICES:
        assert depends_on[backing]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_wait_for_a_healthy_web_so_migrations_have_run(services, name):
    assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_web_has_a_healthcheck_on_the_login_page(services):
    assert "/accounts/login/" in " ".join(services["web"]["healthcheck"]["test"])


def test_web_migrates_seeds_and_serves_with_gunicorn(services):
    command = " ".join(command_words(services["web"]))
    assert command.index("migrate") < command.index("seed_demo") < command.index("gunicorn")
    assert "liaison_crm.wsgi:application" in command
    assert "0.0.0.0:8000" in command


def test_web_publishes_port_8000(services):
    assert any(str(port).endswith("8000:8000") for port in services["web"]["ports"])


def test_worker_runs_a_celery_worker_for_the_liaison_crm_app(services):
    words = command_words(services["worker"])
    assert words[0] == "celery"
    assert words[words.index("-A") + 1] == "liaison_crm"
    assert "worker" in words


def test_beat_runs_celery_beat_for_the_liaison_crm_app(services):
    words = command_words(services["beat"])
    assert words[0] == "celery"
    assert words[words.index("-A") + 1] == "liaison_crm"
    assert "beat" in words


def test_settings_variable_parser_finds_the_core_settings():
    # Guards the regex itself: if it stopped matching, the next test would pass vacuously.
    core = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}
    assert core <= variables_read_by_settings()


def test_every_app_environment_variable_is_one_the_settings_read(services):
    known = variables_read_by_settings()
    for name in APP_SERVICES:
        unknown = set(services[name]["environment"]) - known
        assert not unknown, f"{name} sets variables the settings never read: {sorted(unknown)}"


def test_dockerfile_is_based_on_python_3_11():
    from_lines = [line for line in DOCKERFILE.read_text().splitlines() if line.upper().startswith("FROM ")]
    assert from_lines
    assert from_lines[-1].split()[1].startswith("python:3.11")


def test_dockerfile_does_not_run_as_root():
    user_lines = [line.split()[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith("USER ")]
    assert user_lines
    assert user_lines[-1] not in {"root", "0", "0:0"}
