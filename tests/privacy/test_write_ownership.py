"""Ownership on every write: a physiotherapist writes only on episodes in their care, a family
physician only for patients in their panel (Patient.family_physician).

For each write a clinician makes on an episode, note, outcome, referral or alert, another clinician of
the same role (another physiotherapist at another site; another physician) is refused with 403 or 404
and the database is left exactly as it was (every row of the clinical and booking tables; the audit
log, which records the refusal, aside); so is a clinician holding a break-the-glass grant for the
patient (break the glass opens the record to read, not to write). Then the clinician in care or with
the patient in their panel makes the same write and it lands."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.utils import timezone

from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.factories import EpisodeFactory
from tests.privacy.factories import AccessWorld, EmergencyAccessFactory
from tests.privacy.test_url_matrix import SPEC, Target, url

WATCHED_APPS = ("intake", "care_episodes", "triage", "referrals", "reminders")


def snapshot() -> dict[str, list[dict]]:
    """Every row of the clinical, booking, referral and reminder tables, and the break-glass grants."""
    models = [m for label in WATCHED_APPS for m in apps.get_app_config(label).get_models()]
    models.append(apps.get_model("lbp_pathway", "EmergencyAccess"))
    return {
        model._meta.label: [
            {k: str(v) for k, v in row.items()} for row in model.objects.order_by("pk").values()
        ]
        for model in models
    }


@dataclass(frozen=True)
class Write:
    owner: Role  # PHYSIOTHERAPIST: the physio in care; FAMILY_PHYSICIAN: the patient's physician
    build: object  # AccessWorld -> Target


def from_table(name: str, owner: Role = Role.PHYSIOTHERAPIST) -> Write:
    """The write as the access table posts it (valid data)."""
    return Write(owner, SPEC[name].build)


def _note_sign(w: AccessWorld) -> Target:
    return url(
        "care_episodes:note_edit", w.draft_note().pk, title="Consultation", body="Seen.", sign="1"
    )


WRITES: dict[str, Write] = {
    "assessment": from_table("care_episodes:assessment"),
    "outcome entry": from_table("care_episodes:outcome_add"),
    "self-management plan": from_table("care_episodes:plan"),
    "follow-up plan": from_table("care_episodes:follow_up"),
    "discharge": from_table("care_episodes:discharge"),
    "episode status change": from_table("care_episodes:change_status"),
    "taking an unassigned episode into care": from_table("care_episodes:take_episode"),
    "note draft": from_table("care_episodes:note_draft"),
    "note edit": from_table("care_episodes:note_edit"),
    "note sign": Write(Role.PHYSIOTHERAPIST, _note_sign),
    "note addendum": from_table("care_episodes:note_addendum"),
    "visit note": from_table("care_episodes:visit_add"),
    "visit note edit": from_table("care_episodes:visit_edit"),
    "triage record": from_table("triage:episode_triage"),
    "questionnaire link": from_table("triage:questionnaire_link"),
    "routing review": from_table("referrals:episode_referrals"),
    "routing suggestion decision": from_table("referrals:decide"),
    "referral creation": from_table("referrals:create"),
    "referral status change": from_table("referrals:move"),
    "referral report (physio)": from_table("referrals:attach_report"),
    # The family physician's writes: their own panel only.
    "reply to a note": from_table("care_episodes:physician_note", Role.FAMILY_PHYSICIAN),
    "note marked read": Write(
        Role.FAMILY_PHYSICIAN,
        lambda w: url("care_episodes:physician_note", w.signed_note().pk, mark_read="1"),
    ),
    "clear a red-flag alert": from_table("triage:clear_alert", Role.FAMILY_PHYSICIAN),
    "referral report (physician)": from_table("referrals:attach_report", Role.FAMILY_PHYSICIAN),
    "refer to the physio": from_table("intake:refer_patient", Role.FAMILY_PHYSICIAN),
}


def _intruders(w: AccessWorld, owner: Role) -> dict[str, object]:
    """Clinicians of the owner's role who must not write: a stranger, and one who broke the glass."""
    if owner is Role.PHYSIOTHERAPIST:
        stranger = w.other_physio
        glass = w.make_user(Role.PHYSIOTHERAPIST, "matrix-glass-physio")
    else:
        stranger = w.other_physician
        glass = w.make_user(Role.FAMILY_PHYSICIAN, "matrix-glass-physician")
    EmergencyAccessFactory(user=glass, patient_id=w.patient.pk)
    return {"another " + owner.value.lower(): stranger, "break the glass": glass}


@pytest.fixture
def world(db):
    return AccessWorld()


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_only_the_clinician_in_charge_makes_the_write(write, world, client):
    spec = WRITES[write]
    spec.build(world)  # make the objects first: the snapshot must not see them appear
    intruders = _intruders(world, spec.owner)
    before = snapshot()
    for who, user in intruders.items():
        client.force_login(user)
        target = spec.build(world)
        response = client.post(target.path, target.data)
        assert response.status_code in (403, 404), (
            f"{write}: {who} ({user.username}) got {response.status_code}, expected 403 or 404"
        )
        assert snapshot() == before, f"{write}: {who} was refused but the database changed"

    owner = world.users[spec.owner]
    client.force_login(owner)
    target = spec.build(world)
    response = client.post(target.path, target.data)
    assert response.status_code in (200, 302), f"{write}: the owner got {response.status_code}"
    assert snapshot() != before, f"{write}: the clinician in charge wrote nothing"


def test_the_snapshot_sees_a_changed_row(world):
    """What the test above relies on: one changed field anywhere shows in the snapshot."""
    before = snapshot()
    world.patient.phone = "613-555-0000"
    world.patient.save()
    assert snapshot() != before


def test_a_physio_may_not_write_on_an_episode_of_another_physio_even_at_the_same_site(
    world, client
):

    episode = EpisodeFactory(
        patient=world.patient, physiotherapist=world.other_physio, site=world.site, status="in_care"
    )
    client.force_login(world.physio)
    before = snapshot()
    response = client.post(
        url("care_episodes:discharge", episode.pk).path,
        {"discharged_on": timezone.localdate().isoformat(), "reason": "goals_met"},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_a_physician_whose_patient_left_the_panel_may_no_longer_open_or_clear_its_alert(
    world, client
):
    """The alert names the physician of the day it was raised; the panel is today's
    (Patient.family_physician, which the front desk may change)."""
    alert = world.alert()
    world.patient.family_physician = world.other_physician
    world.patient.save()
    client.force_login(world.physician)
    path = url("triage:clear_alert", alert.pk).path
    assert client.get(path).status_code == 403
    before = snapshot()
    assert client.post(path, {"note": "Seen in ED: no fracture"}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("write", ["triage:episode_triage", "triage:questionnaire_link"])
def test_a_physio_reads_an_unassigned_episode_at_their_site_and_writes_it_only_once_taken(
    write, world, client
):
    """The triage page and the patient link of an episode in no one's care open read-only to a
    physiotherapist who works at its site; a POST is refused, audited with the patient, and stores
    nothing. Another site's physiotherapist may not even read it."""

    episode = EpisodeFactory(patient=world.patient, physiotherapist=None, site=world.site)
    data = SPEC[write].build(world).data  # the valid POST the access table makes
    path = url(write, episode.pk).path
    client.force_login(world.physio)
    assert client.get(path).status_code == 200
    before = snapshot()
    assert client.post(path, data).status_code == 403
    assert snapshot() == before
    assert AuditEvent.objects.filter(
        action="denied", patient_id=world.patient.pk, user=world.physio
    ).exists()

    client.force_login(world.other_physio)
    assert client.get(path).status_code == 403
