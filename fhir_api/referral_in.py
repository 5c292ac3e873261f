"""Referrals in over FHIR: `POST /fhir/ServiceRequest` (patient and requester as contained
resources) or `POST /fhir/` with a transaction Bundle (Patient, Practitioner or PractitionerRole,
ServiceRequest, and DocumentReference or Binary attachments).

Each resource is parsed with fhir.resources' R4B models: a resource FHIR refuses is a 400
OperationOutcome naming each problem. The FHIR content is then mapped onto intake's plain values
(intake/referral_data.py) and `intake.services.receive_external_referral` does the rest (patient
match by health card first and never a silent merge, the referrer, the worklist entry, idempotency on
the sender's identifier). Its ReferralRejected is a 422 OperationOutcome naming each problem, and
nothing is stored.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpRequest
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from fhir_api import resources as fhir
from fhir_api.auth import ApiError, Client, Result, require
from fhir_api.models import REFERRAL_WRITE
from intake import services as intake_services
from intake.referral_data import AttachmentIn, Coding, PatientIn, ReferralIn, ReferrerIn
from lbp_pathway.models import AuditEvent

Json = fhir.Json
SEX = {"female": "F", "male": "M", "other": "X", "unknown": "U"}
URGENT = {"urgent", "asap", "stat"}
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "text/plain": "txt",
}
REFERRER_KINDS = {
    "family_physician": "family_physician",
    "family-physician": "family_physician",
    "nurse_practitioner": "nurse_practitioner",
    "nurse-practitioner": "nurse_practitioner",
    "outside_clinician": "outside_clinician",
}
# Where intake's problem paths point in the FHIR content.
FHIR_PATHS = {
    "identifier": "ServiceRequest.identifier",
    "patient": "Patient",
    "patient.first_name": "Patient.name.given",
    "patient.last_name": "Patient.name.family",
    "patient.name": "Patient.name",
    "patient.birth_date": "Patient.birthDate",
    "patient.health_card_number": "Patient.identifier",
    "patient.health_card_version": "Patient.identifier.extension",
    "patient.postal_code": "Patient.address.postalCode",
    "patient.sex": "Patient.gender",
    "patient.email": "Patient.telecom",
    "referrer": "ServiceRequest.requester",
    "referrer.name": "Practitioner.name",
    "referrer.kind": "PractitionerRole.code",
    "referrer.identifier_system": "Practitioner.identifier.system",
    "referrer.email": "Practitioner.telecom",
    "reason": "ServiceRequest.reasonCode",
    "urgency": "ServiceRequest.priority",
    "authored_on": "ServiceRequest.authoredOn",
}


def fhir_path(path: str) -> str:
    if path in FHIR_PATHS:
        return FHIR_PATHS[path]
    head, _, index = path.partition("[")
    if head == "reason_codes":
        return f"ServiceRequest.reasonCode[{index}"
    if head == "attachments":
        return f"DocumentReference[{index}"
    return path


def parse(resource: Any, where: str) -> Any:
    """`resource` as its fhir.resources model; a 400 naming each problem when FHIR refuses it."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise ApiError(400, [(where, "Not a FHIR resource (no resourceType).")], "structure")
    try:
        model = get_fhir_model_class(resource["resourceType"])
    except ValueError as error:
        raise ApiError(
            400, [(where, f"Unknown resource type {resource['resourceType']!r}.")], "structure"
        ) from error
    try:
        return model.model_validate(resource)
    except ValidationError as error:
        problems = [
            (expression(where, issue["loc"]), f"{issue['msg']} ({expression(where, issue['loc'])})")
            for issue in error.errors()
        ]
        raise ApiError(400, problems, "structure") from error


def expression(where: str, loc: tuple[Any, ...]) -> str:
    """pydantic's error location as a FHIRPath-like expression: Bundle.entry[0].resource.birthDate."""
    text = where
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass
class Parts:
    """What a referral message carries, as plain JSON resources found by reference."""

    request: Json
    by_reference: dict[str, Json] = field(default_factory=dict)
    attachments: list[Json] = field(default_factory=list)
    entries: list[tuple[str, Json]] = field(default_factory=list)  # (fullUrl, resource), in order

    def resolve(self, reference: Json | None) -> Json | None:
        if not reference:
            return None
        key = str(reference.get("reference", ""))
        return self.by_reference.get(key)


