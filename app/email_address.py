"""Email addresses: checking what a signer typed, and folding it for comparison."""

from email_validator import EmailNotValidError, validate_email

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


class InvalidEmail(ValueError):
    pass


def normalize_email(address: str) -> str:
    """The address as the signer typed it, checked and tidied (the domain lower-cased).

    No DNS lookup: a signer must not wait on one, and the confirmation email proves the
    address anyway.
    """
    try:
        checked = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    return checked.normalized


def canonical_email(address: str) -> str:
    """The form two addresses are compared in: lower case, and for Gmail without the dots and
    the `+tag` of the local part (Gmail delivers all of those to one mailbox)."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
