"""Outcome questionnaires by link (issue 15; docs/patient-questionnaires.md). The schedule table
below is copied from the doc, never read from followup_measures/schedule.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes import services as care
from care_episodes.models import OutcomeMeasurement
from followup_measures import services
from followup_measures.models import QuestionnaireInvite
from lbp_pathway.audit import as_actor
from reminders.models import Reminder
from tests.care_episodes.factories import OutcomeFactory
from tests.factories import EpisodeFactory, PatientFactory
from tests.followup_measures.factories import invite_token
from triage.models import InstrumentText

pytestmark = pytest.mark.django_db

BASELINE = date(2026, 1, 31)
# Due days from the doc: 42 days; same day of the month, clamped to the month's end.
DUE = {
    "baseline": date(2026, 1, 31),
    "six_weeks": date(2026, 3, 14),
    "three_months": date(2026, 4, 30),
    "six_months": date(2026, 7, 31),
    "twelve_months": date(2027, 1, 31),
}
ALL = {"baseline", "six_weeks", "three_months", "six_months", "twelve_months"}
BY_STRATUM = {
    "low": {"baseline", "six_weeks", "three_months", "twelve_months"},
    "medium": ALL,
    "high": ALL,
    "": ALL,
}
AFTER_DISCHARGE = {"three_months", "six_months", "twelve_months"}
BY_STATE = {
    "booked": ALL,
    "assessed": ALL,
    "in_care": ALL,
    "discharged": AFTER_DISCHARGE,
    "referred_on": set(),
    "sent_to_emergency": set(),
    "declined": set(),
    "lost_to_follow_up": set(),
}


def morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def consented_episode(**fields):
    patient = PatientFactory(consent_email_reminders=True, preferred_language="en")
    values = {"status": "in_care", "risk": "medium", "first_assessed_on": BASELINE, **fields}
    return EpisodeFactory(patient=patient, **values)


def sweep_every_timepoint() -> None:
    for day in sorted(DUE.values()):
        services.send_due_questionnaires(today=day, now=morning(day))


@pytest.mark.parametrize("stratum", sorted(BY_STRATUM))
@pytest.mark.parametrize("state", ["in_care", "discharged", "referred_on", "lost_to_follow_up"])
def test_the_schedule_follows_stratum_and_state(stratum, state) -> None:
    episode = consented_episode(risk=stratum, status=state)
    sweep_every_timepoint()
    sent = set(
        QuestionnaireInvite.objects.filter(episode=episode).values_list("timepoint", flat=True)
    )
    assert sent == BY_STRATUM[stratum] & BY_STATE[state]
    for invite in QuestionnaireInvite.objects.filter(episode=episode):
        assert timezone.localdate(invite.sent_at) == DUE[invite.timepoint]
        assert invite.expires_at == invite.sent_at + timedelta(days=14)


def test_a_timepoint_already_measured_or_without_consent_is_not_sent() -> None:
    measured = consented_episode()
    OutcomeFactory(episode=measured, timepoint="six_weeks", measured_on=DUE["six_weeks"])
    no_consent = EpisodeFactory(
        patient=PatientFactory(), status="in_care", risk="high", first_assessed_on=BASELINE
    )
    day = DUE["six_weeks"]
    services.send_due_questionnaires(today=day, now=morning(day))
    assert not QuestionnaireInvite.objects.filter(episode=measured).exists()
    assert not QuestionnaireInvite.objects.filter(episode=no_consent).exists()
    # A sweep three weeks late does not send a questionnaire whose link would already have expired.
    late = consented_episode()
    later = DUE["six_weeks"] + timedelta(days=21)
    services.send_due_questionnaires(today=later, now=morning(later))
    assert not QuestionnaireInvite.objects.filter(episode=late, timepoint="six_weeks").exists()


def test_sent_through_the_outbox_and_reminded_once(client) -> None:
    day = timezone.localdate()
    episode = consented_episode(first_assessed_on=day - timedelta(days=42))
    for offset in range(0, 10):  # a daily sweep for ten days
        services.send_due_questionnaires(today=day + timedelta(days=offset), now=morning(day))
    rows = list(Reminder.objects.filter(patient=episode.patient).order_by("due_at"))
    assert [r.kind for r in rows] == ["outcome_due", "outcome_due"]
    first, again = rows
    assert first.due_at == morning(day)
    assert again.due_at == morning(day) + timedelta(days=5)
    assert first.context["url"] == again.context["url"]
    assert "/p/questionnaire/" in first.context["url"]
    assert first.channel == "email"
    # The link works, and once answered the reminder is cancelled.
    path = first.context["url"].split("localhost:8000", 1)[1]
    response = client.post(path, {"nprs": "4", "grc": "2"})
    assert response.status_code == 200
    again.refresh_from_db()
    assert again.status == "cancelled"


def answers(**extra):
    data = {"nprs": "6", "grc": "-3"}
    for n in (2, 5, 9, 17):
        data[f"rmdq_{n}"] = "on"
    for n, (name, score) in enumerate([("Sitting", 3), ("Lifting", 4), ("Walking", 8)], start=1):
        data[f"psfs_activity_{n}"] = name
        data[f"psfs_score_{n}"] = str(score)
    return {**data, **extra}


def test_answers_are_scored_into_the_episode_as_the_physio_would_score_them(client, physio) -> None:
    by_link = consented_episode(physiotherapist=physio)
    token = invite_token(by_link, "six_weeks")
    response = client.post(reverse("followup_measures:answer", args=[token]), answers())
    assert "Thank you" in response.content.decode()

    by_staff = consented_episode(physiotherapist=physio)
    staff = care.record_outcomes(
        by_staff,
        actor=as_actor(physio),
        measured_on=timezone.localdate(),
        timepoint="six_weeks",
        nprs=6,
        rmdq_items=[n in (2, 5, 9, 17) for n in range(1, 25)],
        psfs_activities=[("Sitting", 3), ("Lifting", 4), ("Walking", 8)],
        grc=-3,
    )
    patient = OutcomeMeasurement.objects.get(episode=by_link)
    fields = [
        "timepoint",
        "measured_on",
        "nprs",
        "rmdq",
        "rmdq_items",
        "psfs",
        "psfs_activities",
        "grc",
        "odi",
        "rule_version",
    ]
    assert {f: getattr(patient, f) for f in fields} == {f: getattr(staff, f) for f in fields}
    assert patient.rmdq == 4 and patient.psfs == pytest.approx(5.0)
    assert QuestionnaireInvite.objects.get(episode=by_link).measurement == patient


def test_the_page_shows_the_first_name_only_and_placeholders_for_licensed_wording(client) -> None:
    episode = consented_episode()
    token = invite_token(episode, "baseline")
    page = client.get(reverse("followup_measures:answer", args=[token])).content.decode()
    assert episode.patient.first_name in page
    assert episode.patient.last_name not in page
    assert "Item 3 of 24: wording to be loaded by the clinic" in page
    assert "Statement 1" not in page
    assert "Since your back care started" not in page  # no GRC at baseline


def test_used_expired_and_unknown_links_answer_clearly_and_change_nothing(client) -> None:
    episode = consented_episode()
    token = invite_token(episode, "six_weeks")
    url = reverse("followup_measures:answer", args=[token])
    assert client.post(url, answers()).status_code == 200
    again = client.post(url, answers(nprs="1"))
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    assert OutcomeMeasurement.objects.filter(episode=episode).count() == 1

    expired = invite_token(episode, "three_months", expires_in_days=-1)
    response = client.post(reverse("followup_measures:answer", args=[expired]), answers())
    assert response.status_code == 410 and "expired" in response.content.decode()
    unknown = client.get(reverse("followup_measures:answer", args=["not-a-real-token"]))
    assert unknown.status_code == 410 and "not correct" in unknown.content.decode()
    assert OutcomeMeasurement.objects.filter(episode=episode).count() == 1


def test_bad_answers_get_a_clear_message_and_store_nothing(client) -> None:
    episode = consented_episode()
    token = invite_token(episode, "six_weeks")
    url = reverse("followup_measures:answer", args=[token])
    response = client.post(url, answers(nprs="11", psfs_score_3=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "Give both the activity and its score, or neither." in page
    assert not OutcomeMeasurement.objects.filter(episode=episode).exists()
    assert QuestionnaireInvite.objects.get(episode=episode).used_at is None


def test_a_worse_score_shows_on_the_physios_home(client, client_for, physio) -> None:
    worse = consented_episode(physiotherapist=physio)
    OutcomeFactory(
        episode=worse, nprs=3, rmdq=6, measured_on=timezone.localdate() - timedelta(days=42)
    )
    steady = consented_episode(physiotherapist=physio)
    OutcomeFactory(
        episode=steady, nprs=3, rmdq=6, measured_on=timezone.localdate() - timedelta(days=42)
    )
    # NPRS 3 -> 7 is 4 points worse (>= 2); 3 -> 4 is within measurement error (clinical-rules.md 5).
    client.post(reverse("followup_measures:answer", args=[invite_token(worse)]), answers(nprs="7"))
    client.post(reverse("followup_measures:answer", args=[invite_token(steady)]), answers(nprs="4"))
    home = client_for(physio).get(reverse("care_episodes:physio_home")).content.decode()
    assert "Worse since last time" in home
    section = home.split("Worse since last time", 1)[1].split("</section>", 1)[0]
    assert worse.patient.full_name in section
    assert "Pain (NPRS 0-10) 3 → 7" in section
    assert steady.patient.full_name not in section


def test_the_questionnaire_reads_in_french(client) -> None:
    episode = consented_episode()
    episode.patient.preferred_language = "fr"  # the link speaks the patient's language
    episode.patient.save(update_fields=["preferred_language"])
    token = invite_token(episode, "six_weeks")
    url = reverse("followup_measures:answer", args=[token])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode().replace("&#x27;", "'")
    assert f"Bonjour {episode.patient.first_name}." in page
    assert "Énoncé 3 sur 24 : texte à charger par la clinique" in page
    assert "Depuis le début de vos soins, comment votre dos a-t-il changé?" in page
    assert "Envoyer mes réponses" in page


def test_the_rmdq_by_link_uses_the_wording_loaded_in_the_patients_language(client) -> None:
    """Issue 16: a French-speaking patient reads the French statements the clinic loaded, an
    English-speaking one the English; neither falls back to the other's."""
    InstrumentText.objects.create(
        instrument="rmdq",
        language="en",
        items=[f"EN statement {n}" for n in range(1, 25)],
        item9_options=[],
        copyright_notice="EN notice",
    )
    english = consented_episode()
    page = client.get(reverse("followup_measures:answer", args=[invite_token(english)]))
    assert "EN statement 3" in page.content.decode()
    french = consented_episode()
    french.patient.preferred_language = "fr"
    french.patient.save(update_fields=["preferred_language"])
    page = client.get(reverse("followup_measures:answer", args=[invite_token(french)]))
    assert "EN statement" not in page.content.decode()
    assert "texte à charger par la clinique" in page.content.decode().replace("&#x27;", "'")
