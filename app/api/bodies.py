"""Reading JSON request bodies defensively: whatever arrives, the answer is a value or a 422, never a 500."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from flask import Request

from app.api.errors import ValidationFailed

# A service body is a few kilobytes; this leaves ample room and stops memory abuse early (413).
MAX_BODY_BYTES = 1024 * 1024

# Lone surrogates ("\ud800") are valid JSON escapes but not text: no database can store them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _body_error(message: str) -> ValidationFailed:
    return ValidationFailed({"body": [message]})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _check_text(value: Any) -> None:
    """Refuse unpaired surrogates anywhere in the document (walked without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise _body_error(
                    "The body contains an unpaired surrogate escape (like \\ud800): send valid Unicode text"
                )
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object. Decimals keep prices exact; NaN and Infinity are refused."""
    if not request.is_json:
        raise _body_error("Send the body as JSON, with the header Content-Type: application/json")
    request.max_content_length = MAX_BODY_BYTES  # reading more raises 413
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _body_error("The body is not valid UTF-8 text") from None
    if not text.strip():
        raise _body_error("The body is empty: send a JSON object")
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise _body_error("The body is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to read
        raise _body_error(f"The body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise _body_error(f"The body must be a JSON object ({{...}}), not {_json_type(value)}")
    _check_text(value)
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"
