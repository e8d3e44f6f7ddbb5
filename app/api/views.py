"""The JSON API (/api/v1): public reads, and supplier writes authenticated with bearer tokens.

Described by /api/v1/openapi.json (app/api/openapi.py); a test fails if a route here is not described.
Errors are JSON: ``{"error": {"code", "message"}}``, or 422 ``{"errors": {field: [messages]}}`` for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy.orm import Session

from app.api import errors as api_errors
from app.api.bodies import json_object
from app.api.errors import BEARER_CHALLENGE, INVALID_TOKEN_CHALLENGE, ApiError, ValidationFailed, not_found
from app.api.openapi import openapi_document
from app.api.presenters import READ_ONLY_KEYS, long_date, published_service_json, service_page_url, working_copy_json
from app.auth import api_tokens
from app.auth import services as accounts
from app.auth.models import User
from app.auth.views import policy
from app.catalogue import rules
from app.catalogue import services as catalogue
from app.catalogue.models import Lot, Service
from app.catalogue.rules import ServiceStateError, ServiceStatus, ServiceValidationError
from app.contracts import terms as contract_terms
from app.contracts.terms import TermLimits
from app.db import get_session
from app.exceptions import DomainError
from app.extensions import csrf
from app.search import search_now
from app.search.params import parse_search_args
from app.search.query_log import log_search
from app.search.results import IndexUnavailable
from app.suppliers.directory import get_visible_supplier_or_404
from app.suppliers.presenters import supplier_json
from app.timeutil import today, utcnow
from app.transparency import csv_export, ocds
from app.transparency.records import load_awards

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # the API authenticates with bearer tokens, not cookies
api_errors.register(bp)

# Ids are 32-bit in the database; a longer number in a URL is simply not found (and never a 500).
MAX_ID = 2**31 - 1

EMAIL_MAX_CHARS = 254
# Far beyond any real password, and short enough that hashing it costs nothing much.
PASSWORD_MAX_CHARS = 1024


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


# Tokens


def _token_request(body: Mapping[str, Any]) -> tuple[str, str, str]:
    """Email, password and token name from a token request, or 422 with every problem."""
    errors: dict[str, list[str]] = {}
    email, password, name = body.get("email"), body.get("password"), body.get("name")
    if not isinstance(email, str) or not email.strip():
        errors["email"] = [
            "Enter your email address" if email is None or email == "" else "The email address must be text"
        ]
    elif len(email.strip()) > EMAIL_MAX_CHARS or "\x00" in email:
        errors["email"] = ["Enter an email address of 254 characters or fewer"]
    if not isinstance(password, str) or not password:
        errors["password"] = [
            "Enter your password" if password is None or password == "" else "The password must be text"
        ]
    elif len(password) > PASSWORD_MAX_CHARS:
        errors["password"] = [f"The password must be {PASSWORD_MAX_CHARS} characters or fewer"]
    if name is None:
        name = f"API token created on {long_date(today())}"
    else:
        try:
            name = api_tokens.clean_token_name(name)
        except DomainError as error:
            errors["name"] = [error.message]
    for key in body.keys() - {"email", "password", "name"}:
        errors[key] = [f"{key} is not a field of a token request: send email, password and optionally name"]
    if errors:
        raise ValidationFailed(errors)
    return str(email), str(password), str(name)


@bp.post("/tokens")
def create_token() -> Any:
    """Exchange an email and password for a bearer token; failures count towards the lockout (rule B3)."""
    session = get_session()
    email, password, name = _token_request(json_object(request))
    try:
        user = accounts.authenticate(session, email, password, policy())
    except accounts.SignInError as error:
        session.commit()  # keep the failure count (and any lock), as the sign-in form does
        code = "account_locked" if error.message == accounts.LOCKED_MESSAGE else "invalid_credentials"
        raise ApiError(401, code, error.message, headers={"WWW-Authenticate": BEARER_CHALLENGE}) from None
    token, plaintext = api_tokens.create_token(session, user, name)
    session.commit()
    return jsonify({"token": plaintext, "name": token.name, "prefix": token.prefix}), 201


def _token_user(session: Session) -> User:
    header = request.headers.get("Authorization")
    user = api_tokens.authenticate_token(session, header, now=utcnow())
    if user is None:
        if not header:
            raise ApiError(
                401,
                "unauthorized",
                "Send an API token in the header Authorization: Bearer <token>. "
                "Create one on your account page or with POST /api/v1/tokens",
                headers={"WWW-Authenticate": BEARER_CHALLENGE},
            )
        raise ApiError(
            401,
            "invalid_token",
            "The API token is not valid: it may be mistyped or revoked, or its account deactivated",
            headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE},
        )
    session.commit()  # keep the token's last use even if the request then fails
    return user


def _supplier_user(session: Session) -> User:
    user = _token_user(session)
    if not user.is_supplier:
        raise ApiError(403, "forbidden", "Only supplier users can create and change services")
    return user


# Services


def _own_service(session: Session, user: User, service_id: int) -> Service:
    """The caller's organisation's service; anyone else's is 'not found', so ids reveal nothing."""
    service = session.get(Service, service_id) if service_id <= MAX_ID else None
    if service is None or service.organisation_id != user.organisation_id:
        raise not_found(f"Your organisation has no service with id {service_id}")
    return service


