import io

import pytest

from demo import reminders as demo
from reminders.models import Notification, Reminder
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_reminders_are_seeded_once():
    PatientFactory.create_batch(5)
    UserFactory(username="physio")
    demo.seed(patients=5, stdout=io.StringIO())
    counts = (Reminder.objects.count(), Notification.objects.count())
    demo.seed(patients=5, stdout=io.StringIO())
    assert counts == (Reminder.objects.count(), Notification.objects.count()) == (8, 3)
