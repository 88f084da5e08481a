from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        # drf-spectacular finds its extensions (the token security scheme) once they are imported.
        from . import schema  # noqa: F401
