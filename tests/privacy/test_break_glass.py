"""Break the glass through the real pages (issue 14): a family physician's grant opens the episode
summary, the signed note, its PDF and the referral letter of a patient outside their panel, read-only
and for a limited time; every refusal and every access names the patient; grants are never deleted."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.access import Role
from lbp_pathway.models import AppendOnlyError, AuditEvent, EmergencyAccess
from tests.care_episodes.factories import NoteFactory
from tests.factories import EpisodeFactory, PatientFactory, UserFactory
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db

REASON = "Patient in my clinic with new leg weakness"


@pytest.fixture
def stranger(physio):
    """A patient in another physician's panel, with a signed note and a referral."""
    patient = PatientFactory(family_physician=UserFactory(role=Role.FAMILY_PHYSICIAN))
    episode = EpisodeFactory(patient=patient, physiotherapist=physio)
    NoteFactory(episode=episode, signed_at=timezone.now(), signed_by=physio)
    ReferralFactory(episode=episode)
    return patient


def pages_of(patient) -> list[str]:
    episode = patient.episodes.get()
    note, referral = episode.notes.get(), episode.referrals.get()
    return [
        reverse("care_episodes:physician_episode", args=[episode.pk]),
        reverse("care_episodes:physician_note", args=[note.pk]),
        reverse("care_episodes:note_pdf", args=[note.pk]),
        reverse("referrals:detail", args=[referral.pk]),
        reverse("referrals:letter_pdf", args=[referral.pk]),
    ]


def break_glass(client, patient, next_url):
    return client.post(
        reverse("break_glass", args=[patient.pk]), {"reason": REASON, "next": next_url}
    )


def test_a_physicians_grant_opens_each_page_read_only_with_every_access_flagged(
    physician, stranger, client_for
):
    client = client_for(physician)
    pages = pages_of(stranger)
    for url in pages:
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert reverse("break_glass", args=[stranger.pk]) in refused.content.decode()
    response = break_glass(client, stranger, pages[2])  # asked on the note's PDF
    assert (response.status_code, response.url) == (302, pages[2])
    for url in pages:
        assert client.get(url).status_code == 200, url
    pdf = client.get(pages[2])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Read-only: a reply to the note is refused.
    note_page = pages[1]
    assert client.post(note_page, {"text": "Seen in clinic today."}).status_code == 403
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "patient_id"))
    assert rows[: len(pages)] == [("denied", stranger.pk)] * len(pages)
    assert ("break_glass", stranger.pk) in rows[len(pages) :]
    assert {patient for _, patient in rows} == {stranger.pk}
    flagged = AuditEvent.objects.filter(action="break_glass")
    assert set(flagged.values_list("reason", flat=True)) == {REASON}


def test_the_grant_ends_after_its_time(physician, stranger, client_for):
    client = client_for(physician)
    url = pages_of(stranger)[0]
    break_glass(client, stranger, url)
    assert client.get(url).status_code == 200
    EmergencyAccess.objects.update(expires_at=timezone.now())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["physician", "front_desk", "manager"])
def test_refusals_at_the_door_name_the_patient(who, request, stranger, client_for):
    """A role refused the page itself (not only the record) still leaves the patient id."""
    user = request.getfixturevalue(who)
    episode = stranger.episodes.get()
    urls = [
        reverse("care_episodes:episode_detail", args=[episode.pk]),
        reverse("care_episodes:note_edit", args=[episode.notes.get().pk]),
        reverse("referrals:episode_referrals", args=[episode.pk]),
    ]
    client = client_for(user)
    for url in urls:
        assert client.get(url).status_code == 403
    assert list(AuditEvent.objects.values_list("action", "patient_id")) == [
        ("denied", stranger.pk)
    ] * len(urls)


def test_a_grant_cannot_be_deleted(physician, stranger, client_for):
    break_glass(client_for(physician), stranger, "")
    grant = EmergencyAccess.objects.get()
    with pytest.raises(AppendOnlyError):
        grant.delete()
    with pytest.raises(AppendOnlyError):
        EmergencyAccess.objects.filter(pk=grant.pk).delete()
    assert EmergencyAccess.objects.filter(pk=grant.pk).exists()


def test_the_admin_has_no_page_to_delete_grants():
    assert EmergencyAccess not in admin.site._registry
