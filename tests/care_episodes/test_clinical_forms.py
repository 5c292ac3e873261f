"""Clinical forms (issue 18): a stale save shows both versions and loses nothing; the sectioned
assessment (progress, error summary, drafts); the RMDQ form without licensed wording."""

import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from care_episodes import services
from care_episodes.concurrency import StaleRecord, version_of
from care_episodes.models import (
    Assessment,
    ConsultationNote,
    Episode,
    FollowUpPlan,
    SelfManagementPlan,
)
from lbp_pathway.audit import as_actor
from tests.care_episodes.factories import AssessmentFactory, NoteFactory
from tests.care_episodes.test_physio_pages import ASSESSMENT
from tests.factories import EpisodeFactory
from triage.models import InstrumentText

pytestmark = pytest.mark.django_db
S = Episode.Status


def hidden_version(html: str) -> str:
    match = re.search(r'<input type="hidden" name="version"(?: value="([^"]*)")?', html)
    assert match, "the form carries the version it was opened on"
    return match.group(1) or ""


@pytest.fixture
def episode(physio):
    return EpisodeFactory(physiotherapist=physio, status=S.ASSESSED, risk="medium")


def test_a_plan_saved_from_a_stale_tab_shows_both_versions_and_changes_nothing(
    physio, client_for, episode
):
    client = client_for(physio)
    url = reverse("care_episodes:plan", args=[episode.pk])
    tab_one = hidden_version(client.get(url).content.decode())
    tab_two = hidden_version(client.get(url).content.decode())
    safety = {"safety_netting": "Go to the Emergency Department if ..."}
    first = client.post(url, {**safety, "goals": "Walk the dog daily", "version": tab_one})
    assert first.status_code == 302

    stale = client.post(url, {**safety, "goals": "Swim twice a week", "version": tab_two})

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "changed since you opened it" in page
    assert "Walk the dog daily" in page  # theirs
    assert "Swim twice a week" in page  # yours, kept in the form
    assert SelfManagementPlan.objects.get(episode=episode).goals == "Walk the dog daily"
    # Saving again from the conflict page is a deliberate choice, and it works.
    again = client.post(
        url, {**safety, "goals": "Swim twice a week", "version": hidden_version(page)}
    )
    assert again.status_code == 302
    assert SelfManagementPlan.objects.get(episode=episode).goals == "Swim twice a week"


def test_a_follow_up_plan_saved_from_a_stale_tab_is_refused(physio, client_for, episode):
    client = client_for(physio)
    url = reverse("care_episodes:follow_up", args=[episode.pk])
    version = hidden_version(client.get(url).content.decode())
    form = {"care_model": "physiotherapy_course", "sessions": "4", "interval_weeks": "2"}
    assert client.post(url, {**form, "version": version}).status_code == 302
    stale = client.post(url, {**form, "sessions": "8", "version": version})
    assert stale.status_code == 409
    assert FollowUpPlan.objects.get(episode=episode).sessions == 4


def test_a_draft_note_signed_in_another_tab_keeps_the_stale_tabs_text(physio, client_for, episode):
    note = NoteFactory(episode=episode, body="Original body")
    client = client_for(physio)
    url = reverse("care_episodes:note_edit", args=[note.pk])
    stale_version = hidden_version(client.get(url).content.decode())
    # Another tab signs it.
    signed = client.post(
        url, {"title": note.title, "body": "Signed body", "version": stale_version, "sign": "1"}
    )
    assert signed.status_code == 302

    late = client.post(
        url, {"title": note.title, "body": "My late edit", "version": stale_version, "save": "1"}
    )

    assert late.status_code == 409
    page = late.content.decode()
    assert "signed" in page and "My late edit" in page and "Signed body" in page
    note.refresh_from_db()
    assert note.body == "Signed body" and note.is_signed
    assert "Write an addendum" in page


def test_a_draft_note_saved_in_another_tab_is_not_overwritten(physio, client_for, episode):
    note = NoteFactory(episode=episode, body="Original body")
    client = client_for(physio)
    url = reverse("care_episodes:note_edit", args=[note.pk])
    version = hidden_version(client.get(url).content.decode())
    ok = client.post(url, {"title": note.title, "body": "Tab one", "version": version})
    assert ok.status_code == 302
    stale = client.post(url, {"title": note.title, "body": "Tab two", "version": version})
    assert stale.status_code == 409
    assert ConsultationNote.objects.get(pk=note.pk).body == "Tab one"


def test_the_note_service_refuses_a_stale_version(physio, episode):
    note = NoteFactory(episode=episode)
    opened = version_of(note)
    services.update_note(note, actor=as_actor(physio), title="A", body="B", expected_version=opened)
    with pytest.raises(StaleRecord):
        services.update_note(
            note, actor=as_actor(physio), title="C", body="D", expected_version=opened
        )


