"""Structured logs for the cloud functions: one JSON object a line, as Cloud Logging reads them.

Cloud Run sends what a function writes to stderr to Cloud Logging, which parses a line that is
a JSON object: ``severity`` sets the entry's level, ``message`` its text, and every other field
lands in ``jsonPayload``, where an operator can filter on it. So each record carries the job,
stage, event id and delivery attempt it belongs to (set once per delivery with
:func:`log_context`, read by every log call below it, the adapter's included), and a traceback
goes into the message, as Error Reporting expects.

:func:`configure` installs the formatter on the root logger where it is wanted: on Cloud Run
(``K_SERVICE`` set) or with ``PERFORMIA_LOG_FORMAT=json``; the local stack and the tests keep
plain text unless asked. The modules functions import (:mod:`performia.cloud.entry`,
:mod:`performia.cloud.answer`) call it when they are imported, once per instance.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

__all__ = ["JsonFormatter", "configure", "log_context"]

#: Python level → Cloud Logging severity.
_SEVERITY = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRITICAL",
}
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "performia_log_context", default=MappingProxyType({})
)
_configured = False


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Within this block, every log record carries ``fields`` (``None`` values are left out)."""
    given = {k: v for k, v in fields.items() if v is not None}
    token = _context.set(MappingProxyType({**_context.get(), **given}))
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: severity, message, logger, and the delivery's context."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        entry: dict[str, Any] = {
            **_context.get(),
            "severity": _SEVERITY.get(record.levelno, "DEFAULT"),
            "message": message,
            "logger": record.name,
        }
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(*, force: bool = False) -> bool:
    """Install the JSON formatter on the root logger (once) where it is wanted; whether it is."""
    global _configured
    wanted = force or bool(os.environ.get("K_SERVICE"))
    wanted = wanted or os.environ.get("PERFORMIA_LOG_FORMAT", "").lower() == "json"
    if not wanted or _configured:
        return _configured
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _configured = True
    return True
