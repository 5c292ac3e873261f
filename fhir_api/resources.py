"""Our records as FHIR R4 resources (validated with fhir.resources' R4B models, which R4 partners read).

One small function per record kind; search.py says which record kinds back which resource type.
Codes: LOINC where a code exists (STarT Back from triage/rules, NPRS 72514-3, ODI 97909-6, consult
note 11488-4, referral note 57133-1); our own code system for the rest (RMDQ, PSFS), never invented
LOINC codes. Ids carry a prefix when one resource type has several sources (`in-4`, `out-7`).
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from fhir.resources.R4B import get_fhir_model_class

from care_episodes.models import ConsultationNote, FollowUpPlan, NoteDelivery, OutcomeMeasurement
from care_episodes.models import SelfManagementPlan as CarePlanRecord
from intake.models import Appointment, IncomingReferral, Patient, Site
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from referrals import rules as referral_rules
from referrals.models import Destination, Referral
from triage import rules as triage_rules
from triage.models import QuestionnaireResponse, TriageDecision

Json = dict[str, Any]

LOINC = "http://loinc.org"
# Ontario health card numbers (Canada Health Infoway's pan-Canadian naming system).
ON_HEALTH_CARD = "https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn"
CLINIC_ORGANIZATION = "clinic"


def base() -> str:
    return str(settings.FHIR_BASE_URL)


def naming_system(name: str) -> str:
    """Our own identifier systems: [base]/NamingSystem/<name>."""
    return f"{base()}/NamingSystem/{name}"


def code_system(name: str) -> str:
    return f"{base()}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    return f"{base()}/StructureDefinition/{name}"


def validated(resource: Json) -> Json:
    """`resource` checked against its fhir.resources model (raises pydantic's ValidationError),
    as the model serialises it."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    dumped: Json = model.model_dump(mode="json", exclude_none=True)
    return dumped


def instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def day(value: date) -> str:
    return value.isoformat()


def ref(kind: str, pk: object, display: str = "") -> Json:
    reference: Json = {"reference": f"{kind}/{pk}"}
    if display:
        reference["display"] = display
    return reference


def coding(system: str, code: str, display: str = "") -> Json:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str = "") -> Json:
    return {"coding": [coding(system, code, display)], **({"text": display} if display else {})}


def xhtml(text: str) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()
    )
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{paragraphs or "<p/>"}</div>'


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def practitioner_ref(user: User | None) -> Json | None:
    return ref("Practitioner", user.pk, _name(user)) if user is not None else None


# --- people and places ---------------------------------------------------------------------------

GENDER = {"F": "female", "M": "male", "X": "other", "U": "unknown"}


INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
LANGUAGE_NAMES = {"en": "English", "fr": "French"}


def _language(record: Patient) -> Json:
    """The patient's language: a BCP 47 code for English and French, the name for another one."""
    name = LANGUAGE_NAMES.get(record.preferred_language)
    if name is None:
        return {"text": record.other_language or "Other"}
    coding = {"system": "urn:ietf:bcp:47", "code": record.preferred_language, "display": name}
    return {"coding": [coding], "text": name}


def patient(record: Patient) -> Json:
    identifiers = [{"system": naming_system("patient"), "value": str(record.pk)}]
    if record.health_card_number:
        card: Json = {"system": ON_HEALTH_CARD, "value": record.health_card_number}
        if record.health_card_version:
            card["extension"] = [
                {
                    "url": extension_url("health-card-version"),
                    "valueString": record.health_card_version,
                }
            ]
        identifiers.append(card)
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", record.phone), ("email", record.email))
        if value
    ]
    resource: Json = {
        "resourceType": "Patient",
        "id": str(record.pk),
        "identifier": identifiers,
        "name": [{"family": record.last_name, "given": [record.first_name]}],
        "gender": GENDER.get(record.sex, "unknown"),
        "birthDate": day(record.date_of_birth),
        "communication": [{"language": _language(record)}],
    }
    if record.interpreter_needed:
        resource["extension"] = [{"url": INTERPRETER_REQUIRED, "valueBoolean": True}]
    if telecom:
        resource["telecom"] = telecom
    if record.postal_code:
        resource["address"] = [{"postalCode": record.postal_code, "country": "CA"}]
    if record.family_physician_id:
        resource["generalPractitioner"] = [ref("Practitioner", record.family_physician_id)]
    return resource


ROLE_CODES = {
    Role.PHYSIOTHERAPIST: ("physiotherapist", "Physiotherapist"),
    Role.FAMILY_PHYSICIAN: ("family-physician", "Family physician"),
}


