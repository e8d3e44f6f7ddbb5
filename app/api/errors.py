"""The API's own failures, answered as JSON: ``{"error": {"code", "message"}}`` or, for bad input,
``{"errors": {field: [messages]}}`` with 422."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

# RFC 6750: a 401 names the scheme; "invalid_token" says a token was sent but is no good.
BEARER_CHALLENGE = 'Bearer realm="cloudstore"'
INVALID_TOKEN_CHALLENGE = 'Bearer realm="cloudstore", error="invalid_token"'


class ApiError(Exception):
    """A refusal with an HTTP status, a stable machine-readable code and a message for people."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}  # more keys in the error object, for example a 410's date


class ValidationFailed(Exception):
    """Input the API cannot accept, by field: answered 422 with ``{"errors": {field: [messages]}}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {v[0]}" for k, v in errors.items() if v))
        self.errors = errors


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", what)


def _api_error(error: ApiError) -> Any:
    response = jsonify({"error": {"code": error.code, "message": error.message, **error.extra}})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _validation_failed(error: ValidationFailed) -> Any:
    response = jsonify({"errors": error.errors})
    response.status_code = 422
    return response


def register(bp: Blueprint) -> None:
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(ValidationFailed, _validation_failed)
