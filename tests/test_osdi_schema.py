"""Schemathesis drives the OSDI API from its own /api/v1/openapi.json, with a valid token:
no answer is a server error, and every answer matches what the description says (status,
content type, headers, body)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.extensions import db
from app.models import PetitionMember
from app.organizers.api_tokens import TokenScopes, create_api_token
from tests.factories import make_organizer, make_petition, make_signature

HEADER = "OSDI-API-Token"


@pytest.fixture
def token(app) -> str:
    with app.app_context():
        ana = make_organizer("ana@example.org")
        petition = make_petition(slug="fix-the-bus")
        db.session.add(PetitionMember(petition_id=petition.id, organizer_id=ana.id))
        db.session.commit()
        for n in range(3):
            make_signature(petition, email=f"s{n}@example.org", reason="A reason")
        _, secret = create_api_token(
            ana, "schemathesis", TokenScopes(personal_data=True, write=True)
        )
    return secret


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_is_described(app):
    paths = {operation.label for operation in _operations(app)}
    assert "POST /api/v1/petitions/{petition_id}/record_signature_helper" in paths
    assert "GET /api/v1/petitions/{petition_id}/signatures" in paths


# Schemathesis' own pytest plugin (schema.parametrize) does not run under pytest 9: each
# operation's strategy is driven by Hypothesis here instead, which is what it does inside.
@pytest.mark.parametrize(
    "label",
    [
        "GET /api/v1/",
        "GET /api/v1/petitions",
        "GET /api/v1/petitions/{petition_id}",
        "GET /api/v1/petitions/{petition_id}/signatures",
        "GET /api/v1/petitions/{petition_id}/signatures/{signature_id}",
        "POST /api/v1/petitions/{petition_id}/record_signature_helper",
    ],
)
def test_the_api_keeps_to_its_description(app, token, label):
    (operation,) = [op for op in _operations(app) if op.label == label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers={HEADER: token})

    check()
