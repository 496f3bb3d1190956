"""The OSDI API (Open Supporter Data Interface 1.1, HAL+JSON) under /api/v1/, on
flask-smorest: the entry point, petitions, their confirmed signatures and the record
signature helper; described at /api/v1/openapi.json.

Every request carries a token in the `OSDI-API-Token` header (made at /organizer/api-tokens
or with `organizers token`); it acts for its organizer, on the published petitions they
manage (admins: every published petition). Stateless: no session, no cookie, no CSRF (a
token in a header is no ambient credential). Answers, errors included, are HAL+JSON. Views
hold no SQL and no commit: the services in app.organizers and app.signatures.signing do.
"""

from functools import wraps

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_limiter.util import get_remote_address
from flask_smorest import Api, Blueprint

# abort: flask-smorest's, which is webargs' (whose hints say it never returns)
from webargs.flaskparser import FlaskParser, abort
from werkzeug.datastructures import MultiDict

from app.core.text_rules import clean_source
from app.extensions import csrf, limiter
from app.models import ApiToken, NameDisplay, Petition, Signature
from app.organizers.api_reads import (
    ModifiedRange,
    confirmed_signature,
    confirmed_signatures,
    record_personal_data_read,
    subscribed_to_updates,
    visible_petition,
    visible_petitions,
)
from app.organizers.api_tokens import note_token_used, token_for_secret
from app.signatures import osdi_resources as resources
from app.signatures.osdi_schemas import (
    SUBSCRIBED,
    EntryPointSchema,
    ErrorSchema,
    FilteredPageArgsSchema,
    PetitionCollectionSchema,
    PetitionSchema,
    SignatureCollectionSchema,
    SignatureHelperSchema,
    SignatureSchema,
)
from app.signatures.signing import (
    AlreadySigned,
    PetitionNotOpen,
    SignatureNotRecorded,
    SignerDetails,
    record_confirmed_signature,
    sign_petition,
)
from app.web.api.filters import FilterRefused, parse_filter
from app.web.caching import no_store
from app.web.errors import HAL_JSON
from app.web.form_parts import zip_example
from app.web.sign_form import SignerForm
from app.web.sign_submission import RETRY_AFTER_SECONDS

TOKEN_HEADER = "OSDI-API-Token"  # noqa: S105 # nosec B105  (a header name, not a secret)
SECURITY_SCHEME = "OSDI-API-Token"
DEFAULT_PAGESIZE = 25  # OSDI's
API_SOURCE = "api"  # a signature's source when the partner names none


class OsdiParser(FlaskParser):
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # Python's json gives up on a body nested some thousand levels deep ("[[[[...").
            abort(400, messages={"json": ["The JSON body is nested too deeply."]})


class OsdiBlueprint(Blueprint):
    ARGUMENTS_PARSER = OsdiParser()


blp = OsdiBlueprint(
    "osdi",
    __name__,
    url_prefix="/api/v1",
    description="Open Supporter Data Interface 1.1: petitions and their signatures.",
)
csrf.exempt(blp)


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _request_token() -> ApiToken | None:
    """The live token the request carries (looked up once per request), or None."""
    if "api_token" not in g:
        g.api_token = token_for_secret(request.headers.get(TOKEN_HEADER))
    return g.api_token


def _rate_key() -> str:
    """Each token has its own allowance; requests without a valid one share their
    address's (a made-up token buys no allowance of its own)."""
    token = _request_token()
    if token is not None:
        return f"api-token:{token.id}"
    return "api-address:" + get_remote_address()


# One allowance per token across the whole API (not one per address of it).
limiter.shared_limit(_rate_limit, scope="osdi-api", key_func=_rate_key)(blp)


def _sign_rate_limit() -> str:
    return current_app.config["API_SIGN_RATE_LIMIT"]


def _not_recording_a_signature() -> bool:
    return request.endpoint != "osdi.record_signature_helper"


# And one per token for recording signatures, as the sign form has per visitor. A blueprint
# limit that spares the other views: a decorated view would leave the limiter's
# before_request, which also counts the requests that fail to authenticate.
limiter.shared_limit(
    _sign_rate_limit,
    scope="osdi-sign",
    key_func=_rate_key,
    exempt_when=_not_recording_a_signature,
)(blp)


@blp.before_request
def _authenticate():
    g.stateless = True  # never read or write a session: no cookie
    token = _request_token()
    if token is None:
        abort(
            401,
            message=f"Send a valid API token in the {TOKEN_HEADER} header. Organizers make "
            "them at /organizer/api-tokens; a revoked token no longer works.",
        )
    note_token_used(token)


@blp.after_request
def _hal_and_never_cached(response):
    if response.mimetype == "application/json":  # flask-smorest's answers are jsonify's
        response.mimetype = HAL_JSON
    return no_store(response)


