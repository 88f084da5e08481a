"""The OpenAPI schema: our headers (If-Match, If-None-Match, Idempotency-Key), error answers, token scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

from .throttling import TokenRateThrottle
from .viewsets import ReadOnlyViewSet

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "`detail` says what went wrong; a 400 instead lists messages under each field name "
        "(`non_field_errors` for the record as a whole)."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
}

# Every answer past the rate limit's check carries these (docs/api.md, "Rate limit"); not those refused
# before it is counted (no credentials, an Accept it cannot meet), nor any while Redis is away.
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests this token may make over the sliding window (`API_RATE_LIMIT`).",
    "RateLimit-Remaining": "Requests it may still make now, this one counted.",
    "RateLimit-Reset": (
        "Seconds until every request counted so far has slid out of the window and the whole limit is free "
        "again; part of it comes back sooner."
    ),
}
# Answers that carry no RateLimit headers: refused before the rate limit counts the request, or given by
# liaison_crm.outages and liaison_crm.save_collisions, which answer for the whole site after the view is gone.
ANSWERED_WITHOUT_RATE_LIMIT_HEADERS = {"401", "406", "503"}
RETRY_AFTER = "Seconds to wait before sending the request again."


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from the “API tokens” page or `manage.py create_api_token`.",
        }


class AutoSchema(SpectacularAutoSchema):
    @property
    def _names_a_record(self) -> bool:
        """The address holds an id: a record's, or the meeting's whose papers it lists."""
        return "{" in self.path

    @property
    def _is_detail(self) -> bool:
        return getattr(self.view, "detail", self._names_a_record)

    @property
    def _has_etags(self) -> bool:
        # The record view sets (api.viewsets) answer with ETags and honour If-Match and If-None-Match; a
        # meeting's papers are files, added and removed whole.
        return isinstance(self.view, ReadOnlyViewSet)

    @property
    def _writes_one_record(self) -> bool:
        return self._has_etags and self._is_detail and self.method in {"PUT", "PATCH", "DELETE", "POST"}

    @property
    def _is_post(self) -> bool:
        # Every POST, a create or an action, honours Idempotency-Key (api.viewsets.ApiViewMixin.dispatch).
        return self.method == "POST"

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._writes_one_record:
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description=(
                        "The ETag you read, as given. If the record changed since, or the tag is weak "
                        "(`W/`), the answer is 412."
                    ),
                )
            )
        if self._is_post:
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    description=(
                        "Any unique string (a UUID) you choose. Retrying with the same key and body "
                        "returns the first answer instead of doing it again (remembered for 24 hours)."
                    ),
                )
            )
        if self._has_etags and self._is_detail and self.method == "GET":
            parameters.append(
                OpenApiParameter(
                    "If-None-Match", str, OpenApiParameter.HEADER, description="An ETag: 304 while unchanged."
                )
            )
        return parameters

    def get_response_serializers(self):
        # A write takes the view's input serializer but answers with the record as a read shows it.
        writes = {"create", "update", "partial_update"}
        if (
            getattr(self.view, "input_serializer_class", None)
            and getattr(self.view, "action", None) in writes
        ):
            return self.view.serializer_class
        return super().get_response_serializers()

    def _error(self, description: str) -> dict:
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        return {"content": {"application/json": {"schema": component.ref}}, "description": description}

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "401": "No credentials, or an invalid or revoked token.",
            "406": "The Accept header asks for something other than JSON.",
            "429": "Too many requests for this token; wait the seconds in Retry-After.",
            "503": (
                "Nothing was changed: someone else was saving related records at the same moment "
                "(`code` `save_collision`), or the database is briefly out of reach (`service_unavailable`). "
                "Send the same request again after the seconds in Retry-After."
            ),
        }
        if self.method != "GET" or not self._names_a_record:
            errors["400"] = "Invalid input: messages per field."
        if self.method in {"POST", "PUT", "PATCH"}:
            errors["413"] = "The request body is larger than the API accepts."
            errors["415"] = "The body is not in a format this operation reads (see its Content-Type)."
        if self.method != "GET":
            errors["403"] = "You may not change this record (or a session request lacks its CSRF token)."
        if self._names_a_record:
            errors["404"] = "No such record, or not one you can see."
        if self._writes_one_record:
            errors["412"] = "If-Match no longer matches: someone changed the record since you read it."
        if self._is_post:
            errors["422"] = "The Idempotency-Key was already used for a different request."
        errors.update(getattr(self.view, "error_responses", {}))
        for code, description in errors.items():
            responses.setdefault(code, self._error(description))
        responses["503"]["headers"] = {"Retry-After": self._retry_after()}
        if self._has_etags and self._is_detail and self.method == "GET":
            responses.setdefault("304", {"description": "Unchanged since the ETag in If-None-Match."})
        if self._rate_limited:
            self._add_rate_limit_headers(responses)
        return responses

    @property
    def _rate_limited(self) -> bool:
        return any(issubclass(throttle, TokenRateThrottle) for throttle in self.view.throttle_classes)

    def _header(self, name: str, description: str, *, minimum: int = 0) -> dict:
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.HEADER,
            object=name,
            schema={"description": description, "schema": {"type": "integer", "minimum": minimum}},
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _add_rate_limit_headers(self, responses: dict) -> None:
        rate_limit = {name: self._header(name, text) for name, text in RATE_LIMIT_HEADERS.items()}
        for code, response in responses.items():
            if code not in ANSWERED_WITHOUT_RATE_LIMIT_HEADERS:
                response.setdefault("headers", {}).update(rate_limit)
        responses["429"]["headers"]["Retry-After"] = self._retry_after()

    def _retry_after(self) -> dict:
        # Never "retry now": a refusal asks for at least a second (api.throttling.TokenRateThrottle.wait), and
        # so do liaison_crm.outages and liaison_crm.save_collisions.
        return self._header("Retry-After", RETRY_AFTER, minimum=1)
