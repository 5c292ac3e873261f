"""Every URL of the project, for anonymous visitors and for every role, against an access table
written here by hand from what each role's job is (README, "Who does what"; the views' docstrings).

The table is the specification: it is never read from the views, their decorators or
lbp_pathway/access.py, so widening a view's roles fails here. Every URL name in the URLconf must have
a row (a new URL without one fails), and each row builds the objects its URL is about, owned by the
physiotherapist in care and in the family physician's panel, so that an allowed role really gets its
page (200, or 302 to somewhere other than sign-in) and a 404 never passes for "allowed". A refused role
gets 403; an anonymous visitor is sent to sign in. Writes are tested with POST, with valid data where
the form needs it. Ownership (another physiotherapist, another panel) on every write:
test_write_ownership.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.regex_helper import normalize

from intake.models import WaitlistEntry
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM
from patients import booking
from patients.models import SelfReferral
from tests.factories import TEST_PASSWORD
from tests.followup_measures.factories import invite_token
from tests.intake.factories import waitlist_offer
from tests.privacy.factories import AccessWorld, pdf_upload

DUMMY = {"int": "1", "slug": "dummy-token", "str": "dummy-token", "path": "dummy", "uuid": None}
DUMMY_UUID = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    admin: bool


def _dummy_for(name: str, converter: object) -> str:
    kind = type(converter).__name__.removesuffix("Converter").lower()
    if kind == "uuid":
        return DUMMY_UUID
    return DUMMY.get(kind) or "1"


def _fill(regex: str, converters: dict) -> str:
    """A concrete path for a pattern's regex, with dummy values for its arguments."""
    candidates = normalize(regex)
    template, params = candidates[0]
    values = {}
    for param in params:
        converter = converters.get(param)
        values[param] = _dummy_for(param, converter) if converter else "1"
    return template % values


def walk(resolver: URLResolver | None = None, prefix="", converters=None, admin=False, ns=()):
    """Every URL pattern under `resolver`, named as reverse() names it (`namespace:name`)."""
    resolver = resolver or get_resolver()
    converters = dict(converters or {})
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.lstrip("^").removesuffix("\\Z").removesuffix("$")
        pattern_converters = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inside_admin = admin or entry.app_name == "admin"
            inner_ns = (*ns, entry.namespace) if entry.namespace else ns
            yield from walk(entry, prefix + regex, pattern_converters, inside_admin, inner_ns)
        elif isinstance(entry, URLPattern):
            full = prefix + regex
            path = "/" + _fill(full, pattern_converters)
            name = ":".join((*ns, entry.name or entry.lookup_str))
            yield Route(path=path, name=name, admin=admin)


ROUTES = list(walk())
# The FHIR API (fhir_api/) takes bearer tokens, never a session: its own rule, checked below.
TOKEN_ROUTES = [
    route
    for route in ROUTES
    if not route.admin and getattr(resolve(route.path).func, "allowed_roles", None) == "token"
]
APP_ROUTES = [route for route in ROUTES if not route.admin and route not in TOKEN_ROUTES]
ADMIN_ROUTES = [route for route in ROUTES if route.admin]


def test_the_walk_finds_the_projects_pages():
    names = {route.name for route in ROUTES}
    assert {"login", "home", "audit_log", "break_glass", "security_settings"} <= names
    assert {"intake:home", "referrals:list", "reminders:outbox"} <= names
    assert ADMIN_ROUTES, "Django's admin URLs are walked too"


# --- the access table ---------------------------------------------------------------------------

FD = Role.FRONT_DESK
PT = Role.PHYSIOTHERAPIST
MD = Role.FAMILY_PHYSICIAN
NP = (
    Role.NURSE_PRACTITIONER
)  # a primary care provider like MD, with a panel of their own (empty here)
PL = Role.PRACTICE_LEAD
MGR = Role.MANAGER
ADM = Role.ADMINISTRATOR
EVERY_ROLE = frozenset(Role)
PUBLIC = "public"  # anonymous visitors too
STAFF = frozenset({FD, PT, MD, NP, PL})  # the people who get notifications
CLINICIANS = frozenset({PT, MD})  # the physio in care and the physician of the patient's panel
BREAK_GLASS = frozenset(
    {PT, MD, NP}
)  # clinicians who may open a record outside their care or panel


