"""The OSDI resources (Open Supporter Data Interface 1.1), made from our models: plain data the
schemas (osdi_schemas.py) turn into HAL+JSON, for the API (app.web.api.osdi) and the webhooks'
payloads (app.events.webhooks). No query here: the services give the models."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from math import ceil
from typing import Any

from flask import current_app

from app.core.clock import now
from app.core.markdown import render_markdown
from app.core.urls import absolute_url
from app.models import Petition, Signature, SignatureStatus
from app.petitions.sharing import canonical_url
from app.signatures.osdi_schemas import SUBSCRIBED, UNSUBSCRIBED
from app.signatures.signing import SignerDetails

OSDI_VERSION = "1.1"
PRODUCT_NAME = "Petitions"
VENDOR_NAME = "Petitions (open source)"
CURIES = [
    {"name": "osdi", "href": "http://opensupporter.github.io/osdi-docs/{rel}", "templated": True}
]


def link(endpoint: str, **values: object) -> dict[str, str]:
    return {"href": absolute_url(endpoint, **values)}


def namespace() -> str:
    """OSDI's name for this system: the prefix of its identifiers."""
    return str(current_app.config["API_IDENTIFIER_PREFIX"])


def identifier(kind: str, number: int) -> str:
    """`petitions:petition-42`, `petitions:signature-42`: OSDI's `system:id`, the id naming
    its kind, since a petition and a signature may have the same number."""
    return f"{namespace()}:{kind}-{number}"


@dataclass(frozen=True)
class EntryPoint:
    motd: str
    max_pagesize: int
    namespace: str
    links: dict[str, Any]
    vendor_name: str = VENDOR_NAME
    product_name: str = PRODUCT_NAME
    osdi_version: str = OSDI_VERSION


def entry_point() -> EntryPoint:
    return EntryPoint(
        motd=current_app.config["API_MOTD"],
        max_pagesize=current_app.config["API_MAX_PAGESIZE"],
        namespace=namespace(),
        links={
            "self": link("osdi.entry_point"),
            "petitions": link("osdi.petitions"),
            "service_description": link("api-docs.openapi_json"),
            "curies": CURIES,
        },
    )


@dataclass(frozen=True)
class PetitionResource:
    identifiers: list[str]
    created_date: datetime
    modified_date: datetime
    title: str
    description: str
    petition_text: str
    browser_url: str
    featured_image_url: str
    total_signatures: int
    target: list[dict[str, str]]
    links: dict[str, Any]
    origin_system: str = PRODUCT_NAME


def petition_resource(petition: Petition) -> PetitionResource:
    if petition.image_filename:
        image = absolute_url("public.upload", filename=petition.image_filename)
    else:
        image = absolute_url("public.share_image", slug=petition.slug)
    return PetitionResource(
        identifiers=[identifier("petition", petition.id)],
        created_date=petition.created_at,
        modified_date=max(
            moment
            for moment in (petition.created_at, petition.updated_at, petition.published_at)
            if moment is not None
        ),
        title=petition.title,
        description=str(render_markdown(petition.about)),
        petition_text=petition.letter_body,
        browser_url=canonical_url(petition),
        featured_image_url=image,
        total_signatures=petition.signature_count,
        target=[{"name": target.full_name} for target in petition.targets],
        links={
            "self": link("osdi.petition", petition_id=petition.id),
            "signatures": link("osdi.signatures", petition_id=petition.id),
            "record_signature_helper": link(
                "osdi.record_signature_helper", petition_id=petition.id
            ),
        },
    )


@dataclass(frozen=True)
class SignatureResource:
    identifiers: list[str]
    created_date: datetime
    modified_date: datetime
    action_date: datetime
    status: str
    referrer_data: dict[str, Any]
    links: dict[str, Any]
    comments: str | None = None
    embedded: dict[str, Any] | None = None
    origin_system: str = PRODUCT_NAME


