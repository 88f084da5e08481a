"""API errors beyond DRF's own, and the one place a service's ValidationError becomes a 400."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.views.defaults import bad_request as django_bad_request
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "This record was changed since you read it (its ETag no longer matches If-Match). "
        "Fetch it again, reapply your change and send the new ETag."
    )
    default_code = "precondition_failed"


class DeletionsExpired(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = _(
        "Deletions this old are no longer kept: `since` is older than the deletions feed remembers. "
        "Sync everything again, then follow deletions from the time that sync started."
    )
    default_code = "deletions_expired"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was already used for a different request (another endpoint or body). "
        "Use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        super().__init__(
            _("The request body is too large: send at most %(size)s.")
            % {"size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        )


def as_drf_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """Field messages stay under their field; messages about the whole record go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
                for field, messages in error.message_dict.items()
            }
        )
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = as_drf_validation_error(exc)
    elif isinstance(exc, RequestDataTooBig):
        # Left to Django it would be an HTML 400 page, which tells an API client nothing.
        exc = RequestTooLarge()
    return drf_exception_handler(exc, context)


def bad_request(request, exception, *args, **kwargs):
    """handler400: a request Django refuses before any view sees it (a Host header it does not serve, a
    malformed header) is answered in JSON under /api/, as every other API error, and with Django's page
    elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": str(_("The request could not be read.")), "code": "bad_request"}, status=400
        )
    return django_bad_request(request, exception, *args, **kwargs)