def test_an_assessment_from_a_form_opened_before_another_was_saved_shows_both(
    physio, client_for, episode
):
    client = client_for(physio)
    url = reverse("care_episodes:assessment", args=[episode.pk])
    version = hidden_version(client.get(url).content.decode())
    AssessmentFactory(episode=episode, working_diagnosis="Saved in the other tab")

    response = client.post(url, {**ASSESSMENT, "version": version})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Saved in the other tab" in page and "Non-specific low back pain" in page
    assert Assessment.objects.filter(episode=episode).count() == 1


def test_the_assessment_is_sectioned_with_progress(physio, client_for, episode):
    page = client_for(physio).get(reverse("care_episodes:assessment", args=[episode.pk]))
    html = page.content.decode()
    for title in ("History", "Red-flag review", "Examination", "Impression", "Plan and goals"):
        assert title in html
    assert 'aria-label="Assessment sections"' in html
    assert html.count("<fieldset") >= 5


def test_an_incomplete_assessment_lists_each_error_at_the_top_linking_to_its_field(
    physio, client_for, episode
):
    form = {**ASSESSMENT, "red_flag_screen": "", "working_diagnosis": ""}
    response = client_for(physio).post(reverse("care_episodes:assessment", args=[episode.pk]), form)
    html = response.content.decode()
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index("error-summary"))
    ]
    assert '<a href="#id_red_flag_screen">' in summary
    assert '<a href="#id_working_diagnosis">' in summary
    assert "2 problems" in summary
    # The errored field points at its message, which has that id.
    assert re.search(
        r'<textarea name="red_flag_screen"[^>]*aria-describedby="[^"]*id_red_flag_screen_error',
        html,
    )
    assert 'id="id_red_flag_screen_error"' in html
    assert not Assessment.objects.filter(episode=episode).exists()


def test_an_assessment_draft_is_kept_as_typed_and_restored(physio, client_for, episode):
    client = client_for(physio)
    url = reverse("care_episodes:assessment", args=[episode.pk])
    half = {"presenting_complaint": "Half-typed complaint", "save_draft": "1"}
    assert client.post(url, half).status_code == 302
    assert not Assessment.objects.filter(episode=episode).exists()

    page = client.get(url).content.decode()
    assert "Half-typed complaint" in page
    assert "draft saved" in page
    assert 'id="error-summary"' not in page

    saved = client.post(url, {**ASSESSMENT, "version": hidden_version(page)})
    assert saved.status_code == 302
    assert "Half-typed complaint" not in client.get(url).content.decode()


def test_rmdq_without_licensed_wording_shows_item_numbers_and_how_to_load_it(
    physio, client_for, episode
):
    html = client_for(physio).get(reverse("care_episodes:outcome_add", args=[episode.pk]))
    page = html.content.decode()
    assert "Statement" not in page
    assert "load_instrument_text --instrument rmdq" in page
    assert "Item 24" in page


def test_rmdq_with_the_licensed_wording_loaded_shows_it(physio, client_for, episode):
    InstrumentText.objects.create(
        instrument="rmdq",
        items=[f"Licensed statement text number {n}" for n in range(1, 25)],
        item9_options=[],
        copyright_notice="Licensed to this clinic",
    )
    page = client_for(physio).get(reverse("care_episodes:outcome_add", args=[episode.pk]))
    html = page.content.decode()
    assert "Licensed statement text number 24" in html
    assert "Licensed to this clinic" in html
    assert "load_instrument_text" not in html


def test_load_instrument_text_loads_rmdq_wording(tmp_path):
    path = tmp_path / "rmdq.json"
    path.write_text(
        json.dumps({"items": [f"S{n}" for n in range(1, 25)], "copyright_notice": "Ours"})
    )
    call_command("load_instrument_text", str(path), instrument="rmdq")
    assert InstrumentText.objects.get(instrument="rmdq").items[23] == "S24"


def test_load_instrument_text_refuses_an_rmdq_file_with_23_items(tmp_path):
    path = tmp_path / "rmdq.json"
    path.write_text(json.dumps({"items": ["S"] * 23, "copyright_notice": "Ours"}))
    with pytest.raises(CommandError, match="exactly 24"):
        call_command("load_instrument_text", str(path), instrument="rmdq")
    assert not InstrumentText.objects.filter(instrument="rmdq").exists()


def test_discharge_from_a_stale_tab_after_a_discharge_is_refused(physio, client_for, episode):
    client = client_for(physio)
    url = reverse("care_episodes:discharge", args=[episode.pk])
    version = hidden_version(client.get(url).content.decode())
    form = {"discharged_on": timezone.localdate().isoformat(), "reason": "goals_met"}
    assert client.post(url, {**form, "version": version}).status_code == 302
    stale = client.post(url, {**form, "summary": "Again", "version": version})
    assert stale.status_code == 409
    assert "Goals met" in stale.content.decode()