def _signer(
    first_name: str, last_name: str, email: str | None, zip_code: str, *, subscribed: bool
) -> dict[str, Any]:
    email_address = {
        "address": email,
        "primary": True,
        "status": SUBSCRIBED if subscribed else UNSUBSCRIBED,
    }
    return {
        "person": {
            "given_name": first_name,
            "family_name": last_name,
            "email_addresses": [email_address] if email else [],
            "postal_addresses": [{"postal_code": zip_code, "primary": True}],
        }
    }


def signature_resource(
    signature: Signature, *, personal_data: bool, subscribed: bool = False
) -> SignatureResource:
    """A signature; the signer's name, addresses and comments only with `personal_data`.
    `subscribed`: the signer gets updates (app.organizers.api_reads.subscribed_to_updates)."""
    person = None
    if personal_data:
        person = _signer(
            signature.first_name,
            signature.last_name,
            signature.email,
            signature.zip_code,
            subscribed=subscribed,
        )
    return SignatureResource(
        identifiers=[identifier("signature", signature.id)],
        created_date=signature.created_at,
        modified_date=signature.confirmed_at or signature.created_at,
        action_date=signature.created_at,
        status=signature.status.value,
        referrer_data={"source": signature.source},
        comments=signature.reason if personal_data else None,
        embedded=person,
        links=_signature_links(signature),
    )


def signature_request_resource(
    petition: Petition, details: SignerDetails, *, personal_data: bool
) -> SignatureResource:
    """The answer to a signature taken for its signer to confirm, made from the request alone:
    the same whether this person had signed or not (only their mailbox is told). So it has
    none of our identifiers and no address; the signature gets both once confirmed."""
    at = now()
    return SignatureResource(
        identifiers=[],
        created_date=at,
        modified_date=at,
        action_date=at,
        status=SignatureStatus.PENDING.value,
        referrer_data={"source": details.source},
        comments=details.reason if personal_data else None,
        embedded=(
            _signer(
                details.first_name,
                details.last_name,
                details.email,
                details.zip_code,
                subscribed=details.wants_updates,  # as asked: whether suppressed is ours
            )
            if personal_data
            else None
        ),
        links={"petition": link("osdi.petition", petition_id=petition.id)},
    )


def with_request_echoed(resource: SignatureResource, body: dict[str, Any]) -> SignatureResource:
    """The helper's answer echoes the caller's own identifiers (after ours) and referrer data,
    as OSDI's does; we keep neither, but the source, shown as kept."""
    referrer = {k: v for k, v in (body.get("referrer_data") or {}).items() if v is not None}
    return replace(
        resource,
        identifiers=[*resource.identifiers, *body.get("identifiers", [])],
        referrer_data={**referrer, "source": resource.referrer_data["source"]},
    )


def _signature_links(signature: Signature) -> dict[str, Any]:
    """A pending signature (just recorded by the helper) has no address of its own yet: the
    API lists confirmed signatures only, so its `self` comes once the signer confirms."""
    links = {"petition": link("osdi.petition", petition_id=signature.petition_id)}
    if signature.status == SignatureStatus.CONFIRMED:
        links["self"] = link(
            "osdi.signature", petition_id=signature.petition_id, signature_id=signature.id
        )
    return links


@dataclass(frozen=True)
class Collection:
    total_pages: int
    per_page: int
    page: int
    total_records: int
    links: dict[str, Any]
    embedded: dict[str, Any] = field(default_factory=dict)


def collection(
    endpoint: str,
    items_key: str,
    items: list[Any],
    *,
    total: int,
    page: int,
    per_page: int,
    **values: object,
) -> Collection:
    """A page of a collection with its self, next and previous links (the query kept)."""
    pages = max(1, ceil(total / per_page))

    def page_link(number: int) -> dict[str, str]:
        return {"href": absolute_url(endpoint, **values, page=number, per_page=per_page)}

    links = {"self": page_link(page)}
    if page < pages:
        links["next"] = page_link(page + 1)
    if page > 1:
        links["previous"] = page_link(min(page - 1, pages))
    return Collection(
        total_pages=pages,
        per_page=per_page,
        page=page,
        total_records=total,
        links=links,
        embedded={items_key: items},
    )
