"""Bad input gets a clear message and a 4xx, never a 500, and what was typed is kept."""

import string

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Signature
from tests.conftest import csrf_token_from, form_token_from, sign, stored
from tests.factories import make_signature


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "Enter your first name."),
        ("last_name", "   ", "Enter your last name."),
        ("first_name", '=HYPERLINK("x")', "cannot start with =, +, - or @"),
        ("last_name", "+1", "cannot start with =, +, - or @"),
        ("first_name", "-Maria", "cannot start with =, +, - or @"),
        ("last_name", "@lopez", "cannot start with =, +, - or @"),
        ("first_name", "Visit https://spam.example", "cannot contain a web address"),
        ("last_name", "www.cheap-pills", "cannot contain a web address"),
        ("last_name", "lopez.com", "cannot contain a web address"),
        ("first_name", "Maria\x00", "letters, spaces and punctuation"),
        ("first_name", "M" * 81, "Use at most 80 characters."),
        ("email", "not-an-email", "Enter an email address like name@example.com."),
        ("email", "", "Enter your email address."),
        ("zip_code", "1910", "Enter a 5-digit ZIP code"),
        ("zip_code", "ABCDE", "Enter a 5-digit ZIP code"),
        ("reason", "x" * 501, "Use at most 500 characters."),
        ("name_display", "everyone", "Choose one of the options."),
    ],
)
def test_each_field_explains_what_is_wrong(app, client, slug, field, value, message):
    response = sign(client, slug, **{field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="error-summary"' in html
    assert 'aria-invalid="true"' in html or field == "name_display"
    assert stored(app) == 0


def test_the_form_keeps_what_was_typed(app, client, slug):
    response = sign(
        client, slug, first_name="Nguyễn", last_name="Văn An", zip_code="bad", reason="Vì cộng đồng"
    )
    html = response.get_data(as_text=True)
    assert 'value="Nguyễn"' in html
    assert 'value="Văn An"' in html
    assert "Vì cộng đồng" in html


def test_names_with_accents_and_scripts_are_welcome(app, client, slug):
    for first, last, email in [
        ("José", "Núñez", "jose@example.org"),
        ("明", "王", "wang@example.org"),
        ("Thị", "Nguyễn", "nguyen@example.org"),
        ("محمد", "عبد الله", "abdullah@example.org"),
        ("Mary-Kate", "O'Brien", "obrien@example.org"),
        ("J.R.", "St. John", "stjohn@example.org"),
    ]:
        assert sign(client, slug, first_name=first, last_name=last, email=email).status_code == 303
    assert stored(app) == 6


def test_zip_plus_four_is_kept_as_five_digits(app, client, slug):
    sign(client, slug, zip_code="19107-1234")
    with app.app_context():
        assert db.session.scalar(sa.select(Signature.zip_code)) == "19107"


def test_no_csrf_token_on_a_button_form_is_a_clear_400(app, client, slug):
    response = client.post(f"/petitions/{slug}/confirm/whatever")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_the_honeypot_thanks_a_bot_and_keeps_nothing(app, client, slug):
    response = sign(client, slug, website="http://spam.example")
    assert response.status_code == 303
    assert stored(app) == 0


def test_oversized_request_is_413(app, client, slug):
    response = client.post(f"/petitions/{slug}/sign", data={"reason": "x" * 100_000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_binary_body_is_a_clear_400(app, client, slug):
    response = client.post(
        f"/petitions/{slug}/sign",
        data=bytes(range(256)) * 10,
        content_type="application/octet-stream",
    )
    assert response.status_code == 400


def test_html_in_names_and_reasons_is_escaped(app, client, slug):
    with app.app_context():
        from app.petitions.queries import petition_by_slug

        make_signature(
            petition_by_slug(slug),
            first_name="<script>alert(1)</script>",
            reason="<img src=x onerror=alert(1)>",
        )
    html = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_unknown_urls_are_404_pages(client):
    for path in [
        "/petitions/none",
        "/petitions/UPPER",
        "/petitions/a.b",
        "/nope",
        "/petitions/none.json",
        "/petitions/x/confirm/y",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
    assert client.get("/petitions/none.json").json["error"] == "Page not found"


def test_wrong_method_is_405(app, client, slug):
    assert client.get(f"/petitions/{slug}/sign").status_code == 405


# --- fuzzing -----------------------------------------------------------------------------

any_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable, max_size=50),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            "=1+1",
            "@SUM(A1)",
            "\x00",
            "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
            "a" * 10_000,
            "'; DROP TABLE signature; --",
            "<svg onload=alert(1)>",
        ]
    ),
)


def form_fields(*names: str):
    """Any subset of these form fields, each holding any text (the form's own or a hostile one)."""
    return st.fixed_dictionaries({}, optional={name: any_text for name in names})


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=form_fields(
        "first_name",
        "last_name",
        "email",
        "zip_code",
        "reason",
        "name_display",
        "wants_updates",
        "source",
        "website",
    )
)
def test_fuzzed_signatures_never_cause_a_500(app, client, slug, fields):
    page = client.get(f"/petitions/{slug}")
    fields["form_token"] = form_token_from(page.get_data(as_text=True))
    response = client.post(f"/petitions/{slug}/sign", data=fields)
    assert response.status_code in (303, 400, 413), response.status_code
    assert "Traceback" not in response.get_data(as_text=True)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.text(max_size=80), query=st.text(max_size=40))
