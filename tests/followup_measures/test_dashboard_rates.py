"""The manager dashboard shows questionnaire response rates and outcome change at each timepoint by
stratum (issue 15), with small counts suppressed like the other dashboard tables."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.care_episodes.factories import OutcomeFactory
from tests.factories import EpisodeFactory, PatientFactory
from tests.followup_measures.factories import invite_token

pytestmark = pytest.mark.django_db


def episode(risk: str):
    made = EpisodeFactory(
        patient=PatientFactory(consent_email_reminders=True),
        status="in_care",
        risk=risk,
        first_assessed_on=timezone.localdate() - timedelta(days=42),
    )
    OutcomeFactory(episode=made, measured_on=made.first_assessed_on, nprs=7, rmdq=14)
    return made


def answer(client, token: str) -> None:
    data = {"nprs": "3", "grc": "3", "rmdq_1": "on", "rmdq_2": "on", "rmdq_3": "on", "rmdq_4": "on"}
    assert client.post(reverse("followup_measures:answer", args=[token]), data).status_code == 200


def rows(html: str) -> dict[tuple[str, str], list[str]]:
    section = html.split('data-testid="questionnaire-rates"', 1)[1].split("</section>", 1)[0]
    found = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", section, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.split(r"</th>|</td>", row)][:-1]
        found[(cells[0], cells[1])] = cells[2:]
    return found


def test_rates_and_change_by_stratum_and_timepoint(client, client_for, manager) -> None:
    medium = [episode("medium") for _ in range(6)]
    for made in medium[:5]:
        answer(client, invite_token(made, "six_weeks"))
    invite_token(medium[5], "six_weeks")  # sent, not answered
    for made in [episode("low"), episode("low")]:
        answer(client, invite_token(made, "six_weeks"))

    html = client_for(manager).get(reverse("dashboards:manager_home")).content.decode()
    table = rows(html.replace("&lt;", "<"))
    # 6 sent, 5 answered = 83%; NPRS 7 -> 3 = +4.0 better; RMDQ 14 -> 4 = +10.0 better.
    assert table[("Medium", "6 weeks")] == ["6", "5", "83%", "+4.0", "+10.0"]
    # Two low-risk patients: counts under 5 hidden, no rate or mean.
    assert table[("Low", "6 weeks")] == ["<5", "<5", "—", "—", "—"]


def test_the_period_filter_bounds_the_table(client_for, manager) -> None:
    made = episode("high")
    invite_token(made, "six_weeks")
    long_ago = (timezone.localdate() - timedelta(days=400)).isoformat()
    before = (timezone.localdate() - timedelta(days=300)).isoformat()
    url = reverse("dashboards:manager_home") + f"?start={long_ago}&end={before}"
    html = client_for(manager).get(url).content.decode()
    assert "No questionnaire was sent in this period." in html