def _split_body(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The service fields in a body, and errors for keys only the API may set."""
    errors = {key: [f"{key} is set by Cloudstore and cannot be sent"] for key in READ_ONLY_KEYS & body.keys()}
    return {k: v for k, v in body.items() if k not in READ_ONLY_KEYS and k != "lot"}, errors


def _refuse(errors: dict[str, list[str]], values: Mapping[str, Any], lot: Lot | None) -> ValidationFailed:
    """422 with these errors and every field problem too, so one answer lists everything to fix."""
    field_errors = rules.clean_fields(values, catalogue.lot_spec(lot))[1] if lot is not None else {}
    return ValidationFailed({**field_errors, **errors})


@bp.post("/services")
def create_service() -> Any:
    """Start a draft in a lot from any subset of the service fields (checked as the forms check them)."""
    session = get_session()
    user = _supplier_user(session)
    body = json_object(request)
    values, errors = _split_body(body)
    if "lot" not in body:
        errors["lot"] = ["Choose a lot: cloud-hosting, cloud-software or cloud-support"]
    if errors:
        lot = None
        if "lot" in body:
            try:
                lot = catalogue.get_lot(session, body["lot"])
            except DomainError as error:
                errors["lot"] = [error.message]
        raise _refuse(errors, values, lot)
    try:
        service = catalogue.create_service(session, user, body["lot"], values)
    except ServiceValidationError as error:
        raise ValidationFailed(error.errors) from None
    except DomainError as error:  # UnknownLot
        raise ValidationFailed({error.field or "body": [error.message]}) from None
    session.commit()
    response = jsonify(working_copy_json(service))
    response.status_code = 201
    response.headers["Location"] = url_for("api.service", service_id=service.id, _external=True)
    return response


@bp.patch("/services/<int:service_id>")
def update_service(service_id: int) -> Any:
    """Change any subset of a service's fields; a published service goes live at once as a new version (C2)."""
    session = get_session()
    user = _supplier_user(session)
    service = _own_service(session, user, service_id)
    body = json_object(request)
    values, errors = _split_body(body)
    if "lot" in body and body["lot"] != service.lot.slug:
        errors["lot"] = [
            f"A service cannot move to another lot: it is in {service.lot.slug}. "
            "Create a new service in the other lot instead"
        ]
    if errors:
        raise _refuse(errors, values, service.lot)
    try:
        catalogue.update_service(session, user, service, values)
    except ServiceValidationError as error:
        raise ValidationFailed(error.errors) from None
    except ServiceStateError as error:
        raise ApiError(409, "conflict", error.message) from None
    except DomainError as error:
        raise ValidationFailed({error.field or "body": [error.message]}) from None
    session.commit()
    return jsonify(working_copy_json(service))


@bp.post("/services/<int:service_id>/publish")
def publish_service(service_id: int) -> Any:
    """Publish a complete draft as version 1; only an accredited, unsuspended supplier may (C1)."""
    session = get_session()
    user = _supplier_user(session)
    service = _own_service(session, user, service_id)
    try:
        version = catalogue.publish_service(session, user, service, today=today())
    except catalogue.PublishRefused as error:
        raise ApiError(403, "publish_refused", error.message) from None
    except ServiceValidationError as error:
        raise ValidationFailed(error.errors) from None
    except ServiceStateError as error:
        raise ApiError(409, "conflict", error.message) from None
    session.commit()
    return jsonify(
        {"id": service.id, "status": service.status, "version": version.number, "url": service_page_url(service.id)}
    )


@bp.get("/services")
def search_services() -> Any:
    """Search published services with the same parameters and meaning as the /services page."""
    query = parse_search_args(request.args)
    try:
        results = search_now(query, service_url=service_page_url)
    except IndexUnavailable as error:
        current_app.logger.error("Search is unavailable: %s", error)
        message = "Search is temporarily unavailable. Try again in a few minutes"
        raise ApiError(503, "search_unavailable", message) from None
    if results.is_past_end:
        raise not_found(f"There is no page {query.page} of these results: the last page is {results.last_page}")
    response = jsonify(results.as_json())
    log_search(results.query, results.total, source="api")
    return response


def _gone(service: Service) -> ApiError:
    changed: date = service.status_changed_at.date()
    reason = service.status_reason or "no reason was given"
    if service.status == ServiceStatus.WITHDRAWN:
        message = f"This service was withdrawn by its supplier on {long_date(changed)}: {reason}"
    else:
        message = f"This service was removed from Cloudstore on {long_date(changed)}: {reason}"
    return ApiError(
        410,
        "gone",
        message,
        extra={"status": service.status, "reason": service.status_reason, "date": changed.isoformat()},
    )


@bp.get("/services/<int:service_id>")
def service(service_id: int) -> Any:
    """A published service of an accredited, unsuspended supplier (C1); 410 once withdrawn or disabled."""
    session = get_session()
    found = session.get(Service, service_id) if service_id <= MAX_ID else None
    if found is not None and found.status in (ServiceStatus.WITHDRAWN, ServiceStatus.DISABLED):
        raise _gone(found)
    if found is None or not catalogue.is_visible(found, today()):
        raise not_found(f"There is no published service with id {service_id}")
    version = catalogue.version(session, found, found.version_number)
    if version is None:  # a published service always has its version (a database constraint)
        raise not_found(f"There is no published service with id {service_id}")
    return jsonify(published_service_json(found, version))


# Suppliers


@bp.get("/suppliers/<int:supplier_id>")
def supplier(supplier_id: int) -> Any:
    if supplier_id > MAX_ID:
        raise not_found(f"There is no supplier with id {supplier_id}")
    org = get_visible_supplier_or_404(get_session(), supplier_id)
    return jsonify(supplier_json(org, today()))


@bp.post("/contracts/validate")
def validate_contract() -> Any:
    """Check order-form terms against the contract rules T1-T5 (the award form's own check); changes nothing."""
    try:
        body = json_object(request)
    except ValidationFailed as refused:  # not a JSON object: still the answer's own shape, with "valid": false
        errors = refused.errors
    else:
        limits = TermLimits.from_framework(catalogue.live_framework(get_session()))
        _, errors = contract_terms.validate(body, limits, today=today())
    if errors:
        response = jsonify({"valid": False, "errors": errors})
        response.status_code = 422
        return response
    return jsonify({"valid": True})


# Open data (R5.2, R5.9): every awarded contract, for anyone, and the same for everyone, so shared caches may
# keep it for a few minutes.

OPEN_DATA_CACHE_CONTROL = "public, max-age=300"


@bp.get("/transparency/ocds")
def transparency_ocds() -> Any:
    """Every awarded contract as an OCDS 1.1 release package, newest award first."""
    records = load_awards(get_session(), today=today())
    publication = ocds.Publication(
        ocid_prefix=current_app.config["OCDS_PREFIX"],
        package_uri=url_for("api.transparency_ocds", _external=True),
        publisher_uri=request.url_root,
        # The transparency page explains what is published and when (interface.md).
        publication_policy=request.url_root + "transparency",
    )
    response = jsonify(ocds.release_package(records, publication, published=utcnow()))
    response.headers["Cache-Control"] = OPEN_DATA_CACHE_CONTROL
    return response


@bp.get("/transparency/contracts.csv")
def transparency_contracts_csv() -> Any:
    """Every awarded contract as CSV, one row each, newest award first."""
    records = load_awards(get_session(), today=today())
    body = csv_export.to_csv(records, ocid_prefix=current_app.config["OCDS_PREFIX"])
    response = current_app.response_class(body, mimetype="text/csv")  # Flask adds "; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{csv_export.FILENAME}"'
    response.headers["Cache-Control"] = OPEN_DATA_CACHE_CONTROL
    return response
