"""Follow-up visit notes (issue 18): written, re-measured, signed, on the timeline and the dashboard."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes import visits
from care_episodes.lifecycle import IllegalTransition
from care_episodes.models import Episode, OutcomeMeasurement, VisitNote
from lbp_pathway.audit import as_actor
from lbp_pathway.models import AuditEvent
from reporting import queries as q
from reporting import rollups
from tests.care_episodes.factories import OutcomeFactory
from tests.factories import EpisodeFactory, SiteFactory

pytestmark = pytest.mark.django_db
S = Episode.Status

VISIT = {
    "visit_date": "",
    "mode": "in_person",
    "subjective": "Pain easier, walking 20 minutes",
    "objective": "Flexion to mid-shin",
    "treatment": "Progressed the walking programme; added bridging",
    "response": "No increase in pain after exercise",
    "plan_changes": "Reduce to every two weeks",
}


@pytest.fixture
def episode(physio):
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE, risk="medium")
    OutcomeFactory(
        episode=episode, measured_on=timezone.localdate() - timedelta(days=14), nprs=7, rmdq=14
    )
    return episode


def test_a_visit_note_records_re_measured_outcomes_shown_on_the_episode(
    physio, client_for, episode
):
    client = client_for(physio)
    today = timezone.localdate()
    response = client.post(
        reverse("care_episodes:visit_add", args=[episode.pk]),
        {
            **VISIT,
            "visit_date": today.isoformat(),
            "remeasure-timepoint": "other",
            "remeasure-nprs": "3",
            "remeasure-rmdq_total": "6",
            "sign": "1",
        },
    )
    assert response.status_code == 302
    visit = VisitNote.objects.get(episode=episode)
    assert visit.is_signed and visit.treatment.startswith("Progressed")
    measurement = OutcomeMeasurement.objects.get(visit=visit)
    assert (measurement.nprs, measurement.rmdq, measurement.measured_on) == (3, 6, today)

    page = client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).content.decode()
    assert "Follow-up visit" in page
    assert "re-measured NPRS 3, RMDQ 6" in page
    assert "Progressed the walking programme" in page
    assert AuditEvent.objects.filter(what=f"visit note {visit.pk}").exists()


def test_a_visit_note_without_measures_records_none(physio, episode):
    visit = visits.record_visit(
        episode,
        actor=as_actor(physio),
        facts={**VISIT, "visit_date": timezone.localdate()},
    )
    assert not visit.outcomes.exists() and not visit.is_signed


def test_an_impossible_re_measure_is_refused_and_nothing_is_saved(physio, client_for, episode):
    response = client_for(physio).post(
        reverse("care_episodes:visit_add", args=[episode.pk]),
        {**VISIT, "visit_date": timezone.localdate().isoformat(), "remeasure-nprs": "11"},
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not VisitNote.objects.exists()
    assert OutcomeMeasurement.objects.filter(episode=episode).count() == 1


def test_a_future_visit_date_is_refused(physio, client_for, episode):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(physio).post(
        reverse("care_episodes:visit_add", args=[episode.pk]),
        {**VISIT, "visit_date": tomorrow.isoformat()},
    )
    assert "cannot be in the future" in response.content.decode()
    assert not VisitNote.objects.exists()


def test_a_signed_visit_note_never_changes(physio, client_for, episode):
    visit = visits.record_visit(
        episode,
        actor=as_actor(physio),
        facts={**VISIT, "visit_date": timezone.localdate()},
        sign=True,
    )
    client = client_for(physio)
    url = reverse("care_episodes:visit_edit", args=[episode.pk, visit.pk])
    response = client.post(url, {**VISIT, "visit_date": timezone.localdate().isoformat()})
    assert "signed and cannot be changed" in response.content.decode()
    visit.refresh_from_db()
    assert visit.subjective == VISIT["subjective"]


def test_an_unsigned_visit_note_edited_in_a_stale_tab_shows_the_conflict(
    physio, client_for, episode
):
    visit = visits.record_visit(
        episode, actor=as_actor(physio), facts={**VISIT, "visit_date": timezone.localdate()}
    )
    client = client_for(physio)
    url = reverse("care_episodes:visit_edit", args=[episode.pk, visit.pk])
    page = client.get(url).content.decode()
    version = page.split('name="version" value="')[1].split('"')[0]
    form = {**VISIT, "visit_date": timezone.localdate().isoformat(), "version": version}
    assert client.post(url, {**form, "response": "First tab"}).status_code == 302
    stale = client.post(url, {**form, "response": "Second tab"})
    assert stale.status_code == 409
    assert "First tab" in stale.content.decode() and "Second tab" in stale.content.decode()
    visit.refresh_from_db()
    assert visit.response == "First tab"


def test_no_visit_note_on_a_discharged_episode(physio):
    episode = EpisodeFactory(physiotherapist=physio, status=S.DISCHARGED)
    with pytest.raises(IllegalTransition):
        visits.record_visit(
            episode, actor=as_actor(physio), facts={**VISIT, "visit_date": date.today()}
        )


def test_visit_notes_are_counted_on_the_dashboard_by_site_and_practitioner(physio, make_user):
    site, other_site = SiteFactory(), SiteFactory()
    here = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE, site=site)
    there = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE, site=other_site)
    for episode, day in (
        (here, date(2026, 7, 6)),
        (here, date(2026, 7, 20)),
        (there, date(2026, 7, 8)),
    ):
        visits.record_visit(episode, actor=as_actor(physio), facts={**VISIT, "visit_date": day})
    visits.record_visit(
        here, actor=as_actor(physio), facts={**VISIT, "visit_date": date(2026, 8, 3)}
    )
    july = q.Filters(date(2026, 7, 1), date(2026, 7, 31))
    assert q.visits(july)["visit_notes"] == 3
    assert q.visits(q.Filters(july.start, july.end, site_id=site.pk))["visit_notes"] == 2
    someone_else = make_user(username="pt2")
    assert (
        q.visits(q.Filters(july.start, july.end, practitioner_id=someone_else.pk))["visit_notes"]
        == 0
    )
    assert rollups.visits(july)["visit_notes"] == 3
