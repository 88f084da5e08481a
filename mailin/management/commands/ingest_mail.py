"""Logs the emails in a Maildir or an mbox file (or one message on standard input) as interactions.

    manage.py ingest_mail /var/mail/crm/Maildir        # every message in new/ and cur/
    manage.py ingest_mail /var/mail/crm.mbox --delete   # and remove them once stored
    formail -s … | manage.py ingest_mail -               # one message, e.g. from the mail server's pipe

A message already captured (same Message-ID) is skipped, so running it again changes nothing.
"""

import mailbox
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mailin.services import inbound_message_receive


class Command(BaseCommand):
    help = "Log the emails in a Maildir or mbox (or one on standard input, '-') as interactions."

    def add_arguments(self, parser):
        parser.add_argument("source", help="A Maildir folder, an mbox file, or - for one message on stdin.")
        parser.add_argument("--delete", action="store_true", help="Remove each message once it is stored.")

    def handle(self, *args, source, delete, **options):
        counts = {"logged": 0, "review": 0, "duplicate": 0, "rejected": 0}
        if source == "-":
            self._one(sys.stdin.buffer.read(), counts)
        else:
            box = self._open(Path(source))
            box.lock()
            try:
                for key in list(box.keys()):
                    if self._one(box.get_bytes(key), counts) and delete:
                        box.remove(key)
                box.flush()
            finally:
                box.unlock()
                box.close()
        summary = (
            "{logged} logged, {review} waiting for review, {duplicate} already captured, {rejected} rejected"
        )
        self.stdout.write(summary.format(**counts))

    def _open(self, path: Path):
        if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
            return mailbox.Maildir(path, create=False)
        if path.is_file():
            return mailbox.mbox(path, create=False)
        raise CommandError(f"{path} is neither a Maildir nor an mbox file.")

    def _one(self, raw: bytes, counts: dict) -> bool:
        try:
            message, created = inbound_message_receive(raw=raw)
        except ValidationError as error:
            counts["rejected"] += 1
            self.stderr.write(" ".join(error.messages))
            return False
        counts[message.status if created else "duplicate"] = (
            counts.get(message.status if created else "duplicate", 0) + 1
        )
        return True
