"""Brings the dashboards' summary tables up to date now, as the nightly beat task does.

Run it after loading data by other means than the services (a restore, the benchmark's generator):
`python manage.py refresh_dashboards` (add `--history 90` to back-fill 90 days of relationship health).
"""

from time import perf_counter

from django.core.management.base import BaseCommand

from dashboards.services import figures_refresh, health_history_backfill


class Command(BaseCommand):
    help = "Recomputes the dashboards' summary tables: weekly activity and today's relationship health."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="DAYS",
            help="Also take the health snapshots of the past DAYS.",
        )

    def handle(self, *args, history: int = 0, **options):
        started = perf_counter()
        if history:
            health_history_backfill(days=history)
        figures_refresh(full=True)
        self.stdout.write(
            self.style.SUCCESS(f"Dashboard figures refreshed in {perf_counter() - started:.1f} s.")
        )