def _clinical_roles(user: User) -> list[Role]:
    names = {group.name for group in user.groups.all()}  # prefetched by the search
    return [role for role in ROLE_CODES if role.value in names]


def practitioner(user: User) -> Json:
    return {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "identifier": [{"system": naming_system("practitioner"), "value": str(user.pk)}],
        "active": user.is_active,
        "name": [{"family": user.last_name or user.get_username(), "given": [user.first_name]}]
        if user.first_name
        else [{"text": _name(user)}],
    }


def practitioner_role(user: User) -> Json:
    codes = [ROLE_CODES[role] for role in _clinical_roles(user)]
    return {
        "resourceType": "PractitionerRole",
        "id": str(user.pk),
        "active": user.is_active,
        "practitioner": ref("Practitioner", user.pk, _name(user)),
        "organization": ref("Organization", CLINIC_ORGANIZATION),
        "code": [concept(code_system("practitioner-role"), code, label) for code, label in codes],
    }


def clinic() -> Json:
    return {
        "resourceType": "Organization",
        "id": CLINIC_ORGANIZATION,
        "active": True,
        "name": str(getattr(settings, "CLINIC_NAME", "LBP Pathway clinic")),
    }


def organization(destination: Destination) -> Json:
    telecom = [
        {"system": system, "value": value}
        for system, value in (("phone", destination.phone), ("fax", destination.fax))
        if value
    ]
    resource: Json = {
        "resourceType": "Organization",
        "id": f"dest-{destination.pk}",
        "active": True,
        "name": destination.name,
        "type": [
            concept(
                code_system("referral-destination-kind"),
                destination.kind,
                referral_rules.KIND_LABELS.get(destination.kind, destination.kind),
            )
        ],
    }
    if telecom:
        resource["telecom"] = telecom
    if destination.address or destination.postal_code:
        resource["address"] = [
            {"text": destination.address, "postalCode": destination.postal_code, "country": "CA"}
        ]
    return resource


def location(site: Site) -> Json:
    resource: Json = {
        "resourceType": "Location",
        "id": str(site.pk),
        "status": "active",
        "name": site.name,
        "managingOrganization": ref("Organization", CLINIC_ORGANIZATION),
    }
    if site.address or site.postal_code:
        resource["address"] = {
            "text": site.address,
            "postalCode": site.postal_code,
            "country": "CA",
        }
    if site.phone:
        resource["telecom"] = [{"system": "phone", "value": site.phone}]
    return resource


# --- referrals -----------------------------------------------------------------------------------

INCOMING_STATUS = {"open": "active", "booked": "active", "closed": "completed"}
OUTGOING_STATUS = {
    referral_rules.DRAFT: "draft",
    referral_rules.SENT: "active",
    referral_rules.ACCEPTED: "active",
    referral_rules.APPOINTMENT_BOOKED: "active",
    referral_rules.SEEN: "active",
    referral_rules.REPORT_RECEIVED: "completed",
    referral_rules.CLOSED: "completed",
    referral_rules.DECLINED: "revoked",
    referral_rules.CANCELLED: "revoked",
}
REFERRAL_PROGRESS = "referral-progress"  # extension: the referral's status in our own words
REFERRAL_NOTE = ("57133-1", "Referral note")
CONSULT_NOTE = ("11488-4", "Consult note")
PHYSIOTHERAPY_REQUEST = ("low-back-pain-physiotherapy", "Physiotherapy for low back pain")


def incoming_referral(record: IncomingReferral) -> Json:
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": f"in-{record.pk}",
        "identifier": [{"system": naming_system("incoming-referral"), "value": str(record.pk)}],
        "status": INCOMING_STATUS[record.status],
        "intent": "order",
        "priority": "urgent" if record.urgency == IncomingReferral.Urgency.URGENT else "routine",
        "code": concept(code_system("service"), *PHYSIOTHERAPY_REQUEST),
        "subject": ref("Patient", record.patient_id),
        "authoredOn": day(record.received_on),
        "performer": [ref("Organization", CLINIC_ORGANIZATION)],
        "reasonCode": [{"text": record.reason}],
        "extension": [
            {"url": extension_url(REFERRAL_PROGRESS), "valueCode": record.status},
        ],
    }
    referrer = record.referrer
    if record.referring_physician_id is not None:
        resource["requester"] = ref(
            "Practitioner", record.referring_physician_id, _name(record.referring_physician)
        )
    elif referrer is not None:
        requester: Json = {"display": referrer.name}
        if referrer.identifier_value:
            requester["identifier"] = {
                "system": referrer.identifier_system,
                "value": referrer.identifier_value,
            }
        resource["requester"] = requester
    if record.sender_value:
        resource["identifier"].append(
            {"system": record.sender_system, "value": record.sender_value}
        )
    return resource


