from datetime import date, timedelta

import pytest
from django.urls import reverse

from lbp_pathway.access import Role
from reporting import tasks
from tests.factories import EpisodeFactory


@pytest.mark.django_db
def test_a_physio_home_shows_their_own_wait_figures_and_a_physician_the_teams(
    physio, physician, make_user, client_for
):
    colleague = make_user(Role.PHYSIOTHERAPIST, username="pt2")
    today = date.today()
    for therapist, waits in ((physio, (4, 10)), (colleague, (30,))):
        for wait in waits:
            EpisodeFactory(
                physiotherapist=therapist,
                requested_on=today - timedelta(days=40),
                first_assessed_on=today - timedelta(days=40 - wait),
                status="assessed",
            )
    EpisodeFactory(
        physiotherapist=physio, requested_on=today - timedelta(days=12), status="requested"
    )
    # Home pages read the rollups as the beat job leaves them; here it has just run.
    tasks.refresh_rollups()

    own = client_for(physio).get(reverse("care_episodes:physio_home")).content.decode()
    assert "My wait times, last 90 days" in own
    assert "7.0 days" in own  # median of 4 and 10
    assert "1 (longest 12 days)" in own
    team = client_for(physician).get(reverse("care_episodes:physician_home")).content.decode()
    assert "Team wait times" in team and "10.0 days" in team  # median of 4, 10 and 30
