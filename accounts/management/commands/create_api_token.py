from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team, User
from accounts.services import api_token_create, service_account_create


class Command(BaseCommand):
    help = (
        "Creates an API token for a user and prints it once. With --service-account, creates the service "
        "account first when it does not exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument(
            "--service-account",
            action="store_true",
            help="The account is (or is created as) a service account for another tool.",
        )
        parser.add_argument("--team", help="Team of a newly created service account.")

    def handle(self, *args, username, name, service_account, team, **options):
        user = User.objects.filter(username=username).first()
        try:
            if user is None:
                if not service_account:
                    raise CommandError(f"No user {username!r}; add --service-account to create one.")
                team_obj = Team.objects.filter(name=team).first() if team else None
                if team and team_obj is None:
                    raise CommandError(f"No team {team!r}.")
                user = service_account_create(username=username, actor=None, team=team_obj)
                self.stderr.write(f"Created service account {username}.")
            elif service_account and not user.is_service_account:
                raise CommandError(f"{username!r} is a person's account, not a service account.")
            if not user.is_active:
                raise CommandError(f"{username!r} is inactive.")
            # The operator on the server acts for the account itself.
            _token, key = api_token_create(user=user, name=name, actor=user)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(f"Token “{name}” for {username}. It is shown only this once:")
        self.stdout.write(key)
