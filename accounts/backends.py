from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Username and password sign-in for people; service accounts only ever use API tokens."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_service_account", False)
