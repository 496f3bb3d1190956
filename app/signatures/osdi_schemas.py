"""Marshmallow schemas of the OSDI API (Open Supporter Data Interface 1.1, HAL+JSON): what
it answers and what it accepts. They make /api/v1/openapi.json, so it says what is true; the
webhooks' payloads are dumped with the same schemas."""

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, validate, validates

from app.models import NameDisplay


class UtcDateTime(fields.DateTime):
    """An instant in UTC, as OSDI writes them: 2027-07-15T16:00:00Z."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- links ----------------------------------------------------------------------------------


class LinkSchema(Schema):
    href = fields.String(required=True)
    title = fields.String()


class CurieSchema(Schema):
    name = fields.String(required=True)
    href = fields.String(required=True)
    templated = fields.Boolean(required=True)


class EntryPointLinksSchema(Schema):
    self = fields.Nested(LinkSchema, required=True)
    petitions = fields.Nested(LinkSchema, required=True, data_key="osdi:petitions")
    service_description = fields.Nested(
        LinkSchema,
        required=True,
        data_key="service-desc",
        metadata={"description": "this OpenAPI description (RFC 8631's relation)"},
    )
    curies = fields.List(fields.Nested(CurieSchema), required=True)


class PetitionLinksSchema(Schema):
    self = fields.Nested(LinkSchema, required=True)
    signatures = fields.Nested(LinkSchema, required=True, data_key="osdi:signatures")
    record_signature_helper = fields.Nested(
        LinkSchema, required=True, data_key="osdi:record_signature_helper"
    )


class SignatureLinksSchema(Schema):
    self = fields.Nested(
        LinkSchema, metadata={"description": "absent while the signature is pending"}
    )
    petition = fields.Nested(LinkSchema, required=True, data_key="osdi:petition")


class PageLinksSchema(Schema):
    self = fields.Nested(LinkSchema, required=True)
    next = fields.Nested(LinkSchema)
    previous = fields.Nested(LinkSchema)


# --- resources ------------------------------------------------------------------------------


class EntryPointSchema(Schema):
    motd = fields.String(required=True)
    max_pagesize = fields.Integer(required=True)
    vendor_name = fields.String(required=True)
    product_name = fields.String(required=True)
    osdi_version = fields.String(required=True)
    namespace = fields.String(
        required=True, metadata={"description": "the prefix of this system's identifiers"}
    )
    links = fields.Nested(EntryPointLinksSchema, required=True, data_key="_links")


class TargetSchema(Schema):
    name = fields.String(required=True)


class PetitionSchema(Schema):
    identifiers = fields.List(fields.String(), required=True)
    origin_system = fields.String(required=True)
    created_date = UtcDateTime(required=True)
    modified_date = UtcDateTime(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "HTML"})
    petition_text = fields.String(required=True)
    browser_url = fields.String(required=True)
    featured_image_url = fields.String(required=True)
    total_signatures = fields.Integer(
        required=True, metadata={"description": "confirmed signatures, as the page counts them"}
    )
    target = fields.List(fields.Nested(TargetSchema), required=True)
    links = fields.Nested(PetitionLinksSchema, required=True, data_key="_links")


SUBSCRIBED, UNSUBSCRIBED = "subscribed", "unsubscribed"


class EmailAddressSchema(Schema):
    address = fields.String(required=True)
    primary = fields.Boolean()
    status = fields.String(
        required=True,
        validate=validate.OneOf([SUBSCRIBED, UNSUBSCRIBED]),
        metadata={
            "description": "subscribed: the signer ticked “Email me updates” (or a partner "
            "said so) and has not unsubscribed since, nor had its mail server refuse "
            "them; else unsubscribed"
        },
    )


class NewEmailAddressSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    address = fields.String(required=True)
    primary = fields.Boolean()
    status = fields.String(
        validate=validate.OneOf([SUBSCRIBED, UNSUBSCRIBED, "bouncing", "spam complaints"]),
        metadata={
            "description": "subscribed: the signer asked for updates about this petition "
            "(our sign form's “Email me updates”); anything else, or none: they did not"
        },
    )


class PostalAddressSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    postal_code = fields.String(required=True)
    primary = fields.Boolean()


class PersonSchema(Schema):
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    email_addresses = fields.List(fields.Nested(EmailAddressSchema), required=True)
    postal_addresses = fields.List(fields.Nested(PostalAddressSchema), required=True)


class ReferrerDataSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    source = fields.String(
        allow_none=True,
        metadata={
            "description": "kept as the signature's source when it is a valid source name "
            "(as ?source= on the petition page), else api"
        },
    )
    referrer = fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "echoed by the helper, not kept"},
    )
    website = fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "echoed by the helper, not kept"},
    )
    url = fields.String(
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "echoed by the helper, not kept"},
    )


class SignatureEmbeddedSchema(Schema):
    person = fields.Nested(PersonSchema, required=True, data_key="osdi:person")


class SignatureSchema(Schema):
    identifiers = fields.List(fields.String(), required=True)
    origin_system = fields.String(required=True)
    created_date = UtcDateTime(required=True)
    modified_date = UtcDateTime(required=True)
    action_date = UtcDateTime(required=True)
    status = fields.String(required=True, metadata={"description": "confirmed or pending"})
    comments = fields.String(
        metadata={"description": "only for tokens with the personal data scope"}
    )
    referrer_data = fields.Nested(ReferrerDataSchema, required=True)
    links = fields.Nested(SignatureLinksSchema, required=True, data_key="_links")
    embedded = fields.Nested(
        SignatureEmbeddedSchema,
        data_key="_embedded",
        metadata={"description": "the signer: only for tokens with the personal data scope"},
    )

    @post_dump
    def _leave_out_what_is_not_shown(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for key in ("comments", "_embedded"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class PetitionsEmbeddedSchema(Schema):
    petitions = fields.List(fields.Nested(PetitionSchema), required=True, data_key="osdi:petitions")


class SignaturesEmbeddedSchema(Schema):
    signatures = fields.List(
        fields.Nested(SignatureSchema), required=True, data_key="osdi:signatures"
    )


class _CollectionSchema(Schema):
    total_pages = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    page = fields.Integer(required=True)
    total_records = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True, data_key="_links")


class PetitionCollectionSchema(_CollectionSchema):
    embedded = fields.Nested(PetitionsEmbeddedSchema, required=True, data_key="_embedded")


class SignatureCollectionSchema(_CollectionSchema):
    embedded = fields.Nested(SignaturesEmbeddedSchema, required=True, data_key="_embedded")


class ErrorSchema(Schema):
    """Every error the API answers (app.web.errors.api_error)."""

    code = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    status = fields.String(required=True, metadata={"description": "its name"})
    message = fields.String(required=True, metadata={"description": "what went wrong"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.List(fields.String())),
        metadata={
            "description": "A 422's (and a 400's for a body that is not JSON) problems: by "
            'where the request carries them ("json": the body, "query": the address), then '
            'by their dotted path in it ("person.email_addresses.0.address"; "_schema" for '
            "the body itself), a list of messages each"
        },
    )


# --- what clients send ----------------------------------------------------------------------


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "default 25; more than API_MAX_PAGESIZE gives that many"},
    )


# The filters the description promises to take (the parser, app.web.api.filters, also takes
# other cases, offsets and fractions of a second; what it cannot use is a 400 saying why).
_FILTER_CLAUSE = (
    r"modified_date (gt|ge|lt|le|eq|ne) '[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z'"
)
FILTER_PATTERN = rf"^{_FILTER_CLAUSE}( and {_FILTER_CLAUSE})*$"


class FilteredPageArgsSchema(PageArgsSchema):
    filter = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={
            "description": "OData: modified_date gt '2027-07-14T00:00:00Z' (also ge, lt, le, "
            "eq, ne; several joined with and), compared to the second, as dates are shown",
            "pattern": FILTER_PATTERN,
        },
    )


class NewPersonSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    email_addresses = fields.List(
        fields.Nested(NewEmailAddressSchema),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    postal_addresses = fields.List(
        fields.Nested(PostalAddressSchema), required=True, validate=validate.Length(min=1, max=10)
    )
    languages_spoken = fields.List(fields.String(), validate=validate.Length(max=10))


class AutoresponseSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    enabled = fields.Boolean()
    identifiers = fields.List(fields.String(), validate=validate.Length(max=10))


class TriggersSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    autoresponse = fields.Nested(AutoresponseSchema)


# OSDI's identifiers: `system:id` (a system named like "action_network"; an id without
# spaces or control characters).
IDENTIFIER_PATTERN = r"^[A-Za-z0-9_.\-]+:[^\x00-\x20\x7f]+$"


class SignatureHelperSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    identifiers = fields.List(
        fields.String(
            validate=[
                validate.Length(max=200),
                validate.Regexp(IDENTIFIER_PATTERN, error="Write it system:id."),
            ],
            metadata={"pattern": IDENTIFIER_PATTERN},
        ),
        validate=validate.Length(max=10),
        metadata={
            "description": "the signature's identifiers in your systems (system:id): echoed "
            "in the answer, not kept"
        },
    )
    person = fields.Nested(NewPersonSchema, required=True)
    comments = fields.String(allow_none=True)
    referrer_data = fields.Nested(ReferrerDataSchema)
    add_tags = fields.List(
        fields.String(), metadata={"description": "accepted and ignored: we keep no tags"}
    )
    triggers = fields.Nested(
        TriggersSchema,
        metadata={
            "description": "accepted, with no effect: a signature to be confirmed always gets "
            "our own confirmation email (double opt-in: it counts only once its signer "
            "confirms their address), whatever autoresponse says, and one recorded as "
            "confirmed (import confirmed scope) never gets an email"
        },
    )

    @validates("identifiers")
    def _not_ours(self, identifiers: list[str], **kwargs: Any) -> None:
        ours = str(current_app.config["API_IDENTIFIER_PREFIX"]) + ":"
        for position, identifier in enumerate(identifiers):
            if identifier.startswith(ours):
                raise ValidationError({position: [f"{ours} is this system's own: give yours."]})

    name_display = fields.String(
        load_default=NameDisplay.HIDDEN.value,
        validate=validate.OneOf([choice.value for choice in NameDisplay]),
        metadata={
            "description": "not OSDI: how the petition page shows the signer's name "
            "(default hidden: the signer did not choose it on our page)"
        },
    )
