"""The signing benchmark's load generator (bench/load.py) reads the sign form's token from the
page as it is today: when the form changes, the benchmark must not silently count every visit
as an error."""

from bench.load import TOKEN
from tests.factories import make_petition


def test_the_load_generator_finds_the_forms_token(app, client):
    with app.app_context():
        slug = make_petition().slug
    page = client.get(f"/petitions/{slug}").get_data()

    field, token = TOKEN.search(page).groups()

    assert field == b"form_token"
    assert token
    answer = client.post(
        f"/petitions/{slug}/sign",
        data={
            field.decode(): token.decode(),
            "first_name": "Load",
            "last_name": "Tester",
            "email": "load@example.org",
            "zip_code": "19107",
            "name_display": "full",
        },
    )
    assert answer.status_code == 303