def _token() -> ApiToken:
    return g.api_token


def _needs_write_scope(view):
    """Above `blp.arguments`: a token that may not write is refused before its body is read
    (it learns nothing from our checks of it, and costs no parsing)."""

    @wraps(view)  # keeps flask-smorest's description of the view (its __dict__)
    def checked(*args, **kwargs):
        if not _token().can_write:
            abort(403, message="This token may not record signatures: it needs the write scope.")
        return view(*args, **kwargs)

    return checked


def _petition_or_404(petition_id: str) -> Petition:
    petition = visible_petition(_token(), petition_id)
    if petition is None:
        abort(404, message=f"No petition {petition_id!r} that this token may see.")
    return petition


def _paging(args: dict) -> tuple[int, int]:
    most = current_app.config["API_MAX_PAGESIZE"]
    per_page = min(args.get("per_page") or min(DEFAULT_PAGESIZE, most), most)
    return args["page"], per_page


# --- reading ------------------------------------------------------------------------------


@blp.get("/")
@blp.response(200, EntryPointSchema)
def entry_point():
    """The entry point: what this server offers, and where."""
    return resources.entry_point()


def _filter(args: dict) -> ModifiedRange:
    try:
        return parse_filter(args.get("filter"))
    except FilterRefused as refusal:
        abort(400, message=str(refusal))


def _filter_kept(args: dict) -> dict:
    """The filter, for the links to other pages."""
    return {"filter": args["filter"]} if args.get("filter") else {}


@blp.get("/petitions")
@blp.arguments(FilteredPageArgsSchema, location="query")
@blp.response(200, PetitionCollectionSchema)
def petitions(args):
    """The published petitions this token's organizer manages, newest first. A petition's
    modified date is the latest of when it was made, last edited and published."""
    wanted = _filter(args)
    page, per_page = _paging(args)
    found = visible_petitions(_token(), page=page, per_page=per_page, modified=wanted)
    items = [resources.petition_resource(petition) for petition in found.items]
    return resources.collection(
        "osdi.petitions",
        "petitions",
        items,
        total=found.total,
        page=page,
        per_page=per_page,
        **_filter_kept(args),
    )


@blp.get("/petitions/<petition_id>")
@blp.response(200, PetitionSchema)
def petition(petition_id: str):
    """One petition, by its id (or its slug)."""
    return resources.petition_resource(_petition_or_404(petition_id))


def _signature_answer(petition: Petition, signature: Signature, token: ApiToken):
    personal = token.can_read_personal_data
    subscribed = personal and signature.id in subscribed_to_updates(petition, [signature])
    return resources.signature_resource(signature, personal_data=personal, subscribed=subscribed)


def _record_read(petition: Petition, description: str, rows: int) -> None:
    if rows and _token().can_read_personal_data:
        record_personal_data_read(petition, _token(), description, rows)


@blp.get("/petitions/<petition_id>/signatures")
@blp.arguments(FilteredPageArgsSchema, location="query")
@blp.response(200, SignatureCollectionSchema)
def signatures(args, petition_id: str):
    """The petition's confirmed signatures, in the order they came to count, from a second
    or two after their confirmation (so that `modified_date gt` the last one seen, to the
    second, never misses one confirmed in that same second). The signer's name, addresses
    and comments only for a token with the personal data scope (each such read is recorded
    with the petition's exports)."""
    petition = _petition_or_404(petition_id)
    wanted = _filter(args)
    page, per_page = _paging(args)
    found = confirmed_signatures(petition, page=page, per_page=per_page, modified=wanted)
    personal = _token().can_read_personal_data
    subscribed = subscribed_to_updates(petition, found.items) if personal else set()
    items = [
        resources.signature_resource(s, personal_data=personal, subscribed=s.id in subscribed)
        for s in found.items
    ]
    # The resources are plain data: recording the read (a commit) leaves them as they are.
    answer = resources.collection(
        "osdi.signatures",
        "signatures",
        items,
        total=found.total,
        page=page,
        per_page=per_page,
        petition_id=petition.id,
        **_filter_kept(args),
    )
    description = f"API signatures page={page} per_page={per_page}"
    if args.get("filter"):
        description += f" filter={args['filter']}"
    _record_read(petition, description, len(items))
    return answer


@blp.get("/petitions/<petition_id>/signatures/<int:signature_id>")
@blp.response(200, SignatureSchema)
def signature(petition_id: str, signature_id: int):
    """One confirmed signature of the petition."""
    petition = _petition_or_404(petition_id)
    found = confirmed_signature(petition, signature_id)
    if found is None:
        abort(404, message=f"No confirmed signature {signature_id} on this petition.")
    answer = _signature_answer(petition, found, _token())
    _record_read(petition, f"API signature {signature_id}", 1)
    return answer


