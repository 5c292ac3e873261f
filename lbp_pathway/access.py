"""Who may do what, in one place: the roles, the access matrix (which role sees which part of a patient's
record, and for which patients), home pages, navigation, and the guards every view wears.

Views declare who may open them with `role_required(...)` or `public`, then fetch any patient record
through one function per kind of object (`episode_for`, `note_for`, `referral_for`, `alert_for`,
`patient_for`, at the bottom of this module), which answers 404 or an audited 403.
tests/privacy/test_url_matrix.py walks every URL for every role against a hand-written table;
tests/privacy/test_access_for.py walks every relationship through the fetch functions.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lbp_pathway import audit
from lbp_pathway.backends import GROUP_NAMES
from lbp_pathway.models import EmergencyAccess
from lbp_pathway.records import EpisodeRecord, PatientRecord

StrOrPromise = str | Promise

# A view function; the guards below hand it back with its own signature.
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class Role(StrEnum):
    FRONT_DESK = "Front desk"
    PHYSIOTHERAPIST = "Physiotherapist"
    FAMILY_PHYSICIAN = "Family physician"
    # A nurse practitioner is a patient's primary care provider like a family physician: they refer
    # and read the notes of their own panel (Patient.family_physician names either).
    NURSE_PRACTITIONER = "Nurse practitioner"
    # The practice lead reviews complex or escalated cases and reads every episode of the team (never
    # writes them: their advice is a case review of its own).
    PRACTICE_LEAD = "Practice lead"
    MANAGER = "Manager"
    ADMINISTRATOR = "Administrator"


# The roles as people read them (Role's values are the names of the Django groups: data, never
# translated).
ROLE_LABELS: dict[Role, StrOrPromise] = {
    Role.FRONT_DESK: _("Front desk"),
    Role.PHYSIOTHERAPIST: _("Physiotherapist"),
    Role.FAMILY_PHYSICIAN: _("Family physician"),
    Role.NURSE_PRACTITIONER: _("Nurse practitioner"),
    Role.PRACTICE_LEAD: _("Practice lead"),
    Role.MANAGER: _("Manager"),
    Role.ADMINISTRATOR: _("Administrator"),
}

# Each role lands on its own home page (URL names).
HOME = {
    Role.FRONT_DESK: "intake:home",
    Role.PHYSIOTHERAPIST: "care_episodes:physio_home",
    Role.FAMILY_PHYSICIAN: "care_episodes:physician_home",
    Role.NURSE_PRACTITIONER: "care_episodes:physician_home",
    Role.PRACTICE_LEAD: "care_episodes:lead_home",
    Role.MANAGER: "dashboards:manager_home",
    Role.ADMINISTRATOR: "administration_home",
}

# Navigation per role: (label, URL name), only what the role may open. An entry whose page does not
# exist yet is left out of the menu (see context_processors.navigation).
NAVIGATION: dict[Role, list[tuple[StrOrPromise, str]]] = {
    Role.FRONT_DESK: [
        (_("Front desk"), "intake:home"),
        (_("Patients"), "intake:patient_search"),
        (_("Book"), "intake:slot_search"),
        (_("Referrals in"), "intake:referral_worklist"),
        (_("Waitlist"), "intake:waitlist"),
        (_("Day sheets"), "intake:day_sheet"),
        (_("Notifications"), "reminders:inbox"),
    ],
    Role.PHYSIOTHERAPIST: [
        (_("My patients"), "care_episodes:physio_home"),
        (_("Day sheet"), "intake:day_sheet"),
        (_("Referrals"), "referrals:list"),
        (_("Notifications"), "reminders:inbox"),
    ],
    Role.FAMILY_PHYSICIAN: [
        (_("Inbox"), "care_episodes:physician_home"),
        (_("Refer to physio"), "intake:refer_patient"),
        (_("Referrals"), "referrals:list"),
        (_("Notifications"), "reminders:inbox"),
    ],
    Role.NURSE_PRACTITIONER: [
        (_("Inbox"), "care_episodes:physician_home"),
        (_("Refer to physio"), "intake:refer_patient"),
        (_("Referrals"), "referrals:list"),
        (_("Notifications"), "reminders:inbox"),
    ],
    Role.PRACTICE_LEAD: [
        (_("Case reviews"), "care_episodes:lead_home"),
        (_("Dashboard"), "dashboards:manager_home"),
        (_("Notifications"), "reminders:inbox"),
    ],
    Role.MANAGER: [
        (_("Dashboard"), "dashboards:manager_home"),
        (_("Reminders"), "reminders:outbox"),
    ],
    Role.ADMINISTRATOR: [
        (_("Administration"), "administration_home"),
        (_("Users"), "admin:index"),
        (_("Audit log"), "audit_log"),
        (_("Break-glass review"), "break_glass_review"),
        (_("Security"), "security_settings"),
    ],
}


class Area(StrEnum):
    """Parts of the record and of the service, as the access matrix names them."""

    DEMOGRAPHICS = "demographics"  # name, date of birth, contact details, health card
    SCHEDULING = "scheduling"  # slots, appointments, day sheets, waitlist
    REFERRAL_WORKLIST = "referral worklist"  # referrals in, their status
    TRIAGE_DISPOSITION = (
        "triage disposition"  # the outcome (book, urgent, emergency), not the answers
    )
    CLINICAL_RECORDS = "clinical records"  # triage answers, assessments, notes, alerts, episodes
    AGGREGATES = "aggregates"  # dashboards and reports without patient identities
    CONFIGURATION = "configuration"  # users, roles, sites, security settings
    AUDIT_LOG = "audit log"  # who looked at what (metadata, no clinical content)


class Scope(StrEnum):
    ALL = "every patient"
    IN_CARE = "patients in the physiotherapist's care"  # an episode with them as physiotherapist
    PANEL = "patients in the physician's panel"  # Patient.family_physician
    TEAM = "every patient of the team, read only"  # the practice lead


# The access matrix (PHIPA: the minimum a role needs for its work). Absent means no access.
ACCESS: dict[Role, dict[Area, Scope]] = {
    Role.FRONT_DESK: {
        Area.DEMOGRAPHICS: Scope.ALL,
        Area.SCHEDULING: Scope.ALL,
        Area.REFERRAL_WORKLIST: Scope.ALL,
        Area.TRIAGE_DISPOSITION: Scope.ALL,
    },
    Role.PHYSIOTHERAPIST: {
        Area.DEMOGRAPHICS: Scope.ALL,
        Area.SCHEDULING: Scope.ALL,
        Area.REFERRAL_WORKLIST: Scope.ALL,
        Area.TRIAGE_DISPOSITION: Scope.ALL,
        Area.CLINICAL_RECORDS: Scope.IN_CARE,
    },
    Role.FAMILY_PHYSICIAN: {
        Area.DEMOGRAPHICS: Scope.PANEL,
        Area.TRIAGE_DISPOSITION: Scope.PANEL,
        Area.CLINICAL_RECORDS: Scope.PANEL,
    },
    Role.NURSE_PRACTITIONER: {
        Area.DEMOGRAPHICS: Scope.PANEL,
        Area.TRIAGE_DISPOSITION: Scope.PANEL,
        Area.CLINICAL_RECORDS: Scope.PANEL,
    },
    Role.PRACTICE_LEAD: {
        Area.DEMOGRAPHICS: Scope.TEAM,
        Area.TRIAGE_DISPOSITION: Scope.TEAM,
        Area.CLINICAL_RECORDS: Scope.TEAM,
        Area.AGGREGATES: Scope.ALL,
    },
    Role.MANAGER: {Area.AGGREGATES: Scope.ALL},
    Role.ADMINISTRATOR: {Area.CONFIGURATION: Scope.ALL, Area.AUDIT_LOG: Scope.ALL},
}

# Clinicians may open a record outside their care or panel with a recorded reason ("break the glass");
# the access is time-limited, audited as break_glass and reviewed by the privacy officer.
BREAK_GLASS_ROLES = frozenset(
    {Role.FAMILY_PHYSICIAN, Role.NURSE_PRACTITIONER, Role.PHYSIOTHERAPIST}
)

# The primary care providers: they refer to the physiotherapist, clear red-flag alerts and read the
# consultation notes of their panel.
PRIMARY_CARE = (Role.FAMILY_PHYSICIAN, Role.NURSE_PRACTITIONER)


def roles_of(user: User | AnonymousUser) -> list[Role]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_lbp_roles", None)
    if cached is None:
        # The request's user comes with its group names (lbp_pathway.backends); others ask.
        loaded = getattr(user, GROUP_NAMES, None)
        names = set(loaded if loaded is not None else user.groups.values_list("name", flat=True))
        cached = [role for role in Role if role.value in names]
        user._lbp_roles = cached  # type: ignore[attr-defined]  # cached on the user for the request
    return cached


def has_role(user: User | AnonymousUser, *roles: Role) -> bool:
    return any(role in roles for role in roles_of(user))


def roles_with(area: Area) -> frozenset[Role]:
    return frozenset(role for role, areas in ACCESS.items() if area in areas)


class Basis(StrEnum):
    """Why a user may see a patient's record; shown in the audit log's `reason`."""

    ROLE = "role"
    IN_CARE = "in care"
    PANEL = "panel"
    SITE = "unassigned, at the physiotherapist's site"
    BREAK_GLASS = "break the glass"
    REFERRER = "referred the patient"


def _in_care(user: User, patient: PatientRecord) -> bool:
    Episode = apps.get_model("care_episodes", "Episode")  # a higher floor's model, by name
    return Episode.objects.filter(patient_id=patient.pk, physiotherapist_id=user.pk).exists()


def _in_panel(user: User, patient: PatientRecord) -> bool:
    return patient.family_physician_id is not None and patient.family_physician_id == user.pk


def active_emergency_access(user: User | AnonymousUser, patient_id: int) -> EmergencyAccess | None:
    if not user.is_authenticated:
        return None
    return (
        EmergencyAccess.objects.filter(
            user_id=user.pk, patient_id=patient_id, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def access_basis(
    user: User | AnonymousUser, patient: PatientRecord, area: Area = Area.CLINICAL_RECORDS
) -> Basis | None:
    """Why `user` may see `area` of `patient`'s record, or None when they may not."""
    if not user.is_authenticated or not user.is_active:
        return None
    roles = roles_of(user)
    scopes = {ACCESS[role][area] for role in roles if area in ACCESS[role]}
    if Scope.ALL in scopes or Scope.TEAM in scopes:
        return Basis.ROLE
    if Scope.PANEL in scopes and _in_panel(user, patient):
        return Basis.PANEL
    if Scope.IN_CARE in scopes and _in_care(user, patient):
        return Basis.IN_CARE
    if (
        area in (Area.CLINICAL_RECORDS, Area.DEMOGRAPHICS, Area.TRIAGE_DISPOSITION)
        and BREAK_GLASS_ROLES.intersection(roles)
        and active_emergency_access(user, patient.pk) is not None
    ):
        return Basis.BREAK_GLASS
    return None