def outgoing_referral(record: Referral) -> Json:
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": f"out-{record.pk}",
        "identifier": [{"system": naming_system("outgoing-referral"), "value": str(record.pk)}],
        "status": OUTGOING_STATUS[record.status],
        "intent": "order",
        "code": concept(
            code_system("referral-destination-kind"),
            record.kind,
            referral_rules.KIND_LABELS.get(record.kind, record.kind),
        ),
        "subject": ref("Patient", record.episode.patient_id),
        "authoredOn": instant(record.created_at),
        "requester": ref("Organization", CLINIC_ORGANIZATION),
        "performer": [
            ref("Organization", f"dest-{record.destination_id}", record.destination.name)
        ],
        "reasonCode": [{"text": record.reason}],
        "note": [{"text": f"Question: {record.question}"}] if record.question else [],
        "extension": [{"url": extension_url(REFERRAL_PROGRESS), "valueCode": record.status}],
    }
    if record.status != referral_rules.DRAFT:
        resource["supportingInfo"] = [ref("DocumentReference", f"letter-{record.pk}")]
    if not resource["note"]:
        del resource["note"]
    return resource


# --- visits, questionnaires and measures ---------------------------------------------------------

APPOINTMENT_STATUS = {
    "booked": "booked",
    "arrived": "arrived",
    "no_show": "noshow",
    "cancelled": "cancelled",
    "completed": "fulfilled",
}


def appointment(record: Appointment) -> Json:
    resource: Json = {
        "resourceType": "Appointment",
        "id": str(record.pk),
        "status": APPOINTMENT_STATUS[record.status],
        "serviceType": [
            concept(
                code_system("appointment-type"),
                record.appointment_type.code,
                record.appointment_type.name,
            )
        ],
        "start": instant(record.start),
        "end": instant(record.end),
        "minutesDuration": record.appointment_type.duration_minutes,
        "participant": [
            {"actor": ref("Patient", record.patient_id), "status": "accepted"},
            {"actor": ref("Practitioner", record.practitioner_id), "status": "accepted"},
            {"actor": ref("Location", record.site_id, record.site.name), "status": "accepted"},
        ],
    }
    if record.status == Appointment.Status.CANCELLED and record.cancel_reason:
        resource["cancelationReason"] = {"text": record.cancel_reason}
    return resource


SBST_ANSWERS = "start-back-answer"
SBST_QUESTIONNAIRE = f"{LOINC}/q/{triage_rules.SBST_PANEL_LOINC}"


def questionnaire_response(record: QuestionnaireResponse, patient_id: int) -> Json:
    items = []
    answers = record.answers if isinstance(record.answers, list) else []
    for item, answer in zip(triage_rules.START_BACK_ITEMS, answers, strict=False):
        entry: Json = {"linkId": item.loinc, "text": item.topic}
        if answer:
            label = triage_rules.START_BACK_ANSWER_LABELS.get(answer, answer)
            entry["answer"] = [{"valueCoding": coding(code_system(SBST_ANSWERS), answer, label)}]
        items.append(entry)
    resource: Json = {
        "resourceType": "QuestionnaireResponse",
        "id": str(record.pk),
        "questionnaire": SBST_QUESTIONNAIRE,
        "status": "in-progress" if record.awaiting_confirmation else "completed",
        "subject": ref("Patient", patient_id),
        "authored": instant(record.entered_at),
        "item": items,
    }
    if record.entered_by_id:
        resource["author"] = ref("Practitioner", record.entered_by_id)
    return resource


SURVEY = concept("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")


def _observation(
    id_: str, code: Json, patient_id: int, when: date | datetime, value: Json, **more: Any
) -> Json:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "category": [SURVEY],
        "code": code,
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": instant(when) if isinstance(when, datetime) else day(when),
        **value,
        **more,
    }