def test_fuzzed_urls_never_cause_a_500(app, client, slug, path, query):
    from urllib.parse import quote

    for url in (
        f"/petitions/{quote(path)}?source={quote(query)}",
        f"/petitions/{slug}?source={quote(query)}",
        f"/petitions/{slug}/confirm/{quote(path, safe='')}",
        f"/petitions/{slug}/withdraw/{quote(path, safe='')}",
        f"/petitions/{quote(path, safe='')}.json",
    ):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            name: any_text
            for name in [
                "first_name",
                "last_name",
                "email",
                "zip_code",
                "reason",
                "name_display",
                "add_anyway",
            ]
        }
        | {"signed_on": st.one_of(any_text, st.dates().map(str))},
    )
)
def test_fuzzed_paper_signatures_never_cause_a_500(app, organizer_client, slug, fields):
    path = f"/organizer/petitions/{slug}/paper"
    sheet = {
        "first_name": "Rosa",
        "last_name": "Parks",
        "zip_code": "19121",
        "signed_on": "2027-07-04",
        "name_display": "hidden",
        "csrf_token": csrf_token_from(organizer_client.get(path).get_data(as_text=True)),
    }
    response = organizer_client.post(path, data=sheet | fields)
    assert response.status_code in (303, 400, 409, 413), response.status_code
    assert "Traceback" not in response.get_data(as_text=True)


HUGE_ID = "99999999999999999999999"  # beyond a 64-bit integer column


@pytest.mark.parametrize(
    "path",
    [
        "/petitions/{slug}/responses/{id}.pdf",
        "/organizer/petitions/{slug}/files/{id}",
        "/organizer/petitions/{slug}/signers/{id}/delete",
        "/organizer/api-tokens/{id}/revoke",
        "/organizer/petitions/{slug}/updates/{id}",
        "/organizer/petitions/{slug}/updates/{id}/edit",
        "/api/v1/petitions/{slug}/signatures/{id}",
    ],
)
def test_an_id_beyond_a_database_integer_is_404(app, organizer_client, slug, path):
    response = organizer_client.get(
        path.format(slug=slug, id=HUGE_ID), headers={"OSDI-API-Token": "none"}
    )
    assert response.status_code in (401, 404), response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/organizer/petitions/{slug}/letters/{id}/prepare",
        "/organizer/api-tokens/{id}/revoke",
        "/organizer/organizers/{id}/disable",
        "/organizer/petitions/{slug}/team/{id}/remove",
        "/organizer/petitions/{slug}/responses/{id}/delete",
        "/organizer/petitions/{slug}/updates/{id}/send",
    ],
)
def test_a_button_for_an_id_beyond_a_database_integer_is_404(app, organizer_client, slug, path):
    token = csrf_token_from(organizer_client.get("/organizer/").get_data(as_text=True))
    response = organizer_client.post(
        path.format(slug=slug, id=HUGE_ID), data={"csrf_token": token}
    )
    assert response.status_code == 404, response.status_code
