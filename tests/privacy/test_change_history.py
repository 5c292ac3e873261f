"""Change history (issue 14): who changed which field of a patient, appointment, episode, referral or
consultation note from what to what, and when; kept by PostgreSQL triggers and shown on the record."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from intake.models import Patient
from lbp_pathway.access import Role
from lbp_pathway.history import HistoryMiddleware
from tests.care_episodes.factories import NoteFactory
from tests.factories import EpisodeFactory, PatientFactory, UserFactory
from tests.intake.factories import health_card
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db

FIRST_CARD, SECOND_CARD = health_card("123456789"), health_card("987654321")


def edit_form(**changes):
    form = {
        "first_name": "Ana",
        "last_name": "Silva",
        "date_of_birth": "1980-02-02",
        "sex": "F",
        "health_card_number": FIRST_CARD,
        "health_card_version": "AB",
        "phone": "613-555-0101",
        "postal_code": "K7L 3N6",
        "preferred_language": "en",
    }
    return {**form, **changes}


def history_of(page: str, slug: str) -> str:
    start = page.index(f'data-testid="change-history-{slug}"')
    return page[start : page.index("</details>", start)]


def test_update_patient_keeps_the_earlier_card_phone_and_postal_code_visible(
    front_desk, client_for
):
    patient = PatientFactory(
        first_name="Ana",
        last_name="Silva",
        date_of_birth="1980-02-02",
        health_card_number=FIRST_CARD,
        health_card_version="AB",
        phone="+16135550101",  # stored in E.164, as the patient form stores it (issue 15)
        postal_code="K7L 3N6",
    )
    client = client_for(front_desk)
    edit = reverse("intake:patient_edit", args=[patient.pk])
    new = {"health_card_number": SECOND_CARD, "phone": "613-555-0199", "postal_code": "K1A 0B1"}
    assert client.post(edit, edit_form(**new)).status_code == 302
    patient.refresh_from_db()
    assert patient.health_card_number == SECOND_CARD  # the record holds the new values …
    page = client.get(reverse("intake:patient_detail", args=[patient.pk])).content.decode()
    shown = history_of(page, "patient")
    # … and the history the old ones, with who changed them.
    for before, after in [
        (FIRST_CARD, SECOND_CARD),
        ("+16135550101", "+16135550199"),  # typed as 613-555-0199, stored in E.164
        ("K7L 3N6", "K1A 0B1"),
    ]:
        assert f"<td>{before}</td><td>{after}</td>" in shown
    assert front_desk.username in shown
    assert "Date of birth" not in shown  # unchanged fields are not listed


def test_a_change_made_outside_the_app_is_recorded_too(front_desk, client_for):
    patient = PatientFactory(phone="613-555-0101")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_patient SET phone = %s WHERE id = %s", ["613-555-0142", patient.pk]
        )
    page = client_for(front_desk).get(reverse("intake:patient_detail", args=[patient.pk]))
    shown = history_of(page.content.decode(), "patient")
    assert "<td>613-555-0101</td><td>613-555-0142</td>" in shown and "system" in shown


def test_the_history_cannot_be_rewritten(front_desk):
    patient = PatientFactory(phone="613-555-0101")
    Patient.objects.filter(pk=patient.pk).update(phone="613-555-0142")
    for statement in (
        "UPDATE intake_patientchange SET phone = 'x'",
        "DELETE FROM intake_patientchange",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert patient.history.count() == 2


def test_episode_page_shows_status_and_note_changes_to_the_physio_in_care(
    physio, front_desk, manager, client_for
):
    episode = EpisodeFactory(physiotherapist=physio)
    note = NoteFactory(episode=episode, title="Initial assessment")
    client = client_for(physio)
    url = reverse("care_episodes:episode_detail", args=[episode.pk])
    changed = client.post(
        reverse("care_episodes:change_status", args=[episode.pk]),
        {"to_status": "declined", "description": "Patient prefers to wait"},
    )
    assert changed.status_code == 302
    note.signed_at, note.signed_by = timezone.now(), physio
    note.save()
    page = client.get(url).content.decode()
    assert "<td>Requested</td><td>Declined</td>" in history_of(page, "episode")
    assert physio.username in history_of(page, "episode")
    assert "<td>Signed by</td><td>—</td>" in history_of(page, "note")
    for outsider in (front_desk, manager, UserFactory(role=Role.PHYSIOTHERAPIST)):
        assert client_for(outsider).get(url).status_code == 403


def test_referral_page_shows_its_changes(physio, client_for):
    referral = ReferralFactory(episode=EpisodeFactory(physiotherapist=physio))
    type(referral).objects.filter(pk=referral.pk).update(question="Please assess the hip too.")
    page = client_for(physio).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "<td>Please assess and advise.</td><td>Please assess the hip too.</td>" in history_of(
        page, "referral"
    )


def test_the_history_context_never_keeps_a_questionnaire_token(rf, front_desk):
    """Only a token's hash is stored anywhere; the history's context must not keep the link itself."""
    token = "Ab_cD-efGhIjKlMnOpQrStUvWxYz0123456789abcdefg"
    request = rf.post(f"/triage/q/{token}/?lang=fr")
    request.user = front_desk
    context = HistoryMiddleware(lambda r: None).get_context(request)
    assert context == {"user": front_desk.pk, "url": "/triage/q/[token removed]/"}
    assert "lbp_pathway.history.HistoryMiddleware" in settings.MIDDLEWARE


def test_a_booking_hold_set_by_triage_reads_in_the_users_language_in_the_history(
    front_desk, client_for
):
    urgent_hold_en = (
        "Urgent red flag: routine pathway care on hold until the family physician has reviewed"
    )
    patient = PatientFactory()
    Patient.objects.filter(pk=patient.pk).update(booking_hold=urgent_hold_en)
    client = client_for(front_desk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("intake:patient_detail", args=[patient.pk])).content.decode()
    history = history_of(page, "patient")
    assert "Drapeau rouge urgent" in history
    assert urgent_hold_en not in history
