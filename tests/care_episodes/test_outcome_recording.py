"""Recorded outcome measures follow the outcome rules (issue 20): the form refuses what the rules cannot
score, each measurement keeps the rule version that scored it, scores are stored unrounded, and the
chart and the consultation note show the same change as `outcomes_check` would answer."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from care_episodes import drafting, outcomes, services
from care_episodes.models import Episode, OutcomeMeasurement
from lbp_pathway.audit import as_actor
from tests.care_episodes.factories import AssessmentFactory, OutcomeFactory
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
S = Episode.Status


def psfs(*scores: int) -> dict[str, str]:
    fields = {}
    for n, value in enumerate(scores, start=1):
        fields[f"psfs_activity_{n}"] = f"Activity {n}"
        fields[f"psfs_score_{n}"] = str(value)
    return fields


def odi(*sections: int | None) -> dict[str, str]:
    return {f"odi_{n}": "" if v is None else str(v) for n, v in enumerate(sections, start=1)}


def outcomes_check(tmp_path, cases: list[dict]) -> list[dict]:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    out = io.StringIO()
    call_command("outcomes_check", str(path), stdout=out)
    return json.loads(out.getvalue())


def cells(html: str, timepoint: str) -> list[str]:
    """The NPRS, RMDQ, PSFS, GRC and ODI cells of one row of the outcome table, tags stripped."""
    row = re.search(
        rf"<tr>\s*<th scope=\"row\">[^<]*</th>\s*<td>{timepoint}</td>(.*?)</tr>", html, re.S
    )
    assert row is not None, timepoint
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    ]


def test_psfs_and_odi_are_stored_unrounded_and_the_chart_agrees_with_outcomes_check(
    physio, client_for, settings, tmp_path
) -> None:
    settings.ODI_ENABLED = True
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    client = client_for(physio)
    url = reverse("care_episodes:outcome_add", args=[episode.pk])
    baseline_odi = (3, 2, 2, 1, 4, 2, 3, 1, None, 2)  # 20 / 45 x 100 = 44.44...
    response = client.post(
        url,
        {
            "measured_on": "2025-06-02",
            "timepoint": "baseline",
            **psfs(2, 2, 2, 3),
            **odi(*baseline_odi),
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "measured_on": "2025-07-14",
            "timepoint": "six_weeks",
            **psfs(4, 4, 4, 5, 4),
            **odi(*[3] * 10),  # 60%: 15.6 points worse
        },
    )
    assert response.status_code == 302
    baseline = episode.outcomes.get(timepoint="baseline")
    later = episode.outcomes.get(timepoint="six_weeks")
    # Section 5: the PSFS mean and the ODI are not rounded.
    assert baseline.psfs == pytest.approx(2.25, abs=1e-12)
    assert later.psfs == pytest.approx(4.2, abs=1e-12)
    assert baseline.odi == pytest.approx(400 / 9, abs=1e-12)
    assert later.odi == pytest.approx(60, abs=1e-12)
    assert {m.rule_version for m in (baseline, later)} == {outcomes.RULE_VERSION}
    assert outcomes.RULE_VERSION.startswith("outcomes-")

    # The command, given the same answers, judges the same change: PSFS 1.95 points (not 2) and
    # ODI 15.6 points worse.
    answers = outcomes_check(
        tmp_path,
        [
            {"id": "p", "kind": "change", "instrument": "psfs", "baseline": 2.25, "current": 4.2},
            {"id": "o", "kind": "change", "instrument": "odi", "baseline": 400 / 9, "current": 60},
        ],
    )
    assert [a["direction"] for a in answers] == ["no_meaningful_change", "worse"]

    html = client.get(reverse("care_episodes:episode_detail", args=[episode.pk])).content.decode()
    nprs, rmdq, psfs_cell, grc, odi_cell = cells(html, "6 weeks")
    assert psfs_cell == "4.2 No meaningful change"
    assert odi_cell == "60 Meaningful worsening"
    # Screens round for display only: one decimal.
    assert cells(html, "Baseline")[2] == "2.3"
    assert cells(html, "Baseline")[4] == "44.4"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"nprs": "6.5"}, "nprs", "Enter a whole number."),
        ({"nprs": "11"}, "nprs", "Ensure this value is less than or equal to 10."),
        ({"rmdq_total": "25"}, "rmdq_total", "Ensure this value is less than or equal to 24."),
        (psfs(5, 5), "psfs_activity_1", "The PSFS needs 3 to 5 activities; 2 given."),
        (
            odi(1, 1, 1, 1, 1, 1, 6, 1, 1, 1),
            "odi_7",
            "Ensure this value is less than or equal to 5.",
        ),
        (
            odi(1, 1, 1, 1, 1, 1, 1),
            "odi_1",
            "The ODI needs at least 8 of 10 sections answered; 7 were.",
        ),
        ({"grc": "8"}, "grc", "Ensure this value is less than or equal to 7."),
    ],
    ids=["nprs-6.5", "nprs-11", "rmdq-25", "psfs-2", "odi-section-6", "odi-7-answered", "grc-8"],
)
def test_values_that_cannot_be_scored_are_refused_with_a_message_and_nothing_is_saved(
    physio, client_for, settings, fields, field, message
) -> None:
    settings.ODI_ENABLED = True
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    response = client_for(physio).post(
        reverse("care_episodes:outcome_add", args=[episode.pk]),
        {"measured_on": "2025-06-02", "timepoint": "baseline", **fields},
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert not OutcomeMeasurement.objects.exists()


def test_the_service_refuses_a_score_the_rules_cannot_make(physio) -> None:
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    with pytest.raises(outcomes.ScoringError, match="whole number"):
        services.record_outcomes(
            episode,
            actor=as_actor(physio),
            measured_on=date(2025, 6, 2),
            timepoint="baseline",
            nprs=6.5,  # type: ignore[arg-type]
        )
    assert not OutcomeMeasurement.objects.exists()


def test_the_note_states_each_change_since_baseline_by_the_outcome_rules(physio) -> None:
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    AssessmentFactory(episode=episode, by=physio)
    OutcomeFactory(episode=episode, measured_on=date(2025, 6, 2), nprs=3, rmdq=12, psfs=7 / 3)
    OutcomeFactory(
        episode=episode,
        measured_on=date(2025, 7, 14),
        timepoint="six_weeks",
        nprs=4,
        rmdq=7,
        psfs=13 / 3,
    )
    _, body = drafting.draft(services.note_facts(episode))
    section = body.split("Change since baseline\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        # 1 point worse from 3 is 33%: the share counts for improvement only.
        "NPRS 3 -> 4 (6 weeks, 2025-07-14): No meaningful change",
        "RMDQ 12 -> 7 (6 weeks, 2025-07-14): Meaningful improvement",
        # 2.33 -> 4.33: exactly 2 points on the unrounded means.
        "PSFS 2.3 -> 4.3 (6 weeks, 2025-07-14): Meaningful improvement",
    ]


def test_a_note_without_a_later_measurement_has_no_change_section(physio) -> None:
    episode = EpisodeFactory(physiotherapist=physio, status=S.IN_CARE)
    AssessmentFactory(episode=episode, by=physio)
    OutcomeFactory(episode=episode, measured_on=date(2025, 6, 2))
    _, body = drafting.draft(services.note_facts(episode))
    assert "Change since baseline" not in body