def can_view_patient_clinical(user: User | AnonymousUser, patient: PatientRecord) -> bool:
    return access_basis(user, patient, Area.CLINICAL_RECORDS) is not None


def can_break_glass(user: User | AnonymousUser) -> bool:
    return bool(BREAK_GLASS_ROLES.intersection(roles_of(user)))


class PatientAccessDenied(PermissionDenied):
    """Refused access to one patient's record; the 403 page offers break the glass when allowed."""

    def __init__(self, patient_id: int | None, message: str = "") -> None:
        self.patient_id = patient_id
        super().__init__(message or "This patient's record is not available to you.")


def _audit_denied(request: HttpRequest, what: str, patient_id: int | None) -> None:
    audit.record(request, audit.Action.DENIED, what, patient_id=patient_id)


def require_patient_access(
    request: HttpRequest,
    patient: PatientRecord,
    *,
    area: Area = Area.CLINICAL_RECORDS,
    what: str = "Patient record",
) -> Basis:
    """Return why the signed-in user may see `area` of `patient`'s record; otherwise record a `denied`
    audit event and raise PatientAccessDenied (403). Recording the `view` itself is the caller's job
    (`patient_for` records a break-the-glass access itself)."""
    basis = access_basis(request.user, patient, area)
    if basis is None:
        _audit_denied(request, what, patient.pk)
        raise PatientAccessDenied(patient.pk)
    return basis