def only(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


@dataclass(frozen=True)
class Target:
    path: str
    data: dict = field(default_factory=dict)


def url(name: str, *args, query: str = "", **data) -> Target:
    return Target(reverse(name, args=args) + (f"?{query}" if query else ""), data)


@dataclass(frozen=True)
class Row:
    """Who may open a URL (GET) and who may write through it (POST); None: the method is not part
    of the page (a POST-only action, or a page that writes nothing)."""

    build: Callable[[AccessWorld], Target]
    get: frozenset[Role] | str | None = None
    post: frozenset[Role] | str | None = None
    # A URL for machines, not people (no session, no role): what guards it instead, and where that is
    # tested. Such a row has neither get nor post.
    machine_guard: str = ""
    # POST data differing from the GET target's (most writes build it in `build`)


def _today(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _patient_form(w: AccessWorld) -> dict:
    return {
        "first_name": "Matrix",
        "last_name": "Newpatient",
        "date_of_birth": "1970-05-04",
        "sex": "F",
        "phone": "613-555-0199",
        "email": "matrix.new@example.org",
        "postal_code": "K7L 1A1",
        "preferred_language": "en",
    }


def _booking_token(w: AccessWorld) -> str:
    return booking.issue_booking_link(patient=w.patient, actor=SYSTEM, url_for=str)[1]


def _offer_token(w: AccessWorld) -> str:
    """A live waitlist offer of a freed slot (the stranger waits; the world's patient cancels)."""
    entry = WaitlistEntry.objects.create(patient=w.stranger())
    # A time nobody holds: the offer page is open.
    return waitlist_offer(entry, w.appointment(), moved_by=timedelta(days=7))[1]


def _self_referral() -> SelfReferral:
    return SelfReferral.objects.create(
        reference=f"LBP-MTRX-{SelfReferral.objects.count():04d}",
        first_name="Matrix",
        last_name="Selfref",
        date_of_birth="1970-05-04",
        phone="613-555-0199",
        postal_code="K7L 1A1",
        description="Back pain",
        rule_version="matrix",
        outcome=SelfReferral.Outcome.CALLBACK,
    )


def _triage_form() -> dict:
    data = {f"sb_{n}": "disagree" for n in range(1, 9)}
    data["sb_9"] = "slightly"
    data["episode_start_date"] = _today(-60)
    return data


SPEC: dict[str, Row] = {
    # --- signing in, the account, home (every signed-in role) ---------------------------------------
    "home": Row(lambda w: url("home"), get=EVERY_ROLE),
    "healthz": Row(lambda w: url("healthz"), get=PUBLIC),
    "metrics": Row(
        lambda w: url("metrics"),
        machine_guard="bearer METRICS_TOKEN: 404 while unset, 401 without it "
        "(tests/foundation/test_monitoring.py)",
    ),
    "fhir:metadata": Row(lambda w: url("fhir:metadata"), get=PUBLIC),
    "login": Row(lambda w: url("login"), get=PUBLIC),
    "logout": Row(lambda w: url("logout"), post=PUBLIC),
    "password_change": Row(
        lambda w: url(
            "password_change",
            old_password=TEST_PASSWORD,
            new_password1="Matrix-new-password-2026",
            new_password2="Matrix-new-password-2026",
        ),
        get=EVERY_ROLE,
        post=EVERY_ROLE,
    ),
    "password_change_done": Row(lambda w: url("password_change_done"), get=EVERY_ROLE),
    "two_factor_settings": Row(lambda w: url("two_factor_settings"), get=EVERY_ROLE),
    "two_factor_enrol": Row(
        lambda w: url("two_factor_enrol", code="000000"), get=EVERY_ROLE, post=EVERY_ROLE
    ),
    "two_factor_verify": Row(
        lambda w: url("two_factor_verify", code="000000"), get=EVERY_ROLE, post=EVERY_ROLE
    ),
    "two_factor_recovery_codes": Row(
        lambda w: url("two_factor_recovery_codes"), get=EVERY_ROLE, post=EVERY_ROLE
    ),
    "session_status": Row(lambda w: url("session_status"), get=EVERY_ROLE),
    "session_keepalive": Row(lambda w: url("session_keepalive"), post=EVERY_ROLE),
    # The language switch of the staff pages (the sign-in page too): saved for a signed-in user.
    "set_language": Row(lambda w: url("set_language", language="fr", next="/"), post=PUBLIC),
    # Clinicians only, for a patient outside their care or panel, with a reason.
    "break_glass": Row(
        lambda w: url(
            "break_glass", w.stranger().pk, reason="Covering the on-call physician tonight"
        ),
        get=BREAK_GLASS,
        post=BREAK_GLASS,
    ),
    # --- administrator: configuration and audit, no clinical content ------------------------------
    "administration_home": Row(lambda w: url("administration_home"), get=only(ADM)),
    "audit_log": Row(lambda w: url("audit_log"), get=only(ADM)),
    "audit_log_export": Row(lambda w: url("audit_log_export"), get=only(ADM)),
    "break_glass_review": Row(lambda w: url("break_glass_review"), get=only(ADM)),
    # The privacy officer's export of one patient's whole record (an access request).
    "records:find_patient": Row(lambda w: url("records:find_patient"), get=only(ADM)),
    "records:export": Row(
        lambda w: url("records:export", w.patient.pk, reason="Written request", kind="json"),
        get=only(ADM),
        post=only(ADM),
    ),
    "break_glass_reviewed": Row(
        lambda w: url("break_glass_reviewed", w.grant().pk), post=only(ADM)
    ),
    "security_settings": Row(
        lambda w: url("security_settings", required_roles=[]), get=only(ADM), post=only(ADM)
    ),
    "unlock_sign_in": Row(lambda w: url("unlock_sign_in", w.sign_in_failures().pk), post=only(ADM)),
    "reset_two_factor": Row(lambda w: url("reset_two_factor", w.users[FD].pk), post=only(ADM)),
    # --- front desk: demographics, booking, referrals in, waitlist ----------------------------------
    "intake:home": Row(lambda w: url("intake:home"), get=only(FD)),
    "intake:patient_search": Row(
        lambda w: url("intake:patient_search", query="q=matrix"), get=only(FD)
    ),
    "intake:patient_create": Row(
        lambda w: url("intake:patient_create", **_patient_form(w)), get=only(FD), post=only(FD)
    ),
    "intake:patient_detail": Row(
        lambda w: url("intake:patient_detail", w.patient.pk), get=only(FD)
    ),
    "intake:patient_edit": Row(
        lambda w: url("intake:patient_edit", w.patient.pk, **_patient_form(w)),
        get=only(FD),
        post=only(FD),
    ),
    "intake:waitlist_add": Row(
        lambda w: url("intake:waitlist_add", w.patient.pk, note="Any morning"), post=only(FD)
    ),
    "intake:slot_search": Row(
        lambda w: url("intake:slot_search", query=f"patient={w.patient.pk}"), get=only(FD)
    ),
    "intake:booking_confirm": Row(
        lambda w: url(
            "intake:booking_confirm",
            patient=w.patient.pk,
            practitioner=w.physio.pk,
            site=w.site.pk,
            start=w.monday_slot(9).isoformat(),
            type="follow_up",
        ),
        post=only(FD),
    ),
    "intake:calendar_book": Row(
        lambda w: url(
            "intake:calendar_book",
            query=urlencode(
                {
                    "practitioner": w.physio.pk,
                    "site": w.site.pk,
                    "start": w.monday_slot(9).isoformat(),
                    "type": "follow_up",
                }
            ),
            action="book",
            patient=w.patient.pk,
            practitioner=w.physio.pk,
            site=w.site.pk,
            start=w.monday_slot(9).isoformat(),
            type="follow_up",
        ),
        get=only(FD),
        post=only(FD),
    ),
    "intake:calendar_move": Row(
        lambda w: url(
            "intake:calendar_move",
            move=w.appointment().pk,
            slot=f"{w.physio.pk}|{w.site.pk}|{w.monday_slot(9).isoformat()}",
        ),
        post=only(FD),
    ),
    "intake:appointment_status": Row(
        lambda w: url("intake:appointment_status", w.appointment().pk, to="arrived"),
        post=only(FD),
    ),
    "intake:appointment_cancel": Row(
        lambda w: url("intake:appointment_cancel", w.appointment().pk, reason="Patient is unwell"),
        get=only(FD),
        post=only(FD),
    ),
    "intake:referral_worklist": Row(lambda w: url("intake:referral_worklist"), get=only(FD)),
    # The family physician refers a patient of their panel to the physio.
    "intake:refer_patient": Row(
        lambda w: url(
            "intake:refer_patient",
            query=f"patient={w.patient.pk}",
            patient=w.patient.pk,
            reason="Back pain for 6 weeks",
            urgency="routine",
        ),
        # The nurse practitioner refers their own panel (test_new_roles.py); this patient is MD's.
        get=only(MD),
        post=only(MD),
    ),
    "intake:waitlist": Row(lambda w: url("intake:waitlist"), get=only(FD)),
    "intake:waitlist_done": Row(
        lambda w: url("intake:waitlist_done", w.waitlist_entry().pk), post=only(FD)
    ),
    "intake:day_sheet": Row(lambda w: url("intake:day_sheet"), get=only(FD, PT)),
    # Group sessions (classes): the front desk and the physios run them.
    "intake:group_sessions": Row(
        lambda w: url(
            "intake:group_sessions",
            kind="exercise",
            title="Core class",
            site=str(w.site.pk),
            leader=str(w.physio.pk),
            start=f"{_today(7)}T10:00",
            duration_minutes="60",
            capacity="6",
        ),
        get=only(FD, PT),
        post=only(FD, PT),
    ),
    "intake:group_session": Row(
        lambda w: url("intake:group_session", w.group_session().pk), get=only(FD, PT)
    ),
    "intake:group_session_book": Row(
        lambda w: url("intake:group_session_book", w.group_session().pk, patient=w.patient.pk),
        post=only(FD, PT),
    ),
    "intake:group_session_attendance": Row(
        lambda w: url(
            "intake:group_session_attendance",
            w.group_session().pk,
            **{f"attendance-{w.group_booking().pk}": "attended"},
        ),
        post=only(FD, PT),
    ),
    "intake:appointment_mode": Row(
        lambda w: url(
            "intake:appointment_mode",
            w.appointment().pk,
            mode="video",
            video_link="https://video.example.org/room/42",
        ),
        get=only(FD, PT),
        post=only(FD, PT),
    ),
    # --- triage -----------------------------------------------------------------------------------
    # The physio in care triages. Another physio reads an unassigned episode at a site they work at
    # and may not POST until they take it; another site is refused (test_write_ownership.py).
    "triage:episode_triage": Row(
        lambda w: url("triage:episode_triage", w.episode.pk, **_triage_form()),
        get=only(PT),
        post=only(PT),
    ),
    # The front desk may hand the patient a questionnaire link too, for any episode (triage disposition);
    # a physio only for an episode they may write (triage/views.py docstring).
    "triage:questionnaire_link": Row(
        lambda w: url("triage:questionnaire_link", w.episode.pk),
        get=only(PT, FD),
        post=only(PT, FD),
    ),
    "triage:score": Row(lambda w: url("triage:score", sb_1="agree"), post=only(PT)),
    "triage:phone_screen": Row(
        lambda w: url(
            "triage:phone_screen", query=f"patient={w.patient.pk}", back_pain_main_reason="no"
        ),
        get=only(FD),
        post=only(FD),
    ),
    "triage:clear_alert": Row(
        lambda w: url("triage:clear_alert", w.alert().pk, note="Seen in ED: no fracture"),
        get=only(MD),
        post=only(MD),
    ),
    "triage:patient_questionnaire": Row(
        lambda w: url("triage:patient_questionnaire", w.questionnaire_token(), sb_1="agree"),
        get=PUBLIC,
        post=PUBLIC,
    ),
    "followup_measures:answer": Row(
        lambda w: url(
            "followup_measures:answer", w._once("invite", lambda: invite_token(w.episode))
        ),
        get=PUBLIC,
        post=PUBLIC,
    ),
    "learn:index": Row(lambda w: url("learn:index"), get=PUBLIC),
    "learn:for_stratum": Row(lambda w: url("learn:for_stratum", "high"), get=PUBLIC),
    "learn:topic": Row(lambda w: url("learn:topic", "staying-active"), get=PUBLIC),
    # --- the physiotherapist's clinical work (their own patients) -----------------------------------
    "care_episodes:physio_home": Row(lambda w: url("care_episodes:physio_home"), get=only(PT)),
    "care_episodes:episode_detail": Row(
        lambda w: url("care_episodes:episode_detail", w.episode.pk), get=only(PT)
    ),
    # An unassigned episode at a site the physio works at: they may take it into their care.
    "care_episodes:take_episode": Row(
        lambda w: url("care_episodes:take_episode", w.unassigned_episode().pk), post=only(PT)
    ),
    "care_episodes:assessment": Row(
        lambda w: url("care_episodes:assessment", w.episode.pk, **ASSESSMENT),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:outcome_add": Row(
        lambda w: url(
            "care_episodes:outcome_add",
            w.episode.pk,
            measured_on=_today(),
            timepoint="baseline",
            nprs="6",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:plan": Row(
        lambda w: url(
            "care_episodes:plan",
            w.episode.pk,
            education_topics=["stay_active"],
            goals="Garden again",
            safety_netting="Go to Emergency if numbness in the saddle area.",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:handout": Row(
        lambda w: url("care_episodes:handout", w.plan().episode_id), get=only(PT)
    ),
    "care_episodes:handout_pdf": Row(
        lambda w: url("care_episodes:handout_pdf", w.plan().episode_id), get=only(PT)
    ),
    "care_episodes:follow_up": Row(
        lambda w: url(
            "care_episodes:follow_up",
            w.episode.pk,
            care_model="physiotherapy_course",
            sessions="4",
            interval_weeks="2",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:discharge": Row(
        lambda w: url(
            "care_episodes:discharge",
            w.episode.pk,
            discharged_on=_today(),
            reason="goals_met",
            summary="Back at work",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:change_status": Row(
        lambda w: url("care_episodes:change_status", w.episode.pk, to_status="lost_to_follow_up"),
        post=only(PT),
    ),
    "care_episodes:note_draft": Row(
        lambda w: url("care_episodes:note_draft", w.assessed().pk), post=only(PT)
    ),
    "care_episodes:note_edit": Row(
        lambda w: url(
            "care_episodes:note_edit", w.draft_note().pk, title="Consultation", body="Seen."
        ),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:note_addendum": Row(
        lambda w: url("care_episodes:note_addendum", w.signed_note().pk), post=only(PT)
    ),
    "care_episodes:visit_add": Row(
        lambda w: url(
            "care_episodes:visit_add",
            w.episode.pk,
            visit_date=_today(),
            mode="video",
            subjective="Easier",
            treatment="Walking programme progressed",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "care_episodes:visit_edit": Row(
        lambda w: url(
            "care_episodes:visit_edit",
            w.episode.pk,
            w.visit().pk,
            visit_date=_today(),
            mode="phone",
            subjective="Easier",
            treatment="Advice",
        ),
        get=only(PT),
        post=only(PT),
    ),
    # The practice lead reads every episode of the team, signed notes included.
    "care_episodes:note_pdf": Row(
        lambda w: url("care_episodes:note_pdf", w.signed_note().pk), get=CLINICIANS | {PL}
    ),
    # --- the family physician: signed notes of their panel -----------------------------------------
    "care_episodes:physician_home": Row(
        lambda w: url("care_episodes:physician_home"), get=only(MD, NP)
    ),
    "care_episodes:physician_note": Row(
        lambda w: url("care_episodes:physician_note", w.signed_note().pk, text="Thanks."),
        get=only(MD),
        post=only(MD),
    ),
    "care_episodes:physician_episode": Row(
        lambda w: url("care_episodes:physician_episode", w.episode.pk), get=only(MD)
    ),
    # --- the practice lead: complex and escalated cases of the whole team, read-only, with advice ------
    "care_episodes:lead_home": Row(lambda w: url("care_episodes:lead_home"), get=only(PL)),
    "care_episodes:case_review": Row(
        lambda w: url("care_episodes:case_review", w.episode.pk, advice="Try graded activity."),
        get=only(PL),
        post=only(PL),
    ),
    # The physiotherapist in care asks for the review.
    "care_episodes:request_case_review": Row(
        lambda w: url(
            "care_episodes:request_case_review", w.episode.pk, question="No change at 6 weeks."
        ),
        post=only(PT),
    ),
    # --- manager (and the practice lead): aggregates only --------------------------------------------
    "dashboards:manager_home": Row(lambda w: url("dashboards:manager_home"), get=only(MGR, PL)),
    "dashboards:monthly_report": Row(lambda w: url("dashboards:monthly_report"), get=only(MGR, PL)),
    # --- referrals: the physio routes and tracks, the physician follows their panel's ----------------
    # The front desk sees the list's status columns (no clinical content) to book referred patients.
    "referrals:list": Row(lambda w: url("referrals:list"), get=only(FD, PT, MD, NP)),
    "referrals:episode_referrals": Row(
        lambda w: url(
            "referrals:episode_referrals",
            w.episode.pk,
            symptoms_started_on=_today(-70),
            risk="medium",
            leg_dominant="on",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "referrals:create": Row(
        lambda w: url(
            "referrals:create",
            w.episode.pk,
            "community_physio",
            destination=w.destination().pk,
            reason="Persistent pain",
            question="Please continue a course of physiotherapy.",
            tried="Exercise, advice",
        ),
        get=only(PT),
        post=only(PT),
    ),
    "referrals:decide": Row(
        lambda w: url(
            "referrals:decide",
            w.suggestion().pk,
            decision="declined",
            reason="Patient prefers to wait",
        ),
        post=only(PT),
    ),
    "referrals:detail": Row(lambda w: url("referrals:detail", w.referral().pk), get=CLINICIANS),
    "referrals:move": Row(
        lambda w: url("referrals:move", w.referral().pk, to_status="accepted", on=_today()),
        post=only(PT),
    ),
    "referrals:attach_report": Row(
        lambda w: url("referrals:attach_report", w.booked_referral().pk, report=pdf_upload()),
        post=CLINICIANS,
    ),
    "referrals:report_file": Row(
        lambda w: url("referrals:report_file", w.referral_with_report().pk), get=CLINICIANS
    ),
    "referrals:letter": Row(lambda w: url("referrals:letter", w.referral().pk), get=CLINICIANS),
    "referrals:letter_pdf": Row(
        lambda w: url("referrals:letter_pdf", w.referral().pk), get=CLINICIANS
    ),
    # --- notifications (staff) and the reminder outbox (manager only) -------------------------------
    "reminders:inbox": Row(lambda w: url("reminders:inbox"), get=STAFF),
    "reminders:mark_read": Row(lambda w: url("reminders:mark_read"), post=STAFF),
    "reminders:outbox": Row(lambda w: url("reminders:outbox"), get=only(MGR)),
    "reminders:resend": Row(
        lambda w: url("reminders:resend", w.failed_reminder().pk, generation="0"), post=only(MGR)
    ),
    "reminders:patient_history": Row(
        # NP: the page is theirs for their own panel; this patient is in MD's.
        lambda w: url("reminders:patient_history", w.patient.pk),
        get=STAFF - {NP},
    ),
    # --- patient pages (patients/): public, no account; the self-referral worklist is the desk's --
    "patients:refer": Row(lambda w: url("patients:refer"), get=PUBLIC),
    "patients:refer_done": Row(lambda w: url("patients:refer_done"), get=PUBLIC),
    "patients:emergency": Row(lambda w: url("patients:emergency"), get=PUBLIC),
    # Without a self-referral in the session it only sends back to the form (booking: test_self_referral).
    "patients:refer_book": Row(lambda w: url("patients:refer_book"), post=PUBLIC),
    "patients:set_language": Row(
        lambda w: url("patients:set_language", language="fr", next="/p/refer/"), post=PUBLIC
    ),
    "patients:worklist": Row(lambda w: url("patients:worklist"), get=only(FD)),
    "patients:worklist_item": Row(
        lambda w: url("patients:worklist_item", _self_referral().pk), get=only(FD)
    ),
    "patients:worklist_match": Row(
        lambda w: url("patients:worklist_match", _self_referral().pk, patient=w.patient.pk),
        post=only(FD),
    ),
    # Self-booking: anyone holding a link (the token is the key; booking, cancelling and moving
    # through it are tested in tests/patients/test_self_booking.py); the front desk sends links.
    "patients:book": Row(lambda w: url("patients:book", _booking_token(w)), get=PUBLIC),
    "patients:book_done": Row(lambda w: url("patients:book_done", _booking_token(w)), get=PUBLIC),
    "patients:book_cancelled": Row(
        lambda w: url("patients:book_cancelled", _booking_token(w)), get=PUBLIC
    ),
    "patients:book_calendar": Row(
        lambda w: url("patients:book_calendar", _booking_token(w)), get=PUBLIC
    ),
    # Waitlist offers: anyone holding the offer's link (accept/decline in test_waitlist_offers.py).
    "patients:offer": Row(lambda w: url("patients:offer", _offer_token(w)), get=PUBLIC),
    "patients:send_booking_link": Row(
        lambda w: url("patients:send_booking_link", w.patient.pk), post=only(FD)
    ),
}

ASSESSMENT = {
    "assessed_on": _today(),
    "presenting_complaint": "Low back pain after lifting",
    "onset": "Three weeks ago",
    "symptom_weeks": "3",
    "pattern": "back_dominant",
    "aggravating_factors": "Bending",
    "easing_factors": "Lying down",
    "work_status": "working_modified",
    "medications": "Acetaminophen",
    "myotomes": "normal",
    "dermatomes": "normal",
    "reflexes": "normal",
    "straight_leg_raise": "negative",
    "red_flag_screen": "No saddle anaesthesia, bladder and bowel normal.",
    "working_diagnosis": "Non-specific low back pain",
    "goals": "Return to full duties",
}

PEOPLE: list[Role | None] = [None, *Role]  # None: an anonymous visitor


def _items():
    for name, row in SPEC.items():
        for method, allowed in (("GET", row.get), ("POST", row.post)):
            if allowed is None:
                continue
            for who in PEOPLE:
                label = "anonymous" if who is None else who.name.lower()
                yield pytest.param(name, method, who, id=f"{name} {method} {label}")


MATRIX = list(_items())


def test_every_url_of_the_project_has_a_row_in_the_access_table():
    names = {route.name for route in APP_ROUTES}
    missing = sorted(names - SPEC.keys())
    stale = sorted(SPEC.keys() - names)
    assert not missing, f"URLs with no row in SPEC (say who may open them): {missing}"
    assert not stale, f"rows in SPEC for URLs that no longer exist: {stale}"
    assert all(
        (row.get is not None or row.post is not None) != bool(row.machine_guard)
        for row in SPEC.values()
    )


def test_every_view_declares_an_access_rule():
    """Each view wears a guard (role_required or public); what it allows is
    checked against SPEC by the matrix, never read from here."""
    undeclared = [
        route.path
        for route in APP_ROUTES
        if getattr(resolve(route.path).func, "allowed_roles", None) is None
    ]
    assert not undeclared, f"views without an access rule: {undeclared}"


def login_path() -> str:
    return reverse("login")


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(login_path())


def judge(response, who: Role | None, allowed: frozenset[Role] | str) -> str | None:
    """What is wrong with `response` for `who` under the table's `allowed` (None when right)."""
    is_allowed = allowed == PUBLIC or (who is not None and who in allowed)
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if allowed == PUBLIC and status in (200, 302):
        return None  # open to all; signing out goes back to the sign-in page
    if is_allowed:
        if status == 200 or (status == 302 and not _sent_to_login(response)):
            return None
        return f"{status}, expected 200 or a redirect to a page (this role is allowed)"
    if who is None:
        return None if _sent_to_login(response) else f"{status}, expected a redirect to sign in"
    return None if status == 403 else f"{status}, expected 403 (this role is refused)"


@pytest.fixture
def world(db):
    return AccessWorld()


@pytest.fixture
def clients(world):

    signed_in = {}
    for role, user in world.users.items():
        signed_in[role] = Client(raise_request_exception=False)
        signed_in[role].force_login(user)
    return signed_in


@pytest.fixture
def client_factory():
    return lambda: Client(raise_request_exception=False)


@pytest.mark.parametrize(("name", "method", "who"), MATRIX)
def test_access_matrix(name, method, who, world, client):
    row = SPEC[name]
    target = row.build(world)
    if who is not None:
        client.force_login(world.users[who])
    if method == "GET":
        response = client.get(target.path)
    else:
        response = client.post(target.path, target.data)
    allowed = row.get if method == "GET" else row.post
    problem = judge(response, who, allowed)
    assert problem is None, f"{method} {target.path} ({name}) as {who or 'anonymous'}: {problem}"


@pytest.mark.urls("tests.privacy.urls")
def test_a_view_that_lets_a_wrong_role_in_fails_the_matrix(world, client):
    """The test-only `leaky` page claims managers but lets anyone in: the table catches it."""
    client.force_login(world.users[FD])
    response = client.get("/test/leaky/")
    assert judge(response, FD, only(MGR)) == "200, expected 403 (this role is refused)"


def test_a_404_never_counts_as_allowed(world, client):
    client.force_login(world.users[PT])
    response = client.get(reverse("care_episodes:episode_detail", args=[999999]))
    assert response.status_code == 404
    assert judge(response, PT, only(PT)) is not None


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: f"{r.name} {r.path}")
def test_no_page_is_exempt_from_csrf_protection(route):
    assert not getattr(resolve(route.path).func, "csrf_exempt", False), route.path


def test_the_fhir_api_is_walked_as_token_only():
    names = {route.name for route in TOKEN_ROUTES}
    assert {"fhir:type", "fhir:instance", "fhir:binary", "fhir:base", "fhir:token"} <= names


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=lambda r: f"{r.name} {r.path}")
def test_token_only_urls_refuse_every_session(route, clients, client_factory):
    """No browser session opens the FHIR API, whatever the role: 401, never a page or a redirect
    (the token endpoint answers an OAuth error, 400 or 401, or 405 for GET, and no token)."""
    for role, client in [(None, client_factory()), *clients.items()]:
        for method in ("get", "post"):
            response = getattr(client, method)(route.path)
            expected = {400, 401, 405} if route.name == "fhir:token" else {401}
            assert b"access_token" not in response.content
            assert response.status_code in expected, (
                f"{method.upper()} {route.path} as {role}: {response.status_code}"
            )


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r.name} {r.path}")
def test_djangos_admin_is_closed_to_everyone_but_administrators(route, clients, client_factory):
    for role, client in [(None, client_factory()), *clients.items()]:
        if role is Role.ADMINISTRATOR:
            continue
        response = client.get(route.path, follow=True)
        final_path = response.request["PATH_INFO"]
        assert response.status_code in (403, 404) or final_path == login_path(), (
            f"{role}: {route.path} answered {response.status_code} at {final_path}"
        )
        assert b"Site administration" not in response.content


def test_administrators_with_staff_access_open_djangos_admin(clients):
    response = clients[Role.ADMINISTRATOR].get("/admin/")
    assert response.status_code == 200
    assert b"Users" in response.content


def test_a_staff_flag_without_the_administrator_role_does_not_open_the_admin(client, physio):
    physio.is_staff = True
    physio.save()
    client.force_login(physio)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_admin_sign_in_goes_through_the_apps_throttled_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(login_path())


def test_dummy_arguments_resolve_for_every_walked_url():
    for route in ROUTES:
        assert resolve(route.path), route
        assert not re.search(r"[<>()\\]", route.path), route.path