def start_back_score(record: TriageDecision) -> Json:
    result = (record.outputs or {}).get("start_back") or {}
    risk = result.get("risk")
    components = []
    if result.get("psychosocial") is not None:
        components.append(
            {
                "code": concept(LOINC, triage_rules.SBST_PSYCHOSOCIAL_LOINC),
                "valueInteger": result["psychosocial"],
            }
        )
    if risk in triage_rules.SBST_RISK_ANSWER_LOINC:
        components.append(
            {
                "code": concept(LOINC, triage_rules.SBST_RISK_LOINC),
                "valueCodeableConcept": concept(
                    LOINC, triage_rules.SBST_RISK_ANSWER_LOINC[risk], f"{risk.capitalize()} risk"
                ),
            }
        )
    value: Json = (
        {"valueInteger": result["total"]}
        if result.get("total") is not None
        else {"dataAbsentReason": {"text": "Items missing: the total is not known"}}
    )
    more: Json = {"component": components} if components else {}
    if record.response_id:
        more["derivedFrom"] = [ref("QuestionnaireResponse", record.response_id)]
    return _observation(
        f"sbst-{record.pk}",
        concept(LOINC, triage_rules.SBST_TOTAL_LOINC, "STarT Back total score"),
        record.patient_id,
        record.decided_at,
        value,
        **more,
    )


# Outcome measures: LOINC where a code exists; our own code system otherwise (no LOINC code known).
MEASURES: dict[str, tuple[str, str, str]] = {
    "nprs": (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "odi": (LOINC, "97909-6", "Oswestry disability index score ODI"),
    "rmdq": ("", "rmdq", "Roland-Morris Disability Questionnaire score (0-24)"),
    "psfs": ("", "psfs", "Patient-Specific Functional Scale mean score (0-10)"),
}


def outcome(record: OutcomeMeasurement, measure: str) -> Json:
    system, code, display = MEASURES[measure]
    number = getattr(record, measure)
    unit = "%" if measure == "odi" else "{score}"
    return _observation(
        f"{measure}-{record.pk}",
        concept(system or code_system("outcome-measure"), code, display),
        record.episode.patient_id,
        record.measured_on,
        {
            "valueQuantity": {
                "value": number,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            }
        },
        note=[{"text": f"Timepoint: {record.get_timepoint_display()}"}],
    )


# --- plans and documents -------------------------------------------------------------------------


def self_management_plan(record: CarePlanRecord) -> Json:
    activities = [
        {"detail": {"kind": "Task", "status": "in-progress", "description": label}}
        for label in record.topic_labels()
    ] + [
        {
            "detail": {
                "kind": "Task",
                "status": "in-progress",
                "description": f"{exercise.name}: {exercise.dosage}",
            }
        }
        for exercise in record.exercises.all()  # prefetched by the search
    ]
    resource: Json = {
        "resourceType": "CarePlan",
        "id": f"self-{record.pk}",
        "status": "active",
        "intent": "plan",
        "title": "Self-management plan",
        "subject": ref("Patient", record.episode.patient_id),
        "created": instant(record.updated_at),
        "description": record.goals or "Self-management plan for low back pain",
        "note": [{"text": record.safety_netting}],
    }
    if activities:
        resource["activity"] = activities
    if record.by_id:
        resource["author"] = ref("Practitioner", record.by_id)
    return resource


def follow_up_plan(record: FollowUpPlan) -> Json:
    resource: Json = {
        "resourceType": "CarePlan",
        "id": f"follow-{record.pk}",
        "status": "active",
        "intent": "plan",
        "title": "Follow-up plan",
        "subject": ref("Patient", record.episode.patient_id),
        "created": instant(record.updated_at),
        "description": record.get_care_model_display(),
        "activity": [
            {
                "detail": {
                    "kind": "Appointment",
                    "status": "scheduled",
                    "description": (
                        f"{record.sessions} session(s), every {record.interval_weeks} week(s)"
                    ),
                }
            }
        ],
    }
    if record.notes:
        resource["note"] = [{"text": record.notes}]
    return resource


def binary_url(id_: str) -> str:
    return f"{base()}/Binary/{id_}"


def note_document(note: ConsultationNote, referral_id: int | None) -> Json:
    signed_at = note.signed_at
    assert signed_at is not None  # only signed notes leave the clinic
    try:  # a signed addendum replaces this version
        superseded = note.addendum.signed_at is not None
    except ConsultationNote.DoesNotExist:
        superseded = False
    resource: Json = {
        "resourceType": "DocumentReference",
        "id": str(note.pk),
        "identifier": [{"system": naming_system("consultation-note"), "value": str(note.pk)}],
        "status": "superseded" if superseded else "current",
        "docStatus": "final",
        "type": concept(LOINC, *CONSULT_NOTE),
        "subject": ref("Patient", note.episode.patient_id),
        "date": instant(signed_at),
        "author": [ref("Practitioner", note.author_id)],
        "authenticator": ref("Practitioner", note.signed_by_id),
        "description": f"{note.title} (version {note.version})",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": binary_url(f"note-{note.pk}"),
                    "title": f"consultation-note-{note.pk}-v{note.version}.pdf",
                    "creation": instant(signed_at),
                }
            }
        ],
    }
    related = [ref("Composition", note.pk)]
    if referral_id is not None:
        related.append(ref("ServiceRequest", f"in-{referral_id}"))
    resource["context"] = {"related": related}
    if note.previous_id:
        resource["relatesTo"] = [
            {"code": "appends", "target": ref("DocumentReference", note.previous_id)}
        ]
    return resource


