"""The FHIR R4 REST API under /fhir/ (thin: search.py reads, referral_in.py and referral_out.py
write through the apps' services). Every view but /fhir/metadata needs a bearer token."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from care_episodes import documents, note_delivery
from fhir_api import referral_in, referral_out, search
from fhir_api import resources as fhir
from fhir_api.auth import ApiError, Client, Result, api_view, fhir_response, not_found, require
from fhir_api.models import READ
from lbp_pathway.access import public
from lbp_pathway.models import AuditEvent
from lbp_pathway.pdf import html_to_pdf

Json = fhir.Json


def _query(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in request.GET}


def _method_not_allowed(request: HttpRequest, allowed: str) -> ApiError:
    return ApiError(
        405, [("", f"{request.method} is not supported here (use {allowed}).")], "not-supported"
    )


def any_json(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, [("", f"The body is not JSON: {error}")], "structure") from error


def body_json(request: HttpRequest) -> Json:
    data = any_json(request)
    if not isinstance(data, dict):
        raise ApiError(
            400, [("", "The body must be a JSON object (a FHIR resource).")], "structure"
        )
    return data


@api_view
def type_endpoint(request: HttpRequest, client: Client, resource_type: str) -> Result:
    """GET: search. POST ServiceRequest: a referral in."""
    kind = search.kind_for(resource_type)
    if request.method == "POST" and resource_type == "ServiceRequest":
        return referral_in_view(request, client)
    if request.method != "GET":
        raise _method_not_allowed(
            request, "GET" + (", POST" if kind.name == "ServiceRequest" else "")
        )
    query = _query(request)
    params = search.parse(kind, query)
    page = search.search(kind, params, client)
    url = f"{fhir.base()}/{kind.name}"
    return Result(
        body=fhir.validated(search.bundle(kind, page, params, url, query)),
        patients=page.patients,
        what=f"FHIR search {kind.name} ({len(page.resources)} found)",
    )


@api_view
def instance_endpoint(request: HttpRequest, client: Client, resource_type: str, id_: str) -> Result:
    """GET: read. PATCH ServiceRequest/out-N: the receiving partner updates a referral's status."""
    kind = search.kind_for(resource_type)
    if request.method == "PATCH" and kind.name == "ServiceRequest":
        updated, referral_patient = referral_out.update_status(
            client, id_, lambda: any_json(request)
        )
        return Result(
            body=updated,
            patients=[referral_patient],
            action=AuditEvent.Action.CHANGE,
            what=f"FHIR status update ServiceRequest/{id_}",
        )
    if request.method != "GET":
        raise _method_not_allowed(
            request, "GET" + (", PATCH" if kind.name == "ServiceRequest" else "")
        )
    resource, patient_id = search.read(kind, id_, client)
    return Result(body=resource, patients=[patient_id], what=f"FHIR read {kind.name}/{id_}")


@api_view
def binary(request: HttpRequest, client: Client, id_: str) -> Result:
    """The PDF of a signed consultation note (note-N) or of a referral letter (letter-N)."""
    if request.method != "GET":
        raise _method_not_allowed(request, "GET")
    require(client, READ)
    prefix, _, number = id_.partition("-")
    sources = dict(zip(("note", "letter"), search.KINDS["DocumentReference"].sources, strict=True))
    source = sources.get(prefix)
    if source is None or not number.isdigit():
        raise not_found(f"Binary/{id_}")
    rows = source.fetch(source.rows()).filter(pk=int(number))
    record = search.limit(source, rows, client).first()
    if record is None:
        raise not_found(f"Binary/{id_}")
    html: str
    if prefix == "note":
        html = documents.note_pdf_html(record)
        note_delivery.record_partner_read(record.pk, client.partner_key)
    else:
        html = referral_out.letter_html(record)
    pdf = html_to_pdf(html)
    if pdf is None:
        raise ApiError(500, [("", "The document could not be made into a PDF.")], "exception")
    return Result(
        body=pdf,
        content_type="application/pdf",
        patients=[source.patient_of(record)],
        action=AuditEvent.Action.PRINT,
        what=f"FHIR Binary/{id_} (PDF)",
        headers={"Content-Disposition": f'inline; filename="{id_}.pdf"'},
    )


@api_view
def base_endpoint(request: HttpRequest, client: Client) -> Result:
    """POST [base] with a transaction Bundle: a referral in with its patient, practitioner and
    attachments."""
    if request.method != "POST":
        raise _method_not_allowed(request, "POST of a transaction Bundle")
    return referral_in_view(request, client)


def referral_in_view(request: HttpRequest, client: Client) -> Result:
    return referral_in.receive(request, client, body_json(request))


# --- the CapabilityStatement -------------------------------------------------------------------

SEARCH_PARAMS = {
    "_id": "token",
    "patient": "reference",
    "identifier": "token",
    "date": "date",
    "status": "token",
    "_count": "number",
}


def capability_statement() -> Json:
    resources = []
    for kind in search.KINDS.values():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        params = ["_id", "_count"]
        if any(s.patient for s in kind.sources):
            params.append("patient")
        if any(s.identifiers for s in kind.sources):
            params.append("identifier")
        if any(s.date for s in kind.sources):
            params.append("date")
        if any(s.statuses for s in kind.sources):
            params.append("status")
        entry: Json = {
            "type": kind.name,
            "interaction": interactions,
            "searchParam": [{"name": name, "type": SEARCH_PARAMS[name]} for name in params],
        }
        if kind.name == "ServiceRequest":
            entry["interaction"] += [{"code": "create"}, {"code": "patch"}]
        resources.append(entry)
    resources.append({"type": "Binary", "interaction": [{"code": "read"}]})
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "kind": "instance",
        "software": {"name": "LBP Pathway"},
        "implementation": {"description": "LBP Pathway FHIR API", "url": fhir.base()},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": (
                        "OAuth 2.0 client credentials: POST grant_type=client_credentials to "
                        f"{fhir.base()}/auth/token; scopes system/*.read, "
                        "system/ServiceRequest.write, system/ServiceRequest.status, "
                        "system/AuditEvent.read."
                    ),
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
            }
        ],
    }


@public
@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: open to anyone (it names no patient), as FHIR expects."""
    return fhir_response(fhir.validated(capability_statement()))
