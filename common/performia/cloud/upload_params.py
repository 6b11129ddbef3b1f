"""What an upload may ask of its analysis: an allow-list of parameters with types and ranges.

A job's parameters reach the stages as they are, so whatever a browser may send must be checked
where it comes in (``upload_url``), by the server: a client may name the song, give its lyrics
and language, and *lower* the length limit, nothing else. The engines, their models and the
sample rate are the server's (their licences and costs), and a limit may never be lifted: a
``max_duration_s`` of ``"1e7"`` once let a two-hour FLAC decode to 635 MB, a model name could
point at a file in the container, and ``"nan"`` failed a stage in a way that was retried as if
the fault were ours. Anything outside the list, or of the wrong type, is a 400 naming the field.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from performia.errors import BadInputError
from performia.settings import Settings, get_settings

__all__ = [
    "MAX_LYRICS_CHARS",
    "MAX_NAME_CHARS",
    "SERVER_PARAMS",
    "UploadParams",
    "check_upload_params",
]

#: Longest title, artist or album accepted (characters).
MAX_NAME_CHARS = 200
#: Longest lyrics accepted (characters): a long song's lyrics run to a few thousand.
MAX_LYRICS_CHARS = 20_000
#: Parameters only the server sets: the engines and their settings (profile, separator and its
#: model, recognition engine, model and input, analysis rate).
SERVER_PARAMS = frozenset(
    {"profile", "separator", "demucs_model", "asr_engine", "asr_model", "asr_input", "analysis_sr"}
)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z]{2,4})?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UploadParams(BaseModel):
    """The parameters a client may send with an upload."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    title: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    artist: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    album: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    lyrics: str | None = Field(default=None, max_length=MAX_LYRICS_CHARS)
    language: str | None = Field(default=None, max_length=12)
    max_duration_s: float | None = Field(default=None, gt=0)

    @field_validator("title", "artist", "album", "lyrics")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("must not hold control characters")
        return value

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is not None and value and not _LANGUAGE.match(value):
            raise ValueError("must be a language code such as en, fr or pt-BR")
        return value

    @field_validator("max_duration_s", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        # strings ("1e7", "nan") and booleans are refused, not coerced
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("must be a number of seconds")
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number of seconds")
        return value


def _field_message(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())) or "params"
    if error.get("type") == "extra_forbidden":
        name = where.rsplit(".", 1)[-1]
        if name in SERVER_PARAMS:
            return f"params.{name} is decided by the server, not by an upload"
        return f"params.{name} is not a parameter Performia takes"
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"params.{where} {message[:1].lower()}{message[1:]}"


def check_upload_params(params: Any, settings: Settings | None = None) -> dict[str, Any]:
    """The parameters of an upload, checked: only what was given, in its checked form.

    Raises
    ------
    BadInputError
        Not an object, an unknown or server-only parameter, a wrong type or range, or a limit
        raised above the server's (the message names the field).
    """
    settings = settings or get_settings()
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise BadInputError("params must be an object")
    try:
        checked = UploadParams.model_validate(params)
    except ValidationError as exc:
        raise BadInputError("; ".join(_field_message(e) for e in exc.errors()[:5])) from None
    if checked.max_duration_s is not None and checked.max_duration_s > settings.max_duration_s:
        raise BadInputError(
            f"params.max_duration_s may only lower the limit of {settings.max_duration_s:g} s"
        )
    return checked.model_dump(exclude_none=True)
