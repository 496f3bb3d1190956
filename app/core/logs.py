"""Log lines, as text (the default) or as JSON, one object a line (LOG_FORMAT=json), for a
collector that reads fields rather than sentences.

A JSON line has `time` (UTC, ISO 8601), `level`, `logger` and `message`, the traceback as
`exception` if there is one, and whatever the caller gave in `extra=` as fields of its own: a
request's line (app.web.request_log) gives request_id, method, endpoint, rule, status and
duration_ms. A line logged while a request is answered carries its `request_id` too. Nothing
here adds what a request came with (its path, its address): callers choose their fields."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context

LOG_FORMATS = ("text", "json")
# Where a request's id is kept while it is answered (flask.g), and its field in a line.
REQUEST_ID = "request_id"
# Our handler on the "app" logger, found again by this name when another app is made.
HANDLER_NAME = "petitions"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# A LogRecord's own attributes: any other came with `extra=` and becomes a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_"):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger: message`, and the request's id at the end when there is one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        request_id = getattr(record, REQUEST_ID, None)
        return f"{text} request_id={request_id}" if request_id else text


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


class RequestIdFilter(logging.Filter):
    """Gives a line logged while a request is answered that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, REQUEST_ID) and has_request_context():
            request_id = g.get(REQUEST_ID)
            if request_id:
                setattr(record, REQUEST_ID, request_id)
        return True


class StandardErrorHandler(logging.StreamHandler):  # type: ignore[type-arg]  # typeshed: generic
    """Writes each record to standard error as it is then: a process that replaces
    sys.stderr (pytest captures it per test) would otherwise leave it writing to a closed
    stream."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(logger: logging.Logger, log_format: str, *, add_handler: bool) -> None:
    """Lines of `logger` (and those below it) at INFO and up, written to standard error in
    `log_format` by our handler: added if `add_handler` and the logger has none yet (tests
    leave it out, and read the records), its format set again by every app made."""
    handler = next((h for h in logger.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None and add_handler and not logger.handlers:
        handler = StandardErrorHandler()
        handler.set_name(HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    if handler is not None:
        handler.setFormatter(formatter_for(log_format))
    logger.setLevel(logging.INFO)
