"""A Flask-Mail message's bytes, the very bytes Flask-Mail's own `as_bytes()` gives, written
without its slow path.

Flask-Mail builds a tree of `email.mime` objects and flattens it with the standard library's
generator under `email.policy.SMTP`: every header of every part is parsed again and refolded,
the subject is encoded afresh each time (the same subject for a whole petition's
confirmations), and each boundary is checked with a regular expression compiled for it.

Here the same structure is written directly: headers go through the same
policy's `fold_binary` (remembered for the ones that repeat: the subject, the
sender, each part's headers), bodies as the generator writes them (utf-8, as Flask-Mail
registers it: 7bit or 8bit, not encoded), boundaries are drawn from the same random numbers
in the same order. Messages with attachments (letters, a few a
day) keep Flask-Mail's path. `tests/test_mime.py` checks the bytes against Flask-Mail's for
every kind of message the app sends.
"""

import random
import re
import sys
from email import policy
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache

from flask_mail import Message, sanitize_address, sanitize_subject

# Flask-Mail writes with policy.SMTP, which refolds any header line longer than 78 characters
# and, for a value with no space to fold at (a List-Unsubscribe URL), turns it into RFC 2047
# encoded words that no mail program reads as a URL. Both paths write headers as set, up to
# RFC 5322's hard limit of 998 (Flask-Mail already folds and encodes the subject and addresses).
POLICY = policy.SMTP.clone(max_line_length=998)
_NL = b"\r\n"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOUNDARY_WIDTH = len(repr(sys.maxsize - 1))  # as email.generator draws them


@lru_cache(maxsize=4096)
def _fold(name: str, value: str) -> bytes:
    return POLICY.fold_binary(name, value)


@lru_cache(maxsize=1024)
def _subject(subject: str, charset: str) -> str:
    return sanitize_subject(subject, charset)


# An address Flask-Mail's sanitize_address gives back unchanged: ASCII, no name, one "@".
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\Z")


def sanitized_address(address: str | tuple[str, str], charset: str = "utf-8") -> str:
    """Flask-Mail's `sanitize_address`, which parses and re-encodes every address it is given
    (a quarter of sending a message): a plain address is its own answer, and the rest (the
    From line with a name, an international address) are remembered."""
    if isinstance(address, str) and _PLAIN_ADDRESS.match(address):
        return address
    return _sanitized(address, charset)


@lru_cache(maxsize=256)
def _sanitized(address: str | tuple[str, str], charset: str) -> str:
    return sanitize_address(address, charset)


@lru_cache(maxsize=256)
def from_header(sender: str, charset: str = "utf-8") -> str:
    """The From line. A name is quoted where it holds specials, and encoded (RFC 2047) only
    when it is not ASCII: Flask-Mail encodes every name, and a reader that decodes
    `Vecinos "Unidos", Norte` before splitting the line finds two addresses in it."""
    name, address = parseaddr(sender)
    address = sanitize_address(address, charset)  # an international domain in its ASCII form
    return formataddr((name, address), charset) if name else address


def fast_path_applies(message: Message) -> bool:
    """Messages this module writes: text, or text and HTML, without attachments or the
    headers Flask-Mail adds for copies and replies (which the app never sets)."""
    return (
        not message.attachments
        and not message.cc
        and not message.reply_to
        and set(message.alts) <= {"html"}
        and message.body is not None
        and message.charset in (None, "utf-8")
    )


def _boundary(text: bytes) -> str:
    """As email.generator.Generator._make_boundary: a random boundary, numbered on if it
    appears in the text it encloses."""
    token = random.randrange(sys.maxsize)  # noqa: S311 # nosec B311 (not a secret: email.generator's)
    boundary = f"{'=' * 15}{token:0{_BOUNDARY_WIDTH}d}=="
    candidate, counter = boundary, 0
    while (b"--" + candidate.encode()) in text and re.search(
        b"^--" + re.escape(candidate.encode()) + b"(--)?$", text, re.MULTILINE
    ):
        candidate = f"{boundary}.{counter}"
        counter += 1
    return candidate


def _text_part(text: str, subtype: str, charset: str) -> bytes:
    # MIMEText(text, subtype, "utf-8") as Flask-Mail registers utf-8 (no body encoding): its
    # Content-Type, MIME-Version, then 7bit or 8bit; the text as it is, lines ended by CRLF.
    data = text.encode(charset)
    headers = (
        _fold("Content-Type", f'text/{subtype}; charset="{charset}"')
        + _fold("MIME-Version", "1.0")
        + _fold("Content-Transfer-Encoding", "7bit" if data.isascii() else "8bit")
    )
    return headers + _NL + _LINE_END.sub(_NL, data)


def _multipart(subtype: str, parts: list[bytes], headers: bytes = b"") -> bytes:
    boundary = _boundary(_NL.join(parts))
    body = b"--" + boundary.encode() + _NL + parts[0]
    for part in parts[1:]:
        body += _NL + b"--" + boundary.encode() + _NL + part
    body += _NL + b"--" + boundary.encode() + b"--" + _NL
    return (
        POLICY.fold_binary("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')
        + _fold("MIME-Version", "1.0")
        + headers
        + _NL
        + body
    )


def message_bytes(message: Message) -> bytes:
    """What `message.as_bytes()` returns (same date, Message-ID and random numbers), for a
    message `fast_path_applies` to."""
    body = message.body
    if body is None:
        raise ValueError("a message without a body, which fast_path_applies refuses")
    charset = message.charset or "utf-8"
    headers = b""
    if message.subject:
        headers += _fold("Subject", _subject(str(message.subject), charset))
    headers += _fold("From", from_header(message.sender, charset))
    to = ", ".join(list({sanitized_address(address, charset) for address in message.recipients}))
    headers += POLICY.fold_binary("To", to)
    headers += POLICY.fold_binary("Date", formatdate(message.date, localtime=True))
    headers += POLICY.fold_binary("Message-ID", message.msgId)
    for name, value in (message.extra_headers or {}).items():
        headers += POLICY.fold_binary(name, value)
    if not message.alts:
        text = _text_part(body, "plain", charset)
        split = text.index(_NL + _NL) + 2  # the message's own headers follow the part's
        return text[:split] + headers + text[split:]
    alternative = _multipart(
        "alternative",
        [_text_part(body, "plain", charset)]
        + [_text_part(content, subtype, charset) for subtype, content in message.alts.items()],
    )
    return _multipart("mixed", [alternative], headers)