# --- recording ----------------------------------------------------------------------------

# Where each field of the sign form comes from in the helper's body.
_FIELD_PATHS = {
    "first_name": "person.given_name",
    "last_name": "person.family_name",
    "email": "person.email_addresses.0.address",
    "zip_code": "person.postal_addresses.0.postal_code",
    "reason": "comments",
    "name_display": "name_display",
}


def _primary(entries: list[dict]) -> dict:
    return next((entry for entry in entries if entry.get("primary")), entries[0])


def _signer_details(petition: Petition, body: dict) -> SignerDetails:
    """The helper's body checked by the sign form's own rules for this petition; 422 with
    every problem, by where it is in the body."""
    person = body["person"]
    email_address = _primary(person["email_addresses"])
    form = SignerForm(
        zip_example=zip_example(petition.resident_zip_prefixes),
        formdata=MultiDict(
            {
                "first_name": person["given_name"],
                "last_name": person["family_name"],
                "email": email_address["address"],
                "zip_code": _primary(person["postal_addresses"])["postal_code"],
                "reason": body.get("comments") or "",
                "name_display": body["name_display"],
            }
        ),
    )
    if not form.validate():
        errors = {
            _FIELD_PATHS.get(name, name): [str(message) for message in messages]
            for name, messages in form.errors.items()
        }
        abort(422, message="The signature was not recorded: see errors.", errors={"json": errors})
    languages = current_app.config["LANGUAGES"]
    spoken = [language.lower()[:2] for language in person.get("languages_spoken") or []]
    locale = next((language for language in spoken if language in languages), str(get_locale()))
    source = clean_source((body.get("referrer_data") or {}).get("source")) or API_SOURCE
    return SignerDetails(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        zip_code=form.zip_code.data,
        reason=form.reason.data or None,
        name_display=NameDisplay(form.name_display.data),
        wants_updates=email_address.get("status") == SUBSCRIBED,
        source=source,
        locale=locale,
    )


@blp.post("/petitions/<petition_id>/record_signature_helper")
@_needs_write_scope
@blp.arguments(SignatureHelperSchema)
@blp.response(
    202,
    SignatureSchema,
    description="Taken, for the signer to confirm: the same answer whether or not this person "
    "had signed (nothing in it comes from our records)",
)
@blp.alt_response(
    201,
    schema=SignatureSchema,
    description="Recorded as confirmed (a token with the import confirmed scope)",
    headers={
        "Location": {
            "description": "the signature's address (its self link)",
            "schema": {"type": "string"},
            "required": True,
        }
    },
)
def record_signature_helper(body, petition_id: str):
    """Record a signature a partner collected (write scope).

    Usually it is taken for its signer to confirm, as the sign form's are: 202, and our
    confirmation email goes to the signer, or, if this person had signed, a reminder or an
    "already signed" email (at most one every few minutes). The answer is the same either
    way, so a token cannot learn who signed. With the import confirmed scope the signature
    counts at once and no email is sent: 201, or 409 if this person had signed. 409 too if
    the petition does not take signatures. The answer echoes the body's identifiers and
    referrer data; triggers have no effect (see the field)."""
    token = _token()
    petition = _petition_or_404(petition_id)
    details = _signer_details(petition, body)
    personal = token.can_read_personal_data
    try:
        if not token.can_import_confirmed:
            sign_petition(petition, details)
            taken = resources.signature_request_resource(petition, details, personal_data=personal)
            return resources.with_request_echoed(taken, body), 202
        recorded = record_confirmed_signature(petition, details)
    except PetitionNotOpen:
        abort(409, message="This petition does not take signatures now (closed or not open yet).")
    except SignatureNotRecorded:
        abort(
            503,
            message="The signature was not recorded: send it again in a moment.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    except AlreadySigned:
        abort(409, message="This person has already signed this petition with this address.")
    resource = _signature_answer(petition, recorded, token)
    answer = resources.with_request_echoed(resource, body)
    return answer, 201, {"Location": resource.links["self"]["href"]}


# --- the application ------------------------------------------------------------------------


class OsdiApi(Api):
    # What the description says every answer is, errors included.
    DEFAULT_RESPONSE_CONTENT_TYPE = HAL_JSON
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """None of flask-smorest's: app.web.errors answers every error, in JSON under
        /api/v1/ and as pages elsewhere."""


def init_api(app: Flask) -> Api:
    api = OsdiApi(
        app,
        spec_kwargs={
            "security": [{SECURITY_SCHEME: []}],
            "info": {
                "description": "OSDI 1.1 (HAL+JSON). Authenticate with the OSDI-API-Token "
                'header; see docs/api.md in the source.'
            },
        },
    )
    api.spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "apiKey", "in": "header", "name": TOKEN_HEADER}
    )
    api.register_blueprint(blp)
    return api
