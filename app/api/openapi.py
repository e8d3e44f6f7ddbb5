"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Field schemas are built from the catalogue rules (limits and fixed lists), so
the document cannot drift from what the API accepts. A test walks the URL map
and fails if a route of the api blueprint is missing here.
"""

from __future__ import annotations

from typing import Any

from app.api.bodies import MAX_BODY_BYTES
from app.api.presenters import LIST_FIELDS
from app.auth.api_tokens import NAME_MAX_CHARS as TOKEN_NAME_MAX_CHARS
from app.catalogue import rules
from app.search.index import CERTIFICATIONS, DATA_LOCATIONS, ORG_TYPES, PER_PAGE, SORTS
from app.suppliers.models import OrganisationType
from app.suppliers.sizing import Size

Schema = dict[str, Any]

LOT_SLUGS = ["cloud-hosting", "cloud-software", "cloud-support"]

_CHOICES: dict[str, dict[str, str]] = {
    "price_unit": rules.PRICE_UNITS,
    "price_interval": rules.PRICE_INTERVALS,
    "pricing_model": rules.PRICING_MODELS,
    "minimum_contract_period": rules.MINIMUM_CONTRACT_PERIODS,
    "data_location": rules.DATA_LOCATIONS,
    "staff_security_clearance": rules.CLEARANCES,
    "support_response_time": rules.SUPPORT_RESPONSE_TIMES,
    "support_hours": rules.SUPPORT_HOURS,
    "accessibility": rules.WCAG_LEVELS,
    "certifications": rules.CERTIFICATIONS,
    "standards": rules.STANDARDS,
    "support_channels": rules.SUPPORT_CHANNELS,
    "exit_data_formats": rules.EXIT_FORMATS,
}
_TEXT_LIMITS = {
    "name": rules.NAME_MAX_CHARS,
    "summary": rules.SUMMARY_MAX_CHARS,
    "description": rules.DESCRIPTION_MAX_CHARS,
    "onboarding": rules.TEXT_MAX_CHARS,
    "exit_process": rules.TEXT_MAX_CHARS,
}
_NOTES = {
    "summary": f"At most {rules.SUMMARY_MAX_WORDS} words.",
    "features": f"At most {rules.LIST_MAX_ITEMS} items of at most {rules.LIST_ITEM_MAX_WORDS} words each.",
    "benefits": f"At most {rules.LIST_MAX_ITEMS} items of at most {rules.LIST_ITEM_MAX_WORDS} words each.",
    "categories": (
        "Category slugs of the service's lot: cloud-hosting up to 10, cloud-software up to 20, cloud-support 1 to 6."
    ),
    "price_min": "Pounds, excluding VAT, at most 2 decimal places.",
    "price_max": "Pounds, excluding VAT; the same as or more than price_min.",
    "price_interval": "Empty for a one-off price.",
    "certifications": "Each needs a current certificate of the organisation when the service is published.",
    "exit_data_formats": "At least one open format (csv, json, xml, odf or sql).",
}


def _field_schema(name: str, *, request: bool) -> Schema:
    """One service field as stored and answered, or (``request``) as accepted, where null clears it."""
    field = rules.FIELDS_BY_NAME[name]
    schema: Schema
    if name in _TEXT_LIMITS:
        schema = {"type": "string", "maxLength": _TEXT_LIMITS[name]}
    elif name in LIST_FIELDS:
        items: Schema = {"type": "string", "enum": list(_CHOICES[name])} if name in _CHOICES else {"type": "string"}
        schema = {"type": "array", "items": items}
        if name in {"features", "benefits"}:
            schema["maxItems"] = rules.LIST_MAX_ITEMS
    elif name in _CHOICES:
        schema = {"type": "string", "enum": list(_CHOICES[name])}
    elif name in {"price_min", "price_max"}:
        schema = {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["12.50"]}
        if request:
            schema = {"type": ["string", "number"], "examples": ["12.50"]}
    elif name in {"free_trial", "education_pricing"}:
        schema = {"type": "boolean"}
    else:  # pragma: no cover - a new field must be given a schema here
        raise AssertionError(f"no OpenAPI schema for service field {name}")
    description = field.label + ("." if not _NOTES.get(name) else ". " + _NOTES[name])
    if request:
        return {"anyOf": [schema, {"type": "null"}], "description": description + " Null clears the answer."}
    if name not in LIST_FIELDS:
        schema = {"anyOf": [schema, {"type": "null"}]}  # null until answered
    return {**schema, "description": description}


def _service_fields(*, request: bool) -> dict[str, Schema]:
    return {f.name: _field_schema(f.name, request=request) for f in rules.FIELDS}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str, headers: dict[str, Any] | None = None) -> Schema:
    response: Schema = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _error(description: str) -> Schema:
    return _json(_ref("Error"), description)


UNAUTHORIZED = _json(
    _ref("Error"),
    "No token, or a token that is unknown, revoked or belongs to a deactivated account.",
    {
        "WWW-Authenticate": {
            "description": 'Bearer, with error="invalid_token" when a token was sent',
            "schema": {"type": "string"},
        }
    },
)
INVALID = _json(
    _ref("ValidationErrors"), 'The body is not acceptable: problems by field ("body" for the body as a whole).'
)
TOO_LARGE = _error(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
OPEN_DATA_HEADERS = {
    "Cache-Control": {
        "description": "public, max-age=300: anyone may cache the open data for five minutes",
        "schema": {"type": "string"},
    }
}
SERVICE_ID = {"name": "service_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
SECURED = [{"bearer": []}]


def _query(name: str, description: str, schema: Schema, *, repeatable: bool = False) -> Schema:
    parameter: Schema = {"name": name, "in": "query", "required": False, "description": description}
    if repeatable:
        parameter.update({"schema": {"type": "array", "items": schema}, "style": "form", "explode": True})
    else:
        parameter["schema"] = schema
    return parameter


# The same parameters, with the same meaning, as the /services page. Unknown values are ignored, not errors.
SEARCH_PARAMETERS = [
    _query("q", "Keywords; every word must match (stemmed: hosted finds hosting). Operators and quotes are plain text.",
           {"type": "string", "maxLength": 200}),
    _query("lot", "One lot.", {"type": "string", "enum": LOT_SLUGS}),
    _query("category", "Category slugs; a service in any of them matches. An unknown slug matches nothing.",
           {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}, repeatable=True),
    _query("org_type", "Supplier types; a supplier of any of them matches (SME is the computed size).",
           {"type": "string", "enum": list(ORG_TYPES)}, repeatable=True),
    _query("data_location", "Where buyer data may be kept, at least as strict as this: uk matches uk; eea matches "
           "uk and eea; other matches everything.", {"type": "string", "enum": list(DATA_LOCATIONS)}),
    _query("certification", "Certifications the service must all have.",
           {"type": "string", "enum": list(CERTIFICATIONS)}, repeatable=True),
    _query("free_trial", "1: only services with a free trial or free version.", {"type": "string", "enum": ["1"]}),
    _query("price_max", "The highest starting price, in pounds excluding VAT (25 or 25.50).",
           {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$", "examples": ["25.50"]}),
    _query("sort", "The order; relevance (the default) breaks ties in a fixed order, the same on every request.",
           {"type": "string", "enum": list(SORTS), "default": "relevance"}),
    _query("page", f"1-based, {PER_PAGE} results a page; a page after the last is 404.",
           {"type": "integer", "minimum": 1, "default": 1}),
]


def _components() -> Schema:
    working_copy_fields = _service_fields(request=False)
    return {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from POST /tokens or the account page; it starts with cs_ and is shown once.",
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string", "examples": ["not_found", "invalid_token", "publish_refused"]},
                            "message": {"type": "string"},
                        },
                    }
                },
            },
            "GoneError": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message", "status", "date"],
                        "properties": {
                            "code": {"const": "gone"},
                            "message": {"type": "string", "description": "Says when and why, for people."},
                            "status": {"type": "string", "enum": ["withdrawn", "disabled"]},
                            "reason": {"type": ["string", "null"]},
                            "date": {"type": "string", "format": "date"},
                        },
                    }
                },
            },
            "ValidationErrors": {
                "type": "object",
                "required": ["errors"],
                "properties": {
                    "errors": {
                        "type": "object",
                        "description": (
                            'Messages by field name, by section for what publishing still needs, or under "body".'
                        ),
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        "examples": [{"name": ["Service name must be 100 characters or fewer (it has 120)"]}],
                    }
                },
            },
            "ContractTerms": {
                "type": "object",
                "description": "Order-form terms. Dates are ISO 8601; months are calendar months, clamped to the month's end.",
                "properties": {
                    "start_date": {"type": "string", "format": "date", "examples": ["2027-01-04"]},
                    "initial_term_months": {"type": "integer", "minimum": 1},
                    "break_dates": {"type": "array", "items": {"type": "string", "format": "date"}},
                    "buyer_notice_days": {"type": "integer", "minimum": 0},
                    "extensions_months": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                    "exit_fee": {"type": "string", "examples": ["0.00"]},
                    "upfront_payment_months": {"type": "integer", "minimum": 0},
                    "pricing_model": {"type": "string", "enum": ["pay_as_you_go", "fixed"]},
                    "data_return": {"type": "string"},
                },
            },
            "ContractValid": {
                "type": "object",
                "required": ["valid"],
                "properties": {"valid": {"const": True}},
            },
            "ContractInvalid": {
                "type": "object",
                "required": ["valid", "errors"],
                "properties": {
                    "valid": {"const": False},
                    "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                },
            },
            "TokenRequest": {
                "type": "object",
                "required": ["email", "password"],
                "additionalProperties": False,
                "properties": {
                    "email": {"type": "string", "maxLength": 254},
                    "password": {"type": "string"},
                    "name": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": TOKEN_NAME_MAX_CHARS,
                        "description": "To tell your tokens apart.",
                    },
                },
            },
            "TokenCreated": {
                "type": "object",
                "required": ["token", "name", "prefix"],
                "properties": {
                    "token": {
                        "type": "string",
                        "pattern": "^cs_",
                        "description": "Shown only this once: store it safely.",
                    },
                    "name": {"type": "string"},
                    "prefix": {
                        "type": "string",
                        "description": "The start of the token, as listed on the account page.",
                    },
                },
            },
            "ServiceCreate": {
                "type": "object",
                "required": ["lot"],
                "additionalProperties": False,
                "properties": {"lot": {"type": "string", "enum": LOT_SLUGS}, **_service_fields(request=True)},
            },
            "ServiceUpdate": {
                "type": "object",
                "additionalProperties": False,
                "description": "Any subset of the fields. The lot cannot change.",
                "properties": {
                    "lot": {"type": "string", "description": "Allowed only if it is the service's lot."},
                    **_service_fields(request=True),
                },
            },
            "WorkingCopy": {
                "type": "object",
                "description": "The supplier's service as saved: a draft, or the published service's latest version.",
                "required": ["id", "lot", "status", "version", "missing"],
                "properties": {
                    "id": {"type": "integer"},
                    "lot": {"type": "string"},
                    "status": {"type": "string", "enum": [s.value for s in rules.ServiceStatus]},
                    "version": {"type": "integer", "description": "The published version number; 0 for a draft."},
                    **working_copy_fields,
                    "missing": {
                        "type": "object",
                        "description": "What each section still needs before the service can be published.",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                    "updated": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "PublishResult": {
                "type": "object",
                "required": ["id", "status", "version", "url"],
                "properties": {
                    "id": {"type": "integer"},
                    "status": {"const": "published"},
                    "version": {"type": "integer"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
            "SupplierSummary": {
                "type": "object",
                "required": ["id", "name", "organisation_type", "sme"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "organisation_type": {
                        "type": ["string", "null"],
                        "enum": [t.value for t in OrganisationType] + [None],
                    },
                    "sme": {"type": "boolean"},
                },
            },
            "PublishedService": {
                "type": "object",
                "required": ["id", "lot", "supplier", "version", "updated", "url", *[f.name for f in rules.FIELDS]],
                "properties": {
                    "id": {"type": "integer"},
                    "lot": {"type": "string", "enum": LOT_SLUGS},
                    **working_copy_fields,
                    "price_text": {"type": "string", "examples": ["£1,200.00 to £2,000.00 a licence a year"]},
                    "supplier": _ref("SupplierSummary"),
                    "version": {"type": "integer", "minimum": 1},
                    "updated": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When this version was published.",
                    },
                    "url": {"type": "string", "format": "uri", "description": "The service's public page."},
                },
            },
            "SearchResults": {
                "type": "object",
                "required": ["total", "page", "per_page", "results", "facets"],
                "additionalProperties": False,
                "properties": {
                    "total": {"type": "integer", "minimum": 0, "description": "Services matching, on every page."},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "const": PER_PAGE},
                    "results": {"type": "array", "maxItems": PER_PAGE, "items": _ref("SearchResult")},
                    "facets": {
                        "type": "object",
                        "description": (
                            "Counts by option, each group counted with its own filter left out (so they say what "
                            "choosing that option would give); data_location counts are 'at least' counts. "
                            "category lists the chosen lot's categories, or with no lot those with services."
                        ),
                        "required": ["lot", "category", "org_type", "data_location", "certification"],
                        "additionalProperties": False,
                        "properties": {
                            name: {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
                            for name in ("lot", "category", "org_type", "data_location", "certification")
                        },
                    },
                },
            },
            "SearchResult": {
                "type": "object",
                "required": ["id", "name", "supplier", "lot", "summary", "price", "url", "highlights"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "supplier": _ref("SupplierSummary"),
                    "lot": {"type": "string", "enum": LOT_SLUGS},
                    "summary": {"type": "string"},
                    "price": {
                        "type": "object",
                        "required": ["min", "max", "unit", "interval"],
                        "additionalProperties": False,
                        "description": "Of the current published version, in pounds excluding VAT.",
                        "properties": {
                            "min": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$", "examples": ["12.50"]},
                            "max": {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$"},
                            "unit": {"type": ["string", "null"], "enum": [*rules.PRICE_UNITS, None]},
                            "interval": {"type": ["string", "null"], "enum": [*rules.PRICE_INTERVALS, None]},
                        },
                    },
                    "url": {"type": "string", "format": "uri", "description": "The service's public page."},
                    "highlights": {
                        "type": "object",
                        "required": ["name", "summary"],
                        "description": "HTML: the text escaped, with the words that matched in <mark> elements.",
                        "properties": {"name": {"type": "string"}, "summary": {"type": "string"}},
                    },
                },
            },
            "Supplier": {
                "type": "object",
                "required": ["id", "name", "organisation_type", "sme", "url"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "legal_name": {"type": ["string", "null"]},
                    "description": {"type": ["string", "null"]},
                    "organisation_type": {
                        "type": ["string", "null"],
                        "enum": [t.value for t in OrganisationType] + [None],
                    },
                    "size": {"type": ["string", "null"], "enum": [s.value for s in Size] + [None]},
                    "sme": {"type": "boolean"},
                    "public_service_mutual": {"type": "boolean"},
                    "social_enterprise": {"type": "boolean"},
                    "vcse": {"type": "boolean"},
                    "supported_employment_provider": {"type": "boolean"},
                    "companies_house_number": {"type": ["string", "null"]},
                    "certifications": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "kind": {"type": "string"},
                                "name": {"type": "string"},
                                "expires_on": {"type": "string", "format": "date"},
                            },
                        },
                    },
                    "contact": {
                        "type": "object",
                        "properties": {k: {"type": ["string", "null"]} for k in ("name", "email", "phone", "website")},
                    },
                    "town": {"type": ["string", "null"]},
                    "url": {"type": "string", "format": "uri"},
                },
            },
            "OcdsReleasePackage": {
                "type": "object",
                "description": (
                    "An Open Contracting Data Standard 1.1 release package. It and every release in it validate "
                    "against the OCDS 1.1 schema, which describes every field."
                ),
                "externalDocs": {"url": "https://standard.open-contracting.org/1.1/en/schema/release_package/"},
                "required": [
                    "uri", "version", "publishedDate", "publisher", "license", "publicationPolicy", "releases",
                ],
                "properties": {
                    "uri": {"type": "string", "format": "uri"},
                    "version": {"const": "1.1"},
                    "publishedDate": {"type": "string", "format": "date-time"},
                    "publisher": {
                        "type": "object",
                        "required": ["name", "uri"],
                        "properties": {
                            "name": {"type": "string"},
                            "scheme": {"type": "string"},
                            "uid": {"type": "string"},
                            "uri": {"type": "string", "format": "uri"},
                        },
                    },
                    "license": {
                        "type": "string",
                        "format": "uri",
                        "description": "The Open Government Licence v3.0.",
                    },
                    "publicationPolicy": {"type": "string", "format": "uri"},
                    "releases": {"type": "array", "items": _ref("OcdsRelease")},
                },
            },
            "OcdsRelease": {
                "type": "object",
                "description": (
                    "One awarded contract: one buyer and one supplier party, one award, one contract linked to it "
                    "by awardID, and the framework as a related process. Money is a number in pounds excluding "
                    "VAT. A contract's endDate is the start of the day it ends (the first day it no longer runs); "
                    "maxExtentDate is its end if every declared extension were taken."
                ),
                "required": [
                    "ocid", "id", "date", "tag", "initiationType", "parties", "buyer", "tender", "awards",
                    "contracts", "relatedProcesses",
                ],
                "properties": {
                    "ocid": {
                        "type": "string",
                        "description": "The publisher prefix (OCDS_PREFIX) and the contract's reference.",
                        "examples": ["ocds-cs0001-cs-000042"],
                    },
                    "id": {
                        "type": "string",
                        "description": "The ocid and a fingerprint of the release: it changes when anything does.",
                    },
                    "date": {"type": "string", "format": "date-time"},
                    "tag": {
                        "type": "array",
                        "items": {"type": "string", "enum": ["award", "contract", "contractTermination"]},
                        "description": "contractTermination once the buyer has exercised a break or the term has run.",
                    },
                    "initiationType": {"const": "tender"},
                    "parties": {"type": "array", "items": {"type": "object"}, "minItems": 2, "maxItems": 2},
                    "buyer": {"type": "object", "required": ["id", "name"]},
                    "tender": {"type": "object", "required": ["id"]},
                    "awards": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": 1},
                    "contracts": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {"status": {"type": "string", "enum": ["active", "terminated"]}},
                        },
                    },
                    "relatedProcesses": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    }


def _paths() -> Schema:
    return {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 description of the API.")},
            }
        },
        "/tokens": {
            "post": {
                "operationId": "createToken",
                "summary": "Create an API token with your email and password",
                "description": (
                    "Failed attempts count towards locking the account, exactly as on the sign-in page. "
                    "Any user may create a token; only supplier users' tokens may change services."
                ),
                "tags": ["tokens"],
                "security": [],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenRequest")}}},
                "responses": {
                    "201": _json(_ref("TokenCreated"), "The token, shown only this once."),
                    "401": _error("Wrong email or password, or the account is locked, deactivated or unconfirmed."),
                    "413": TOO_LARGE,
                    "422": INVALID,
                    "429": _json(
                        _ref("Error"),
                        "Too many token requests from this address, or for this email address (code "
                        "too_many_requests; retry_after in the error is the same number of seconds as the header).",
                        {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
                    ),
                },
            }
        },
        "/services": {
            "get": {
                "operationId": "searchServices",
                "summary": "Search published services",
                "description": (
                    "The same parameters and results as the search page, /services: only published services of "
                    "accredited, unsuspended suppliers are found. Filters of different kinds all apply; values "
                    "within one kind are alternatives, except certifications, which must all be held."
                ),
                "tags": ["services"],
                "security": [],
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _json(_ref("SearchResults"), "One page of results, with counts for every filter option."),
                    "404": _error("A page after the last page of results (page 1 always exists)."),
                    "503": _error("This server's search index is not available yet (code search_unavailable)."),
                },
            },
            "post": {
                "operationId": "createService",
                "summary": "Start a draft service",
                "description": (
                    "Fields are checked exactly as the supplier's forms check them; the draft need not be complete."
                ),
                "tags": ["services"],
                "security": SECURED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ServiceCreate")}}},
                "responses": {
                    "201": _json(
                        _ref("WorkingCopy"),
                        "The draft.",
                        {
                            "Location": {
                                "description": "The service's URL in this API",
                                "schema": {"type": "string", "format": "uri"},
                            }
                        },
                    ),
                    "401": UNAUTHORIZED,
                    "403": _error("The token's user is not a supplier user."),
                    "413": TOO_LARGE,
                    "422": INVALID,
                },
            }
        },
        "/services/{service_id}": {
            "parameters": [SERVICE_ID],
            "get": {
                "operationId": "getService",
                "summary": "A published service",
                "description": (
                    "The current published version of a service whose supplier is accredited and not suspended."
                ),
                "tags": ["services"],
                "security": [],
                "responses": {
                    "200": _json(_ref("PublishedService"), "The service as buyers see it."),
                    "404": _error("No such service, a draft, or a service whose supplier is not in good standing."),
                    "410": _json(
                        _ref("GoneError"), "The service was withdrawn by its supplier or disabled by an admin."
                    ),
                },
            },
            "patch": {
                "operationId": "updateService",
                "summary": "Change your organisation's service",
                "description": (
                    "A draft is simply saved. A published service goes live at once as a new version, "
                    "which admins review afterwards; a required answer cannot be cleared."
                ),
                "tags": ["services"],
                "security": SECURED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ServiceUpdate")}}},
                "responses": {
                    "200": _json(_ref("WorkingCopy"), "The service as saved."),
                    "401": UNAUTHORIZED,
                    "403": _error("The token's user is not a supplier user."),
                    "404": _error("Your organisation has no service with this id."),
                    "409": _error("The service is withdrawn and cannot change."),
                    "413": TOO_LARGE,
                    "422": INVALID,
                },
            },
        },
        "/services/{service_id}/publish": {
            "parameters": [SERVICE_ID],
            "post": {
                "operationId": "publishService",
                "summary": "Publish a complete draft",
                "tags": ["services"],
                "security": SECURED,
                "responses": {
                    "200": _json(_ref("PublishResult"), "Published as version 1."),
                    "401": UNAUTHORIZED,
                    "403": _error(
                        "Not a supplier user, or the organisation is not accredited, is suspended or has lapsed "
                        "(code publish_refused)."
                    ),
                    "404": _error("Your organisation has no service with this id."),
                    "409": _error("The service is not a draft."),
                    "422": _json(
                        _ref("ValidationErrors"),
                        "What is still missing, by section, or certifications the organisation does not hold.",
                    ),
                },
            },
        },
        "/contracts/validate": {
            "post": {
                "operationId": "validateContractTerms",
                "summary": "Check order-form terms against the contract rules T1-T5",
                "description": (
                    "The same rules as the award form: initial term and declared extensions, no lock-in longer "
                    "than 12 months, notice and no exit fee, data returned in an open format, pricing. Needs no "
                    "sign-in and changes nothing."
                ),
                "tags": ["contracts"],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ContractTerms")}},
                },
                "responses": {
                    "200": _json(_ref("ContractValid"), "The terms meet every rule."),
                    "413": TOO_LARGE,
                    "422": _json(_ref("ContractInvalid"), "What to fix, by field (or body when it is not a JSON object)."),
                },
            },
        },
        "/transparency/ocds": {
            "get": {
                "operationId": "getOcdsReleasePackage",
                "summary": "Every awarded contract as OCDS open data",
                "description": (
                    "An OCDS 1.1 release package with one release per awarded contract, newest award first. Only "
                    "awarded contracts appear: nothing of a project still searching or cancelled, and nothing "
                    "about the buyer's people. Published under the Open Government Licence v3.0."
                ),
                "tags": ["transparency"],
                "security": [],
                "responses": {
                    "200": _json(_ref("OcdsReleasePackage"), "The release package.", OPEN_DATA_HEADERS),
                },
            }
        },
        "/transparency/contracts.csv": {
            "get": {
                "operationId": "getContractsCsv",
                "summary": "Every awarded contract as CSV",
                "description": (
                    "UTF-8 with a header row, one row per awarded contract, newest award first. Columns: ocid, "
                    "buyer, supplier, companies_house_number, sme, vcse, mutual (yes or no; sme is empty when the "
                    "supplier's size at award is not known), cpv_code (one per lot: 72400000 cloud hosting, "
                    "48000000 cloud software, 72000000 cloud support), value_gbp (excluding VAT), start_date, "
                    "end_date (the first day the contract no longer runs), max_extent_date, award_date (ISO "
                    "dates), status (active, ending, ended or expired). A value a spreadsheet would read as a "
                    "formula starts with an apostrophe."
                ),
                "tags": ["transparency"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "The CSV file, as a download.",
                        "headers": {
                            **OPEN_DATA_HEADERS,
                            "Content-Disposition": {
                                "description": 'attachment; filename="cloudstore-contracts.csv"',
                                "schema": {"type": "string"},
                            },
                        },
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                },
            }
        },
        "/suppliers/{supplier_id}": {
            "get": {
                "operationId": "getSupplier",
                "summary": "A supplier's public profile",
                "tags": ["suppliers"],
                "security": [],
                "parameters": [
                    {"name": "supplier_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
                ],
                "responses": {
                    "200": _json(_ref("Supplier"), "The profile."),
                    "404": _error("No such supplier, or one that is not accredited, suspended or lapsed."),
                },
            }
        },
    }


def openapi_document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cloudstore API",
            "version": "1",
            "description": (
                "Read published services and supplier profiles without signing in; create and change your "
                'organisation\'s services with a bearer token. Errors are JSON: {"error": {"code", "message"}}, '
                'or 422 {"errors": {field: [messages]}} for input that cannot be accepted.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "tokens"},
            {"name": "services"},
            {"name": "suppliers"},
            {"name": "transparency"},
            {"name": "meta"},
        ],
        "paths": _paths(),
        "components": _components(),
    }
