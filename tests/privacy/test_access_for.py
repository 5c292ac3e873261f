"""Every role and relationship through lbp_pathway.access.*_for: the answer and the audit row.

The expected answers are the rule of the README's access section, written out here by hand: a physio
reads and writes episodes in their care, reads unassigned episodes at a site they work at (writes only
after taking them), and reaches anything else only through break-the-glass (read-only); a family
physician reads and writes for their own panel; other roles have no clinical access.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from intake.models import IncomingReferral, Referrer
from lbp_pathway import access
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent, EmergencyAccess
from tests.care_episodes.factories import NoteFactory
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory, UserFactory
from tests.intake.factories import WeeklyAvailabilityFactory
from tests.referrals.factories import ReferralFactory
from triage.models import PhysicianAlert

pytestmark = pytest.mark.django_db

ALLOWED_RW, ALLOWED_R, REFUSED = "read and write", "read only", "refused"

# (who, relationship to the episode) -> expected answer.
EPISODE_RULE = [
    ("physio", "in care", ALLOWED_RW),
    ("physio", "unassigned at a site they work at", ALLOWED_R),
    ("physio", "unassigned at another site", REFUSED),
    ("physio", "another physio's, same site", REFUSED),
    ("physio", "another physio's, break-the-glass", ALLOWED_R),
    ("physio", "expired break-the-glass", REFUSED),
    ("physician", "own panel", ALLOWED_RW),
    ("physician", "another panel", REFUSED),
    ("physician", "another panel, break-the-glass", ALLOWED_R),
    ("front desk", "any", REFUSED),
    ("manager", "any", REFUSED),
    ("administrator", "any", REFUSED),
]


class World:
    def __init__(self) -> None:
        self.site, self.other_site = SiteFactory(name="Kingston"), SiteFactory(name="Napanee")
        self.physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="me-pt")
        self.colleague = UserFactory(role=Role.PHYSIOTHERAPIST, username="other-pt")
        WeeklyAvailabilityFactory(practitioner=self.physio, site=self.site)
        self.physician = UserFactory(role=Role.FAMILY_PHYSICIAN, username="me-md")
        self.other_physician = UserFactory(role=Role.FAMILY_PHYSICIAN, username="other-md")
        self.users = {
            "physio": self.physio,
            "physician": self.physician,
            "front desk": UserFactory(role=Role.FRONT_DESK, username="desk"),
            "manager": UserFactory(role=Role.MANAGER, username="boss"),
            "administrator": UserFactory(role=Role.ADMINISTRATOR, username="admin1", is_staff=True),
        }

    def episode(self, who: str, relationship: str):
        panel = self.physician if relationship == "own panel" else self.other_physician
        patient = PatientFactory(family_physician=panel)
        fields = {"patient": patient, "site": self.site, "physiotherapist": self.colleague}
        if relationship == "in care":
            fields["physiotherapist"] = self.physio
        elif relationship == "unassigned at a site they work at":
            fields["physiotherapist"] = None
        elif relationship == "unassigned at another site":
            fields.update(physiotherapist=None, site=self.other_site)
        episode = EpisodeFactory(**fields)
        if "break-the-glass" in relationship:
            grant = EmergencyAccess.objects.create(
                user=self.users[who],
                patient_id=patient.pk,
                reason="Covering an urgent visit",
                expires_at=timezone.now() + timedelta(hours=1),
            )
            if relationship.startswith("expired"):
                # A grant's time and reason are never rewritten (migration lbp_pathway 0008): end it
                # at once instead.
                EmergencyAccess.objects.filter(pk=grant.pk).update(
                    expires_at=F("granted_at") + timedelta(microseconds=1)
                )
        return episode


@pytest.fixture
def world():
    return World()


def request_by(user, method="get"):
    request = getattr(RequestFactory(), method)("/somewhere/")
    request.user = user
    return request


def outcome(fetch, user, pk):
    """(read answer, write answer) for `fetch(request, pk, write=...)`."""
    answers = []
    for write in (False, True):
        try:
            fetch(request_by(user, "post" if write else "get"), pk, write=write)
        except PermissionDenied:
            answers.append(False)
        else:
            answers.append(True)
    read, write = answers
    return ALLOWED_RW if read and write else ALLOWED_R if read else REFUSED


def denied_rows(user, patient_id):
    return AuditEvent.objects.filter(
        user=user, action=AuditEvent.Action.DENIED, patient_id=patient_id
    ).count()


@pytest.mark.parametrize(("who", "relationship", "expected"), EPISODE_RULE)
def test_episode_for(world, who, relationship, expected):
    episode = world.episode(who, relationship)
    user = world.users[who]
    assert outcome(access.episode_for, user, episode.pk) == expected
    refusals = {ALLOWED_RW: 0, ALLOWED_R: 1, REFUSED: 2}[expected]
    assert denied_rows(user, episode.patient_id) == refusals, "each refusal is audited"
    if "break-the-glass" in relationship and expected != REFUSED:
        assert AuditEvent.objects.filter(
            user=user, action=AuditEvent.Action.BREAK_GLASS, patient_id=episode.patient_id
        ).exists()


@pytest.mark.parametrize(("who", "relationship", "expected"), EPISODE_RULE)
def test_note_for(world, who, relationship, expected):
    episode = world.episode(who, relationship)
    note = NoteFactory(
        episode=episode,
        author=world.colleague,
        signed_at=timezone.now(),
        signed_by=world.colleague,
    )
    user = world.users[who]
    assert outcome(access.note_for, user, note.pk) == expected
    assert (
        denied_rows(user, episode.patient_id) == {ALLOWED_RW: 0, ALLOWED_R: 1, REFUSED: 2}[expected]
    )


def test_the_referring_physician_reads_and_replies_to_the_signed_note_only(world):
    """Issue 17: the note goes to whoever referred. A physician of another panel who referred the
    patient reads the signed note (and replies: a write), never the draft nor the episode."""
    episode = world.episode("physician", "another panel")
    referrer = Referrer.objects.create(
        name="Dr Me", kind=Referrer.Kind.FAMILY_PHYSICIAN, user=world.physician
    )
    IncomingReferral.objects.create(
        patient=episode.patient,
        referrer=referrer,
        episode=episode,
        reason="Back pain",
        received_on=timezone.localdate(),
    )
    signed = NoteFactory(
        episode=episode, author=world.colleague, signed_at=timezone.now(), signed_by=world.colleague
    )
    assert outcome(access.note_for, world.physician, signed.pk) == ALLOWED_RW
    assert outcome(access.episode_for, world.physician, episode.pk) == REFUSED
    assert outcome(access.note_for, world.other_physician, signed.pk) == ALLOWED_RW  # their panel
    stranger = UserFactory(role=Role.FAMILY_PHYSICIAN, username="third-md")
    assert outcome(access.note_for, stranger, signed.pk) == REFUSED
    with pytest.raises(Http404):
        access.note_for(request_by(world.physician), NoteFactory(episode=episode, version=2).pk)


def test_a_physician_never_sees_a_draft_note(world):
    episode = world.episode("physician", "own panel")
    draft = NoteFactory(episode=episode, author=world.colleague)
    with pytest.raises(Http404):
        access.note_for(request_by(world.physician), draft.pk)


@pytest.mark.parametrize(("who", "relationship", "expected"), EPISODE_RULE)
def test_referral_for(world, who, relationship, expected):
    episode = world.episode(who, relationship)
    referral = ReferralFactory(episode=episode)
    user = world.users[who]
    assert outcome(access.referral_for, user, referral.pk) == expected
    assert (
        denied_rows(user, episode.patient_id) == {ALLOWED_RW: 0, ALLOWED_R: 1, REFUSED: 2}[expected]
    )


@pytest.mark.parametrize(
    ("who", "panel", "expected"),
    [
        ("physician", "own", ALLOWED_RW),
        ("physician", "another", REFUSED),
        ("physician", "none on file", ALLOWED_RW),
        ("physio", "own", REFUSED),
        ("front desk", "none on file", REFUSED),
        ("manager", "none on file", REFUSED),
    ],
)
def test_alert_for(world, who, panel, expected):
    physician = {"own": world.physician, "another": world.other_physician, "none on file": None}[
        panel
    ]
    patient = PatientFactory(family_physician=physician)
    alert = PhysicianAlert.objects.create(
        patient=patient,
        physician=physician,
        kind=PhysicianAlert.Kind.EMERGENCY,
        message="Emergency symptom on the phone",
        due_at=timezone.now(),
        created_at=timezone.now(),
    )
    user = world.users[who]
    assert outcome(access.alert_for, user, alert.pk) == expected
    assert denied_rows(user, patient.pk) == (2 if expected == REFUSED else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("front desk", True),
        ("physio", True),
        ("physician", False),  # another panel's patient
        ("manager", False),
        ("administrator", False),
    ],
)
def test_patient_for_demographics(world, who, expected):
    patient = PatientFactory(family_physician=world.other_physician)
    user = world.users[who]
    try:
        found = access.patient_for(request_by(user), patient.pk)
    except PermissionDenied:
        found = None
    assert (found == patient) is expected
    assert denied_rows(user, patient.pk) == (0 if expected else 1)


def test_missing_objects_are_404_and_anonymous_users_are_refused(world):
    for fetch in (access.episode_for, access.note_for, access.referral_for, access.alert_for):
        with pytest.raises(Http404):
            fetch(request_by(world.physio), 987654)
    episode = world.episode("physio", "in care")
    with pytest.raises(PermissionDenied):
        access.episode_for(request_by(AnonymousUser()), episode.pk)


@pytest.mark.parametrize(
    ("url_name", "record"),
    [
        ("care_episodes:episode_detail", "episode"),
        ("care_episodes:discharge", "episode"),
        ("care_episodes:note_edit", "note"),
        ("care_episodes:physician_note", "note"),
        ("referrals:detail", "referral"),
        ("intake:patient_detail", "patient"),
    ],
)
def test_a_role_refused_at_the_door_is_audited_with_the_patient(world, client, url_name, record):
    """A wrong role is turned away before any lookup, yet the audit row still names the patient."""
    episode = world.episode("physio", "in care")
    target = {
        "episode": lambda: episode.pk,
        "note": lambda: (
            NoteFactory(
                episode=episode,
                author=world.physio,
                signed_at=timezone.now(),
                signed_by=world.physio,
            ).pk
        ),
        "referral": lambda: ReferralFactory(episode=episode).pk,
        "patient": lambda: episode.patient_id,
    }[record]()
    manager = world.users["manager"]
    client.force_login(manager)
    assert client.get(reverse(url_name, args=[target])).status_code == 403
    assert denied_rows(manager, episode.patient_id) == 1
