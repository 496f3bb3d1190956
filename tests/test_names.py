"""Names and reasons people type: no links, no invisible characters, no formulas, however
they are spelled (full-width, other dots), while real names in any script pass; and the
"same person" rule that folds accents."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.text_rules import (
    contains_url,
    has_invisible_characters,
    starts_like_formula,
)
from app.signatures.signing import name_key
from tests.conftest import sign, stored

REAL_NAMES = [
    "J. R. R. Tolkien",
    "J.R.",
    "St. John",
    "O'Brien",
    "O’Brien",
    "Jean-Luc",
    "María José",
    "Núñez",
    "Nguyễn Thị",
    "محمد عبد الله",
    "مهر\u200cناز",  # Persian: the ZWNJ keeps the two parts unjoined
    "शर्मा",
    "क्\u200dष",  # Devanagari: the ZWJ asks for the half form
    "王明",
    "김민준",
    "Олег",
    "Ngũgĩ wa Thiong'o",
    "Mary-Kate Smith Jr.",
]

LINKS = [
    "Visit evil.de now",
    "evil.tk",
    "evil。com",  # ideographic full stop
    "evil．com",  # full-width full stop
    "evil｡com",  # half-width ideographic full stop
    "evil\u2024com",  # one dot leader
    "ｅｖｉｌ.ｃｏｍ",
    "sub.evil.co",
    "http://x",
    "hxxp://x",
    "HTTPS:x",
    "www.x",
    "ｗｗｗ．x",
    "me@evil",
    "me＠evil",
    "evil\u200c.com",
    "10.0.0.1",
    "пример.рф",
    "शर्मा.भारत",
]

INVISIBLE = [
    "\u202eevil",  # right-to-left override
    "Ma\u202aria",
    "Ma\u202bria",
    "Ma\u202cria",
    "Ma\u202dria",
    "\u2066Maria\u2069",  # isolates
    "\u2067Maria",
    "\u2068Maria",
    "Ma\u200bria",  # zero-width space
    "Ma\u2060ria",  # word joiner
    "\ufeffMaria",  # zero-width no-break space (byte order mark)
    "Maria\u200e",  # left-to-right mark
    "Maria\u200f",  # right-to-left mark
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_pass(name):
    assert not contains_url(name)
    assert not has_invisible_characters(name)
    assert not starts_like_formula(name)


@pytest.mark.parametrize("name", LINKS)
def test_anything_shaped_like_a_web_or_email_address_is_a_link(name):
    assert contains_url(name)


@pytest.mark.parametrize("text", INVISIBLE)
def test_direction_overrides_and_zero_width_spaces_are_invisible_characters(text):
    assert has_invisible_characters(text)


@pytest.mark.parametrize("name", ["＝HYPERLINK(1)", "＋1", "－2", "＠SUM(A1)", "⁼1", "﹫x"])
def test_full_width_formula_starts_are_formula_starts(name):
    assert starts_like_formula(name)


domain_labels = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Lo")), min_size=2, max_size=8
).filter(lambda label: unicodedata.normalize("NFKC", label) == label)
dots = st.sampled_from([".", "\u3002", "\uff0e", "\uff61", "\u2024", "\ufe52"])


@given(
    before=st.text(max_size=10),
    host=st.text(
        alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1
    ).filter(lambda label: unicodedata.normalize("NFKC", label) == label),
    dot=dots,
    top=domain_labels,
    after=st.sampled_from(["", " now", "/path", ".", "!"]),
)
def test_any_domain_shape_with_any_dot_is_refused(before, host, dot, top, after):
    assert contains_url(f"{before} {host}{dot}{top}{after}")


name_words = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Lo", "Mn", "Mc")),
    min_size=1,
    max_size=12,
).filter(lambda word: not word[0].isspace())
joiners = st.sampled_from(["", "\u200c", "\u200d"])


@given(
    words=st.lists(st.tuples(name_words, joiners), min_size=1, max_size=4),
    separator=st.sampled_from([" ", "-", "'", ". ", " "]),
    initial=st.sampled_from(["", "J. ", "J.R. ", "St. "]),
)
def test_names_of_letters_spaces_joiners_and_initials_pass(words, separator, initial):
    name = initial + separator.join(word + joiner for word, joiner in words)
    assert not contains_url(name), name
    assert not has_invisible_characters(name), name


@given(text=st.text(), bad=st.sampled_from(INVISIBLE), at=st.integers(min_value=0))
def test_an_invisible_character_anywhere_is_found(text, bad, at):
    at = at % (len(text) + 1)
    assert has_invisible_characters(text[:at] + bad + text[at:])


# --- through the forms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_name": "Visit evil.de now"}, "cannot contain a web address"),
        ({"first_name": "evil。com"}, "cannot contain a web address"),
        ({"last_name": "evil.tk"}, "cannot contain a web address"),
        ({"last_name": "Lopez＠evil"}, "cannot contain @"),
        ({"first_name": "＝1+1"}, "cannot start with =, +, - or @"),
        ({"first_name": "＠SUM(A1)"}, "cannot start with =, +, - or @"),
        ({"last_name": "\u202eevil"}, "invisible characters"),
        ({"last_name": "Lo\u200bpez"}, "invisible characters"),
        ({"reason": "Mi familia \u202eabc"}, "invisible characters"),
        ({"reason": "\u2066hidden\u2069"}, "invisible characters"),
    ],
)
def test_the_public_form_refuses_links_invisible_characters_and_formulas(
    app, client, slug, fields, message
):
    response = sign(client, slug, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app) == 0


def test_persian_devanagari_and_emoji_with_joiners_are_welcome(app, client, slug):
    for first, last, email, reason in [
        ("مهر\u200cناز", "رضایی", "mehrnaz@example.org", "برای خانواده\u200cام"),
        ("क्\u200dष", "शर्मा", "sharma@example.org", "परिवार के लिए"),
        ("J. R. R.", "Tolkien", "tolkien@example.org", "For my family 👨\u200d👩\u200d👧 ❤️"),
    ]:
        response = sign(client, slug, first_name=first, last_name=last, email=email, reason=reason)
        assert response.status_code == 303, response.get_data(as_text=True)
    assert stored(app) == 3


# --- the same person -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("María José", "Núñez"), ("Maria Jose", "NUNEZ")),
        (("  MARÍA ", " López"), ("maría", "lópez")),
        (("Ｍａｒｉａ", "Ｌｏｐｅｚ"), ("Maria", "Lopez")),
        (("Nguyễn", "Thị"), ("Nguyen", "Thi")),
        (("Ma\u0301ria", "Lopez"), ("Maria", "Lopez")),  # decomposed accent
        (("مهر\u200cناز", "رضایی"), ("مهرناز", "رضایی")),
        (("क्\u200dष", "शर्मा"), ("क्ष", "शर्मा")),
    ],
)
def test_the_same_person_however_written(one, other):
    assert name_key(*one) == name_key(*other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Maria", "Lopez"), ("Mario", "Lopez")),
        (("क्ष", "x"), ("कष", "x")),  # the virama spells another name, it is no accent
        (("王", "明"), ("王", "朋")),
    ],
)
def test_different_people_stay_different(one, other):
    assert name_key(*one) != name_key(*other)


def test_signing_again_without_the_accents_is_the_same_person(app, client, slug):
    assert sign(client, slug, first_name="María José", last_name="Núñez").status_code == 303
    assert sign(client, slug, first_name="Maria Jose", last_name="Nunez").status_code == 303
    assert stored(app) == 1, "not a second member of the household"
