"""`manage.py makemessages` whose "django" domain holds only what stakeholders read: the meeting emails and
their .ics notes.

The rest of the CRM is in English for its staff; extracting its thousands of strings would bury the few
that are translated (locale/README.md). `--all-sources`, or any other domain, is Django's makemessages as it
stands.
"""

import os

from django.core.management.commands import makemessages

TRANSLATED_SOURCES = (
    os.path.join("meetings", "notifications.py"),
    os.path.join("meetings", "calendar.py"),
    os.path.join("templates", "meetings", "email", ""),
)


class Command(makemessages.Command):
    help = (
        "Extracts the messages of the emails stakeholders receive into locale/ (locale/README.md); "
        "--all-sources extracts from every file, as Django's makemessages does."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--all-sources",
            action="store_true",
            help="Extract from every source file, not only those of the emails stakeholders receive.",
        )

    def handle(self, *args, **options):
        self.all_sources = options["all_sources"]
        super().handle(*args, **options)

    def find_files(self, root):
        found = super().find_files(root)
        if self.all_sources or self.domain != "django":
            return found
        return [
            translatable
            for translatable in found
            if os.path.relpath(translatable.path, root).startswith(TRANSLATED_SOURCES)
        ]
