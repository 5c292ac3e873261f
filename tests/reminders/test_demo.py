import io

import pytest

from demo import reminders as demo
from reminders.models import Delivery, Notification, Reminder
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_reminders_follow_the_patients_asked_for_and_every_demo_staff_member_has_notifications():
    patients = PatientFactory.create_batch(7)
    staff = [UserFactory(username=name) for name in ("physio", "physician", "frontdesk")]
    UserFactory(username="someone_else")
    asked = 4
    demo.seed(patients=asked, stdout=io.StringIO())

    # One appointment reminder for each of the first `asked` patients, by a channel they can get.
    patient_reminders = Reminder.objects.filter(patient__isnull=False)
    assert sorted(patient_reminders.values_list("patient", flat=True)) == [
        p.pk for p in patients[:asked]
    ]
    assert set(patient_reminders.values_list("channel", flat=True)) <= {"sms", "email"}
    # Every sent or failed reminder has its delivery record; the others have none.
    for reminder in patient_reminders:
        assert reminder.deliveries.exists() == (reminder.status in ("sent", "failed"))
    assert (
        Delivery.objects.count() == Reminder.objects.filter(status__in=["sent", "failed"]).count()
    )

    # Each demo staff member has notifications to open, each one the in-app copy of a reminder of theirs.
    for user in staff:
        notifications = Notification.objects.filter(user=user)
        assert notifications.exists(), user.username
        assert all(n.reminder.user == user for n in notifications)
    assert not Notification.objects.filter(user__username="someone_else").exists()


def test_demo_reminders_are_seeded_once():
    PatientFactory.create_batch(5)
    UserFactory(username="physio")
    demo.seed(patients=5, stdout=io.StringIO())
    first = (set(Reminder.objects.values_list("key", flat=True)), Notification.objects.count())
    demo.seed(patients=5, stdout=io.StringIO())
    assert (
        set(Reminder.objects.values_list("key", flat=True)),
        Notification.objects.count(),
    ) == first
