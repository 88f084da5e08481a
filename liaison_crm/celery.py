import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison_crm.settings")


class HistoryTask(Task):
    """A task whose changes the history attributes to it, by name, rather than to nobody (history/)."""

    def __call__(self, *args, **kwargs):
        # Imported here: pghistory's models cannot load before Django has set up its apps.
        import pghistory

        with pghistory.context(task=self.name):
            return super().__call__(*args, **kwargs)


app = Celery("liaison_crm", task_cls=HistoryTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
