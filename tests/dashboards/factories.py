"""Episodes for the dashboard tests: assessed at a site a given number of days after the request."""

from datetime import date, timedelta

from tests.factories import EpisodeFactory

START, END = date(2026, 7, 1), date(2026, 9, 30)


def assessed(site, requested, wait_days, **kwargs):
    return EpisodeFactory(
        site=site,
        requested_on=requested,
        first_assessed_on=requested + timedelta(days=wait_days),
        status="assessed",
        **kwargs,
    )
