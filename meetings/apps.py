from django.apps import AppConfig


def _invitation_send_again(**kwargs):
    # Imported when used: the services import much of the project, which need not load with the app.
    from .services import invitation_send_again

    return invitation_send_again(**kwargs)


def _invitation_topic_read(message) -> bool:
    from .notifications import topic_about

    return topic_about(message.topic) is not None


def _invitation_send_again_refusal(message) -> str:
    from .services import invitation_send_again_refusal

    return invitation_send_again_refusal(message)


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from outbox import rewriting

        from .notifications import INVITATION

        # "Send again with current details" on the outbox page: an invitation or update is written again
        # from its meeting as it is now. One whose topic names no guest as topics name them now (written
        # before guest ids, and never rewritten) is sent again as it was, unless its meeting is gone, over or
        # cancelled, or a later message about it was written to its address.
        rewriting.register(
            INVITATION,
            _invitation_send_again,
            refusal=_invitation_send_again_refusal,
            reads=_invitation_topic_read,
        )
