"""Issue 18: the physio home starts the day, the physician home shows the panel, every patient page
carries the patient header with the pathway's next step, and the favicon is served."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import Episode, FollowUpPlan, SelfManagementPlan
from intake.models import Appointment, WeeklyAvailability
from lbp_pathway import audit
from lbp_pathway.access import Role
from tests.care_episodes.factories import AssessmentFactory, NoteFactory, OutcomeFactory
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory
from tests.intake.factories import follow_up, health_card, new_assessment
from tests.triage.factories import LOW_RISK_ANSWERS, facts
from triage import services as triage

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("America/Toronto")


def forty_years_old() -> date:
    """Born on 1 January forty years ago: 40 on any day of this year."""
    return date(timezone.localdate().year - 40, 1, 1)


def header_of(html: str) -> str:
    match = re.search(r'data-testid="patient-header">(.*?)</section>', html, re.S)
    assert match, "the page has a patient header"
    return match.group(1)


def steps_of(header: str) -> dict[str, str]:
    """Each pathway step and its state as the page shows it: done, next or to do."""
    states = {}
    for key, done, body in re.findall(
        r'data-step="(\w+)" data-done="(\w+)">(.*?)</li>', header, re.S
    ):
        states[key] = "done" if done == "yes" else "next" if "Next:" in body else "to do"
    return states


# --- the patient header ------------------------------------------------------------------------------


def test_the_front_desk_patient_page_header_names_birth_date_age_and_a_masked_card(
    client_for, front_desk
):
    card = health_card("987654321")
    patient = PatientFactory(
        first_name="Zoe",
        last_name="Levesque",
        date_of_birth=forty_years_old(),
        health_card_number=card,
        preferred_language="fr",
    )
    EpisodeFactory(patient=patient, status=Episode.Status.BOOKED)
    html = client_for(front_desk).get(reverse("intake:patient_detail", args=[patient.pk])).content
    header = header_of(html.decode())
    assert "Zoe Levesque" in header
    assert f"Born {forty_years_old():%Y-%m-%d}" in header and "(40 y)" in header
    assert card[-4:] in header and card not in header and card[:6] not in header
    assert "French" in header
    assert "Stratum: not triaged yet" in header
    # The front desk sees the episode's status and stratum, not which clinical records exist.
    assert "Booked" in header
    assert steps_of(header) == {}
    assert reverse("care_episodes:assessment", args=[patient.episodes.get().pk]) not in header


def test_the_patient_page_never_says_routine_beside_not_triaged(client_for, front_desk, physio):
    """Issue 18: "Triage outcome: Routine" showed beside "not triaged yet" after a phone screen."""
    patient = PatientFactory()
    EpisodeFactory(patient=patient, status=Episode.Status.BOOKED)
    triage.record_phone_screen(
        patient, back_pain_main_reason=True, emergency_flags=[], actor=audit.as_actor(front_desk)
    )
    html = (
        client_for(front_desk)
        .get(reverse("intake:patient_detail", args=[patient.pk]))
        .content.decode()
    )
    assert "not triaged yet" in html
    assert "Routine" not in html
    assert "physiotherapist triage not done yet" in html


def test_the_header_shows_red_flag_holds(client_for, front_desk):
    patient = PatientFactory(booking_hold="Emergency red flag: physician to clear")
    EpisodeFactory(patient=patient, status=Episode.Status.SENT_TO_EMERGENCY)
    html = client_for(front_desk).get(reverse("intake:patient_detail", args=[patient.pk]))
    assert "Booking hold: Emergency red flag: physician to clear" in header_of(
        html.content.decode()
    )


def test_the_steps_follow_the_pathway_and_link_the_next_one_for_the_physio_in_care(
    client_for, physio
):
    episode = EpisodeFactory(
        physiotherapist=physio,
        status=Episode.Status.BOOKED,
        patient=PatientFactory(date_of_birth=forty_years_old()),
    )
    client = client_for(physio)
    pages = [
        reverse("care_episodes:episode_detail", args=[episode.pk]),
        reverse("triage:episode_triage", args=[episode.pk]),
        reverse("care_episodes:assessment", args=[episode.pk]),
        reverse("care_episodes:outcome_add", args=[episode.pk]),
        reverse("care_episodes:plan", args=[episode.pk]),
        reverse("care_episodes:follow_up", args=[episode.pk]),
        reverse("care_episodes:discharge", args=[episode.pk]),
        reverse("referrals:episode_referrals", args=[episode.pk]),
    ]
    for url in pages:
        header = header_of(client.get(url).content.decode())
        assert f"Born {forty_years_old():%Y-%m-%d}" in header and "(40 y)" in header, url
        assert steps_of(header)["triage"] == "next", url

    def state() -> dict[str, str]:
        return steps_of(header_of(client.get(pages[0]).content.decode()))

    triage.record_triage(episode, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    assert state() == {
        "triage": "done",
        "assessment": "next",
        "outcomes": "to do",
        "plan": "to do",
        "note": "to do",
        "follow_up": "to do",
        "discharge": "to do",
    }
    header = header_of(client.get(pages[0]).content.decode())
    assert f'href="{pages[2]}" data-testid="next-step"' in header
    assert "Low risk" in header

    AssessmentFactory(episode=episode, by=physio)
    OutcomeFactory(episode=episode)
    SelfManagementPlan.objects.create(episode=episode)
    assert state()["note"] == "next"
    header = header_of(client.get(pages[0]).content.decode())
    assert reverse("care_episodes:note_draft", args=[episode.pk]) in header  # a POST button

    note = NoteFactory(episode=episode)
    header = header_of(client.get(pages[0]).content.decode())
    assert reverse("care_episodes:note_edit", args=[note.pk]) in header  # the open draft
    note_page = client.get(reverse("care_episodes:note_edit", args=[note.pk])).content.decode()
    assert steps_of(header_of(note_page))["note"] == "next"

    note.signed_at, note.signed_by = timezone.now(), physio
    note.save()
    FollowUpPlan.objects.create(episode=episode, sessions=2, interval_weeks=2)
    assert state()["discharge"] == "next"


def test_another_physio_sees_the_steps_without_links(client_for, physio, make_user):
    site = SiteFactory()
    other = make_user(Role.PHYSIOTHERAPIST)
    WeeklyAvailability.objects.create(
        practitioner=other, site=site, weekday=0, start=time(8), end=time(16)
    )
    episode = EpisodeFactory(physiotherapist=None, site=site, status=Episode.Status.BOOKED)
    html = client_for(other).get(reverse("care_episodes:episode_detail", args=[episode.pk]))
    header = header_of(html.content.decode())
    assert steps_of(header)["triage"] == "next"
    assert reverse("triage:episode_triage", args=[episode.pk]) not in header


# --- the triage result leads on ------------------------------------------------------------------------


def test_the_triage_result_leads_on_to_the_assessment_and_folds_the_form_away(client_for, physio):
    episode = EpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    client = client_for(physio)
    url = reverse("triage:episode_triage", args=[episode.pk])
    first = client.get(url).content.decode()
    assert 'data-testid="new-triage"' not in first  # no result yet: the form is open
    triage.record_triage(episode, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    html = client.get(url).content.decode()
    assessment = reverse("care_episodes:assessment", args=[episode.pk])
    after = html.split('data-testid="after-triage"')[1].split("</nav>")[0]
    assert f'href="{assessment}"' in after and "Start the assessment" in after
    # The form to record another triage is folded away below the result, not shown blank again.
    assert html.index('data-testid="triage-result"') < html.index('data-testid="new-triage"')
    assert re.search(r'<details class="mb-4" data-testid="new-triage">\s*<summary', html)


# --- the physio home starts the day ---------------------------------------------------------------------


def at_today(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(timezone.localdate(), time(hour, minute), tzinfo=TZ)


def appointment(episode: Episode, physio, site, start: datetime, kind) -> Appointment:
    return Appointment.objects.create(
        patient=episode.patient,
        episode=episode,
        practitioner=physio,
        site=site,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=kind.duration_minutes),
    )


def test_the_physio_home_opens_on_todays_schedule_across_sites(client_for, physio):
    north, south = SiteFactory(name="North clinic"), SiteFactory(name="South clinic")
    born = forty_years_old()
    new = EpisodeFactory(
        physiotherapist=physio,
        status=Episode.Status.BOOKED,
        patient=PatientFactory(first_name="Zoe", last_name="Levesque", date_of_birth=born),
    )
    seen = EpisodeFactory(
        physiotherapist=physio,
        status=Episode.Status.IN_CARE,
        risk="high",
        first_assessed_on=timezone.localdate(),
        patient=PatientFactory(
            first_name="Zoe", last_name="Levesque", date_of_birth=date(1990, 5, 6)
        ),
    )
    triage.record_triage(seen, facts(), LOW_RISK_ANSWERS, actor=audit.as_actor(physio))
    AssessmentFactory(episode=seen, by=physio)
    OutcomeFactory(episode=seen, measured_on=timezone.localdate())
    later = EpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    appointment(seen, physio, south, at_today(13), follow_up())
    appointment(new, physio, north, at_today(9, 30), new_assessment())
    cancelled = appointment(later, physio, north, at_today(15), follow_up())
    cancelled.status = Appointment.Status.CANCELLED
    cancelled.save()
    tomorrow = EpisodeFactory(physiotherapist=physio, status=Episode.Status.BOOKED)
    appointment(tomorrow, physio, north, at_today(9) + timedelta(days=1), follow_up())

    html = client_for(physio).get(reverse("care_episodes:physio_home")).content.decode()
    table = html.split('data-testid="today-schedule"')[1].split("</table>")[0]
    rows = re.findall(r'data-testid="schedule-row">(.*?)</tr>', table, re.S)
    assert len(rows) == 2  # the cancelled visit and tomorrow's are left out
    first, second = rows
    assert "09:30" in first and "North clinic" in first and "New LBP assessment" in first
    assert f"{born:%Y-%m-%d} (40)" in first
    assert reverse("triage:episode_triage", args=[new.pk]) in first and "Triage" in first
    assert "13:00" in second and "South clinic" in second and "1990-05-06" in second
    assert "Low risk" in second  # the stratum of the triage recorded
    assert ">Note<" in second  # assessed, note not signed yet
    assert "Triage" not in second
    assert html.index('data-testid="today-schedule"') < html.index('data-testid="open-episodes"')


def test_the_physio_home_search_finds_only_patients_the_physio_may_open(
    client_for, physio, make_user
):
    mine = EpisodeFactory(
        physiotherapist=physio,
        patient=PatientFactory(
            first_name="Zoé", last_name="Lévesque", date_of_birth=date(1980, 3, 4)
        ),
    )
    someone_elses = EpisodeFactory(
        physiotherapist=make_user(Role.PHYSIOTHERAPIST),
        patient=PatientFactory(
            first_name="Zoe", last_name="Levesque", date_of_birth=date(1981, 3, 4)
        ),
    )
    client = client_for(physio)
    html = client.get(reverse("care_episodes:physio_home"), {"q": "levesque"}).content.decode()
    results = html.split('data-testid="patient-results"')[1].split("</ul>")[0]
    assert "Zoé Lévesque" in results and "1980-03-04" in results
    assert reverse("care_episodes:episode_detail", args=[mine.pk]) in results
    assert "1981-03-04" not in results
    assert reverse("care_episodes:episode_detail", args=[someone_elses.pk]) not in html
    by_birth = client.get(reverse("care_episodes:physio_home"), {"q": "1980-03-04"})
    assert "Zoé Lévesque" in by_birth.content.decode().split('data-testid="patient-results"')[1]
    nobody = client.get(reverse("care_episodes:physio_home"), {"q": "1981-03-04"})
    assert 'data-testid="patient-results-empty"' in nobody.content.decode()


# --- the physician home --------------------------------------------------------------------------------


def test_the_physician_home_lists_the_panels_open_episodes(client_for, physician, physio):
    referred = EpisodeFactory(
        patient=PatientFactory(family_physician=physician, first_name="Ana", last_name="Roy"),
        physiotherapist=physio,
        status=Episode.Status.IN_CARE,
        source=Episode.Source.PHYSICIAN_REFERRAL,
        risk="medium",
    )
    EpisodeFactory(
        patient=PatientFactory(family_physician=physician, first_name="Ben", last_name="Done"),
        status=Episode.Status.DISCHARGED,
    )
    EpisodeFactory(patient=PatientFactory(first_name="Other", last_name="Panel"))
    html = client_for(physician).get(reverse("care_episodes:physician_home")).content.decode()
    panel = html.split('data-testid="panel-episodes"')[1].split("</table>")[0]
    assert "Ana Roy" in panel and "Referred" in panel and "In care" in panel
    assert "Medium risk" in panel
    assert reverse("care_episodes:physician_episode", args=[referred.pk]) in panel
    assert "Ben Done" not in panel and "Other Panel" not in panel


# --- the favicon ---------------------------------------------------------------------------------------


def test_the_favicon_is_linked_and_served(client, client_for, physio):
    html = client_for(physio).get(reverse("care_episodes:physio_home")).content.decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons
    for href in [*icons, "/favicon.ico"]:
        response = client.get(href)
        assert response.status_code == 200, href
