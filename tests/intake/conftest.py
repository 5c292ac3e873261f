from datetime import time, timedelta

import pytest

from tests.factories import PatientFactory, SiteFactory
from tests.intake.factories import (
    PhysioFactory,
    WeeklyAvailabilityFactory,
    at,
    ensure_appointment_types,
    next_weekday,
)


class Clinic:
    """A physio who works at Sydenham Street on Mondays 9-12 and at Portsmouth on Tuesdays 13-17."""

    def __init__(self) -> None:
        ensure_appointment_types()
        self.physio = PhysioFactory(username="physio1", first_name="Priya", last_name="Tremblay")
        self.downtown = SiteFactory(name="Sydenham Street")
        self.west = SiteFactory(name="Portsmouth")
        WeeklyAvailabilityFactory(
            practitioner=self.physio, site=self.downtown, weekday=0, start=time(9), end=time(12)
        )
        WeeklyAvailabilityFactory(
            practitioner=self.physio, site=self.west, weekday=1, start=time(13), end=time(17)
        )
        self.monday = next_weekday(0)
        self.tuesday = self.monday + timedelta(days=1)
        self.now = at(self.monday - timedelta(days=1), 20)  # the Sunday evening before


@pytest.fixture
def clinic(db):
    return Clinic()


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Hélène", last_name="Côté")