def _from_service_request(body: Json) -> Parts:
    parse(body, "ServiceRequest")
    parts = Parts(request=body)
    for n, contained in enumerate(body.get("contained") or []):
        if isinstance(contained, dict) and contained.get("id"):
            parts.by_reference[f"#{contained['id']}"] = contained
            if contained.get("resourceType") in ("DocumentReference", "Binary"):
                parts.attachments.append(contained)
        else:
            raise ApiError(
                400, [(f"ServiceRequest.contained[{n}]", "A contained resource needs an id.")]
            )
    return parts


def _from_bundle(body: Json) -> Parts:
    bundle = parse(body, "Bundle")
    if bundle.type not in ("transaction", "message", "collection"):
        raise ApiError(
            400, [("Bundle.type", "Send a transaction Bundle (or a message) with the referral.")]
        )
    requests: list[Json] = []
    by_reference: dict[str, Json] = {}
    attachments: list[Json] = []
    entries: list[tuple[str, Json]] = []
    for n, entry in enumerate(body.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise ApiError(400, [(f"Bundle.entry[{n}]", "An entry without a resource.")])
        kind = resource.get("resourceType")
        full_url = str(entry.get("fullUrl", ""))
        entries.append((full_url, resource))
        for key in {full_url, f"{kind}/{resource.get('id')}" if resource.get("id") else ""} - {""}:
            by_reference[key] = resource
        if kind == "ServiceRequest":
            requests.append(resource)
        elif kind in ("DocumentReference", "Binary"):
            attachments.append(resource)
    if len(requests) != 1:
        raise ApiError(
            400,
            [
                (
                    "Bundle.entry",
                    f"The Bundle must hold one ServiceRequest (it holds {len(requests)}).",
                )
            ],
        )
    return Parts(requests[0], by_reference, attachments, entries)


def _text_or_codes(concept: Json) -> str:
    codings = concept.get("coding") or []
    return str(
        concept.get("text")
        or "; ".join(c.get("display", "") for c in codings if c.get("display"))
        or "; ".join(c.get("code", "") for c in codings if c.get("code"))
    )


def _patient(resource: Json | None) -> PatientIn | None:
    if resource is None or resource.get("resourceType") != "Patient":
        return None
    name = (resource.get("name") or [{}])[0]
    card, version = "", ""
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") == fhir.ON_HEALTH_CARD:
            card = str(identifier.get("value", ""))
            for extension in identifier.get("extension") or []:
                if "version" in str(extension.get("url", "")):
                    version = str(extension.get("valueString", ""))
    telecom = {t.get("system"): str(t.get("value", "")) for t in resource.get("telecom") or []}
    address = (resource.get("address") or [{}])[0]
    language = (resource.get("communication") or [{}])[0].get("language") or {}
    born = resource.get("birthDate")
    return PatientIn(
        first_name=" ".join(name.get("given") or []),
        last_name=str(name.get("family", "")),
        birth_date=date.fromisoformat(born) if isinstance(born, str) and len(born) == 10 else None,
        health_card_number=card,
        health_card_version=version,
        sex=SEX.get(str(resource.get("gender", "unknown")), "U"),
        phone=telecom.get("phone", ""),
        email=telecom.get("email", ""),
        postal_code=str(address.get("postalCode", "")),
        preferred_language=_text_or_codes(language) if language else "",
    )


def _referrer(parts: Parts) -> ReferrerIn | None:
    requester = parts.resolve(parts.request.get("requester"))
    role: Json | None = None
    if requester is not None and requester.get("resourceType") == "PractitionerRole":
        role, requester = requester, parts.resolve(requester.get("practitioner"))
    if requester is None or requester.get("resourceType") != "Practitioner":
        display = (parts.request.get("requester") or {}).get("display")
        return ReferrerIn(name=str(display)) if display else None
    name = (requester.get("name") or [{}])[0]
    full_name = name.get("text") or " ".join([*(name.get("given") or []), name.get("family", "")])
    identifier = (requester.get("identifier") or [{}])[0]
    telecom = {t.get("system"): str(t.get("value", "")) for t in requester.get("telecom") or []}
    kind = "outside_clinician"
    organisation = ""
    if role is not None:
        for code in (
            c.get("code") for concept in role.get("code") or [] for c in concept.get("coding") or []
        ):
            kind = REFERRER_KINDS.get(str(code), kind)
        organisation = str((role.get("organization") or {}).get("display", ""))
    return ReferrerIn(
        name=str(full_name).strip(),
        kind=kind,
        identifier_system=str(identifier.get("system", "")),
        identifier_value=str(identifier.get("value", "")),
        organisation=organisation,
        email=telecom.get("email", ""),
    )


def _attachments(parts: Parts) -> tuple[AttachmentIn, ...]:
    found: list[AttachmentIn] = []
    for n, resource in enumerate(parts.attachments):
        if resource["resourceType"] == "Binary":
            items = [{"data": resource.get("data"), "contentType": resource.get("contentType")}]
        else:
            items = [content.get("attachment") or {} for content in resource.get("content") or []]
        for attachment in items:
            data = attachment.get("data")
            if not data:
                continue  # a URL to fetch is not accepted; only what the message carries
            try:
                content = base64.b64decode(str(data), validate=True)
            except (binascii.Error, ValueError) as error:
                raise ApiError(
                    400, [(f"DocumentReference[{n}]", "The attachment's data is not base64.")]
                ) from error
            extension = EXTENSIONS.get(str(attachment.get("contentType", "")), "bin")
            title = str(attachment.get("title") or resource.get("description") or "")
            filename = title if "." in title[-5:] else f"attachment-{len(found) + 1}.{extension}"
            found.append(AttachmentIn(filename=filename[:100], content=content, title=title))
    return tuple(found)


def referral_in(parts: Parts, client: Client) -> ReferralIn:
    request = parts.request
    identifier = (request.get("identifier") or [{}])[0]
    codes = tuple(
        Coding(str(c.get("system", "")), str(c.get("code", "")), str(c.get("display", "")))
        for concept in request.get("reasonCode") or []
        for c in concept.get("coding") or []
    )
    words = [
        str(concept["text"]) for concept in request.get("reasonCode") or [] if concept.get("text")
    ]
    words += [str(note["text"]) for note in request.get("note") or [] if note.get("text")]
    authored = str(request.get("authoredOn") or "")[:10]
    return ReferralIn(
        sender_system=str(identifier.get("system", "")),
        sender_value=str(identifier.get("value", "")),
        patient=_patient(parts.resolve(request.get("subject"))),
        referrer=_referrer(parts),
        reason="\n".join(words),
        reason_codes=codes,
        urgency="urgent" if request.get("priority") in URGENT else "routine",
        authored_on=date.fromisoformat(authored) if len(authored) == 10 else None,
        attachments=_attachments(parts),
        partner_key=client.partner_key,
    )


def receive(request: HttpRequest, client: Client, body: Json) -> Result:
    require(client, REFERRAL_WRITE)
    is_bundle = body.get("resourceType") == "Bundle"
    if not is_bundle and body.get("resourceType") != "ServiceRequest":
        raise ApiError(
            400,
            [("", "POST a ServiceRequest, or a transaction Bundle to the base URL.")],
            "structure",
        )
    parts = _from_bundle(body) if is_bundle else _from_service_request(body)
    for full_url, resource in parts.entries:
        parse(resource, full_url or str(resource.get("resourceType")))
    try:
        received = intake_services.receive_external_referral(
            referral_in(parts, client), actor=client.actor
        )
    except intake_services.ReferralRejected as rejected:
        raise ApiError(
            422,
            [(fhir_path(path), message) for path, message in rejected.problems],
            "business-rule",
        ) from rejected
    referral = received.referral
    resource = fhir.validated(fhir.incoming_referral(referral))
    location = f"{fhir.base()}/ServiceRequest/{resource['id']}"
    status = 201 if received.created else 200
    body_out: Json = resource
    if is_bundle:
        body_out = fhir.validated(
            _transaction_response(parts, referral.patient_id, location, status)
        )
    return Result(
        body=body_out,
        status=status,
        headers={"Location": location},
        patients=[referral.patient_id],
        action=AuditEvent.Action.CREATE if received.created else AuditEvent.Action.VIEW,
        what="FHIR referral received" if received.created else "FHIR referral sent again",
        audited=True,  # receive_external_referral audited it with the client as actor
    )


def _transaction_response(parts: Parts, patient_id: int, location: str, status: int) -> Json:
    code = "201 Created" if status == 201 else "200 OK"
    entries = []
    for _, resource in parts.entries:
        kind = resource.get("resourceType")
        response: Json = {"status": code if kind in ("ServiceRequest", "Patient") else "200 OK"}
        if kind == "ServiceRequest":
            response["location"] = location
        elif kind == "Patient":
            response["location"] = f"{fhir.base()}/Patient/{patient_id}"
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
