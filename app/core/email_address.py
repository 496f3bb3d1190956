"""Email addresses: checking what a signer typed, folding it for comparison, and the form it
is sent in."""

import idna
from email_validator import EmailNotValidError, validate_email

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}

# Providers whose own help pages say mail to `name+anything@` reaches `name@` (checked when this
# list was written). Others are left alone: on most servers `+` is an ordinary character, and
# folding it would merge two people. Not here for want of a page saying so: Zoho, Yahoo (which
# uses `-` and only for addresses made in its settings). Fastmail's subdomain addressing
# (`anything@name.fastmail.com`) is not folded either.
PLUS_ADDRESSING_DOMAINS = frozenset(
    {
        # Microsoft (Outlook.com)
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        # Apple (iCloud Mail)
        "icloud.com",
        "me.com",
        "mac.com",
        # Fastmail
        "fastmail.com",
        "fastmail.fm",
        # Proton Mail
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
    }
)


class InvalidEmail(ValueError):
    pass


class NonAsciiLocalPart(InvalidEmail):
    """The part before the @ has characters beyond ASCII. Only servers that speak SMTPUTF8
    accept those, and most do not: we neither take nor send them."""


def normalize_email(address: str) -> str:
    """The address as the signer typed it, checked and tidied (the domain lower-cased).

    No DNS lookup: a signer must not wait on one, and the confirmation email proves the
    address anyway. An internationalised domain is kept as typed (`faß.de`); it is sent and
    compared in its IDNA 2008 ASCII form.
    """
    try:
        checked = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    if checked.smtputf8:
        raise NonAsciiLocalPart(
            "Use only unaccented letters, digits and . _ + - before the @: "
            "many mail servers cannot deliver to other characters."
        )
    return checked.normalized


def _ascii_domain(domain: str) -> str:
    """The domain in its IDNA 2008 ASCII form, lower-cased: `faß.de` is `xn--fa-hia.de`
    (IDNA 2003, Python's own codec, would make it `fass.de`, another domain)."""
    if domain.isascii():
        return domain.lower()
    return idna.encode(domain, uts46=True).decode("ascii").lower()


def address_for_sending(address: str) -> str:
    """The address as it goes to the mail server: the domain in its ASCII form.

    Raises InvalidEmail for what no server here can take: a local part beyond ASCII (an
    address stored before the forms refused those) or a domain with no IDNA 2008 form.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise InvalidEmail(f"not an email address: {address!r}")
    if not local.isascii():
        raise NonAsciiLocalPart(
            f"{address!r} has characters beyond ASCII before the @ (SMTPUTF8 is not used)"
        )
    try:
        return f"{local}@{_ascii_domain(domain)}"
    except idna.IDNAError as error:
        raise InvalidEmail(f"{address!r}: the domain has no IDNA 2008 form ({error})") from None


def canonical_email(address: str) -> str:
    """The form two addresses are compared in: lower case, the domain in its IDNA 2008 ASCII
    form, and the local part without what the provider ignores when delivering: the `+tag`
    for those that document plus addressing, and for Gmail the dots too."""
    local, _, domain = address.strip().lower().rpartition("@")
    try:
        domain = _ascii_domain(domain)
    except idna.IDNAError:
        pass  # not a deliverable domain (a search for a name, say): compared as it is
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "") or local
        domain = "gmail.com"
    elif domain in PLUS_ADDRESSING_DOMAINS:
        local = local.split("+", 1)[0] or local
    return f"{local}@{domain}"
