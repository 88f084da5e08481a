"""`manage.py makemessages` limited to what stakeholders read: the meeting emails and their .ics notes.

The rest of the CRM is in English for its staff; extracting its thousands of strings would bury the few
that are translated (locale/README.md). Everything else makemessages does is Django's own.
"""

import os

from django.core.management.commands import makemessages

TRANSLATED_SOURCES = (
    os.path.join("meetings", "notifications.py"),
    os.path.join("meetings", "calendar.py"),
    os.path.join("templates", "meetings", "email", ""),
)


class Command(makemessages.Command):
    help = "Extracts the messages of the emails stakeholders receive into locale/ (locale/README.md)."

    def find_files(self, root):
        return [
            translatable
            for translatable in super().find_files(root)
            if os.path.relpath(translatable.path, root).startswith(TRANSLATED_SOURCES)
        ]
