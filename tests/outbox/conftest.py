import pytest

from .smtp import SMTPServer


@pytest.fixture
def smtp_server():
    """Starts SMTP servers for the test (`smtp_server(refuse="rcpt", delay=0.5)`) and stops them after."""
    servers = []

    def start(**options) -> SMTPServer:
        server = SMTPServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def send_through(settings):
    """Points Django's SMTP backend at a test server."""

    def use(server: SMTPServer) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5

    return use