def patient_from_url(**kwargs: Any) -> PatientRecord:
    """The patient named by the `patient_id` (or `pk`) URL argument, or 404."""
    Patient = apps.get_model("intake", "Patient")  # a higher floor's model, by name
    pk = kwargs.get("patient_id", kwargs.get("pk"))
    if pk is None:
        raise Http404("No such patient.")
    try:
        return cast(PatientRecord, Patient.objects.get(pk=pk))
    except (Patient.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such patient.") from error


# URL arguments that name a record, and how to find its patient, for the audit row of a refusal.
_PATIENT_OF: dict[str, tuple[str, str]] = {
    "episode_id": ("care_episodes.Episode", "patient_id"),
    "note_id": ("care_episodes.ConsultationNote", "episode__patient_id"),
    "referral_id": ("referrals.Referral", "episode__patient_id"),
    "alert_id": ("triage.PhysicianAlert", "patient_id"),
}


def _patient_id_in(url_kwargs: dict[str, Any]) -> int | None:
    """The patient a refused URL was about (`patient_id`, or a record naming one), for the audit log."""
    patient_id = url_kwargs.get("patient_id")
    if isinstance(patient_id, int):
        return patient_id
    for argument, (label, path) in _PATIENT_OF.items():
        pk = url_kwargs.get(argument)
        if isinstance(pk, int):
            found = apps.get_model(label).objects.filter(pk=pk).values_list(path, flat=True).first()
            return found if isinstance(found, int) else None
    return None


def role_required(*roles: Role) -> Callable[[View], View]:
    """Guard a view: anonymous users go to the login page, other roles get 403.

    The allowed roles are kept on the view (`allowed_roles`) so the access-matrix test can check that
    every URL declares who may open it. A refusal on a URL naming a patient (`patient_id`) is audited.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                match = request.resolver_match
                _audit_denied(
                    request,
                    f"Page refused: {match.view_name if match else request.path}",
                    _patient_id_in(kwargs),
                )
                raise PermissionDenied(gettext("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        guarded.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return cast(View, guarded)

    return decorator


def public(view: View) -> View:
    """Mark a view as open without login (login page, health check, patient questionnaire link)."""
    view.allowed_roles = "public"  # type: ignore[attr-defined]
    return view


def any_signed_in(view: View) -> View:
    return role_required(*Role)(view)


# Fetch and authorize: one function per kind of object, used by every view that opens one. -----------
#
# The rule for a care episode (and what hangs off it: triage, notes, outcomes, referrals) is written
# once, in `episode_grant`:
# - a physiotherapist reads and writes the episodes in their care; they read an unassigned episode at
#   a site they work at (or one not yet at any site: the team's shared queue) and write it only after
#   taking it;
# - a family physician or nurse practitioner reads and writes (replies, clears alerts) for patients
#   in their panel; the practice lead reads every episode of the team and writes none;
# - a clinician with a live break-the-glass grant reads, never writes;
# - roles the matrix gives every patient for the area (front desk for scheduling) read and write;
# - anyone else is refused: 403, audited as `denied` with the patient id.
# Models are looked up by name: the foundation imports no feature app.


class Grant(StrEnum):
    """What a user may do with one object."""

    READ = "read"
    WRITE = "write"


def _works_at(user: User, site_id: int | None) -> bool:
    if site_id is None:
        return True
    availability = apps.get_model("intake", "WeeklyAvailability")
    return availability.objects.filter(practitioner_id=user.pk, site_id=site_id).exists()


def episode_grant(
    user: User | AnonymousUser, episode: EpisodeRecord, area: Area = Area.CLINICAL_RECORDS
) -> tuple[Grant, Basis] | None:
    """What `user` may do with `episode` (and the records that hang off it), and why; None: nothing."""
    if not user.is_authenticated or not user.is_active:
        return None
    roles = roles_of(user)
    scopes = {ACCESS[role][area] for role in roles if area in ACCESS[role]}
    if Scope.ALL in scopes:
        return Grant.WRITE, Basis.ROLE
    if Scope.TEAM in scopes:
        return Grant.READ, Basis.ROLE
    if Scope.IN_CARE in scopes:
        if episode.physiotherapist_id == user.pk:
            return Grant.WRITE, Basis.IN_CARE
        if episode.physiotherapist_id is None and _works_at(user, episode.site_id):
            return Grant.READ, Basis.SITE
    if Scope.PANEL in scopes and _in_panel(user, episode.patient):
        return Grant.WRITE, Basis.PANEL
    if (
        area in (Area.CLINICAL_RECORDS, Area.DEMOGRAPHICS, Area.TRIAGE_DISPOSITION)
        and BREAK_GLASS_ROLES.intersection(roles)
        and active_emergency_access(user, episode.patient_id) is not None
    ):
        return Grant.READ, Basis.BREAK_GLASS
    return None


def refuse(request: HttpRequest, what: str, patient_id: int | None, message: str = "") -> NoReturn:
    """Record a `denied` audit event about the patient and answer 403."""
    _audit_denied(request, what, patient_id)
    raise PatientAccessDenied(patient_id, message)


def _record_break_glass(request: HttpRequest, what: str, patient_id: int) -> None:
    """Every access under a break-the-glass grant is audited as such, with the grant's reason."""
    grant_row = active_emergency_access(request.user, patient_id)
    audit.record(
        request,
        audit.Action.BREAK_GLASS,
        what,
        patient_id=patient_id,
        reason=grant_row.reason if grant_row else "",
    )


def _authorize(
    request: HttpRequest, episode: EpisodeRecord, *, write: bool, area: Area, what: str
) -> tuple[Grant, Basis]:
    granted = episode_grant(request.user, episode, area)
    if granted is None:
        refuse(request, what, episode.patient_id)
    grant, basis = granted
    if write and grant is not Grant.WRITE:
        if basis is Basis.SITE:
            refuse(
                request,
                f"{what} (write)",
                episode.patient_id,
                "Take this episode into your care before changing it.",
            )
        refuse(request, f"{what} (write)", episode.patient_id, "You may read this record only.")
    if basis is Basis.BREAK_GLASS:
        _record_break_glass(request, what, episode.patient_id)
    request.access_basis = basis  # type: ignore[attr-defined]
    request.access_grant = grant  # type: ignore[attr-defined]
    return granted


def episode_for(
    request: HttpRequest,
    pk: int,
    *,
    write: bool = False,
    area: Area = Area.CLINICAL_RECORDS,
    what: str = "Care episode",
) -> Any:
    """The episode `pk` if the signed-in user may read it (or write it, with `write=True`).

    404 when there is none; 403, audited with the patient id, when the rule above refuses."""
    episode_model = apps.get_model("care_episodes", "Episode")
    episode = get_object_or_404(
        episode_model.objects.select_related("patient", "physiotherapist", "site"), pk=pk
    )
    _authorize(request, episode, write=write, area=area, what=f"{what} {pk}")
    return episode


def _reads_as_referrer(user: User | AnonymousUser, episode: EpisodeRecord) -> bool:
    """A clinician of the team who referred the patient for this episode (by their Referrer row or,
    for older referrals, their account), when the episode's own rule gives them nothing: they receive
    its signed consultation notes (issue 17), and nothing else of the episode."""
    if not user.is_authenticated or not user.is_active:
        return False
    if has_role(user, Role.PHYSIOTHERAPIST) or episode_grant(user, episode) is not None:
        return False
    referral_model = apps.get_model("intake", "IncomingReferral")  # a higher floor's model, by name
    return bool(
        referral_model.objects.filter(episode_id=episode.pk)
        .filter(Q(referrer__user_id=user.pk) | Q(referring_physician_id=user.pk))
        .exists()
    )


def note_for(
    request: HttpRequest, pk: int, *, write: bool = False, signed_only: bool = False
) -> Any:
    """A consultation note, under its episode's rule; family physicians see signed notes only."""
    note_model = apps.get_model("care_episodes", "ConsultationNote")
    note = get_object_or_404(
        note_model.objects.select_related("episode__patient", "author", "signed_by"), pk=pk
    )
    if (signed_only or not has_role(request.user, Role.PHYSIOTHERAPIST)) and note.signed_at is None:
        raise Http404("No such signed note.")
    if _reads_as_referrer(request.user, note.episode):
        # The signed note goes to whoever referred: they read it and reply (a reply is a write).
        request.access_basis = Basis.REFERRER  # type: ignore[attr-defined]
        request.access_grant = Grant.WRITE  # type: ignore[attr-defined]
        return note
    _authorize(
        request,
        note.episode,
        write=write,
        area=Area.CLINICAL_RECORDS,
        what=f"Consultation note {pk}",
    )
    return note


def referral_for(request: HttpRequest, pk: int, *, write: bool = False) -> Any:
    """A referral out, under its episode's rule."""
    referral_model = apps.get_model("referrals", "Referral")
    referral = get_object_or_404(
        referral_model.objects.select_related(
            "episode__patient", "episode__physiotherapist", "destination", "matched_destination"
        ),
        pk=pk,
    )
    _authorize(
        request, referral.episode, write=write, area=Area.CLINICAL_RECORDS, what=f"Referral {pk}"
    )
    return referral


def alert_for(request: HttpRequest, pk: int, *, write: bool = False) -> Any:
    """A red-flag alert: the patient's family physician (or nurse practitioner) today; an alert for a
    patient with no one on file belongs to every primary care provider of the team."""
    alert_model = apps.get_model("triage", "PhysicianAlert")
    alert = get_object_or_404(
        alert_model.objects.select_related("patient", "episode", "decision"), pk=pk
    )
    # A self-referral's alert (no patient matched yet) is every family physician's.
    current = alert.patient.family_physician_id if alert.patient is not None else None
    mine = current is None or current == request.user.pk
    if not (has_role(request.user, *PRIMARY_CARE) and mine):
        refuse(
            request, f"Red-flag alert {pk}", alert.patient_id, "This patient is not in your panel."
        )
    return alert


def patient_for(
    request: HttpRequest,
    pk: int | str,
    *,
    area: Area = Area.DEMOGRAPHICS,
    what: str = "Patient record",
) -> Any:
    """A patient, if the matrix gives the signed-in user `area` of their record (403 audited)."""
    patient_model = apps.get_model("intake", "Patient")
    try:
        patient = patient_model.objects.select_related("family_physician").get(pk=pk)
    except (patient_model.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such patient.") from error
    basis = require_patient_access(request, patient, area=area, what=what)
    if basis is Basis.BREAK_GLASS:
        _record_break_glass(request, what, patient.pk)
    request.access_basis = basis  # type: ignore[attr-defined]
    return patient