def letter_document(referral: Referral) -> Json:
    return {
        "resourceType": "DocumentReference",
        "id": f"letter-{referral.pk}",
        "status": "current",
        "docStatus": "final",
        "type": concept(LOINC, *REFERRAL_NOTE),
        "subject": ref("Patient", referral.episode.patient_id),
        "date": instant(referral.created_at),
        "author": [ref("Organization", CLINIC_ORGANIZATION)],
        "description": f"Referral letter to {referral.destination.name}",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": binary_url(f"letter-{referral.pk}"),
                    "title": f"referral-{referral.pk}.pdf",
                }
            }
        ],
        "context": {"related": [ref("ServiceRequest", f"out-{referral.pk}")]},
    }


def composition(note: ConsultationNote) -> Json:
    signed_at = note.signed_at
    assert signed_at is not None
    return {
        "resourceType": "Composition",
        "id": str(note.pk),
        "status": "final",
        "type": concept(LOINC, *CONSULT_NOTE),
        "subject": ref("Patient", note.episode.patient_id),
        "date": instant(signed_at),
        "author": [ref("Practitioner", note.author_id)],
        "title": note.title,
        "attester": [
            {
                "mode": "legal",
                "time": instant(signed_at),
                "party": ref("Practitioner", note.signed_by_id),
            }
        ],
        "section": [
            {"title": note.title, "text": {"status": "generated", "div": xhtml(note.body)}}
        ],
    }


DELIVERY_STATUS = {
    "pending": "preparation",
    "sending": "in-progress",
    "sent": "completed",
    "available": "completed",
    "failed": "stopped",
}


def note_delivery(record: NoteDelivery) -> Json:
    """A signed note waiting for (or sent to) a referrer's partner system, to poll."""
    return {
        "resourceType": "Communication",
        "id": str(record.pk),
        "status": DELIVERY_STATUS[record.status],
        "category": [
            concept(code_system("communication"), "consultation-note", "Consultation note signed")
        ],
        "subject": ref("Patient", record.note.episode.patient_id),
        "sent": instant(record.sent_at or record.created_at),
        "recipient": [{"display": record.referrer.name}],
        "payload": [{"contentReference": ref("DocumentReference", record.note_id)}],
    }


AUDIT_ACTION: dict[str, str] = {
    AuditEvent.Action.VIEW: "R",
    AuditEvent.Action.PRINT: "R",
    AuditEvent.Action.CREATE: "C",
    AuditEvent.Action.CHANGE: "U",
}


def audit_event(record: AuditEvent) -> Json:
    agent: Json = {"who": {"display": record.username or "system"}, "requestor": True}
    if record.user_id:
        agent["who"]["identifier"] = {"system": naming_system("user"), "value": str(record.user_id)}
    if record.ip_address:
        agent["network"] = {"address": record.ip_address, "type": "2"}
    resource: Json = {
        "resourceType": "AuditEvent",
        "id": str(record.pk),
        "type": coding(
            "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"
        ),
        "subtype": [
            coding(code_system("audit-action"), record.action, record.get_action_display())
        ],
        "action": AUDIT_ACTION.get(str(record.action), "E"),
        "recorded": instant(record.at),
        "outcome": "4" if record.action == AuditEvent.Action.DENIED else "0",
        "outcomeDesc": record.what,
        "agent": [agent],
        "source": {"observer": {"display": "LBP Pathway"}},
    }
    entity: Json = {"description": record.path or record.what}
    if record.patient_id:
        entity["what"] = ref("Patient", record.patient_id)
    resource["entity"] = [entity]
    return resource


def operation_outcome(problems: list[tuple[str, str]], code: str = "invalid") -> Json:
    """An OperationOutcome naming each problem: (where, message); `where` may be empty."""
    issues = []
    for where, message in problems:
        issue: Json = {"severity": "error", "code": code, "diagnostics": message}
        if where:
            issue["expression"] = [where]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}
