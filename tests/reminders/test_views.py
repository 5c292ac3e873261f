import pytest
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import Episode
from lbp_pathway.models import AuditEvent
from reminders.models import Notification, Reminder
from reminders.selectors import recipient_reference
from tests.factories import PatientFactory, UserFactory
from tests.reminders.factories import ReminderFactory

pytestmark = pytest.mark.django_db


def notify(user, title="Referral overdue", read=False):
    return Notification.objects.create(
        user=user,
        title=title,
        body="Ada Moss: no reply",
        url="/referrals/",
        created_at=timezone.now(),
        read_at=timezone.now() if read else None,
    )


def test_unread_count_shows_next_to_notifications_in_the_menu(physio, client_for):
    notify(physio)
    notify(physio)
    notify(physio, read=True)
    notify(UserFactory())
    html = client_for(physio).get(reverse("reminders:inbox")).content.decode()
    assert 'data-testid="unread-count">2<span class="visually-hidden"> unread</span>' in html


def test_notification_list_shows_only_my_notifications_and_marks_them_read(
    front_desk, client_for, django_assert_max_num_queries
):
    for n in range(30):
        notify(front_desk, title=f"Referral overdue {n}")
    notify(UserFactory(), title="Someone else's")
    client = client_for(front_desk)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("reminders:inbox")).content.decode()
    assert "Referral overdue 29" in html and "Someone else" not in html
    one = Notification.objects.filter(user=front_desk).first()
    client.post(reverse("reminders:mark_read"), {"notification": one.pk})
    assert Notification.objects.filter(user=front_desk, read_at__isnull=True).count() == 29
    client.post(reverse("reminders:mark_read"))
    html = client.get(reverse("reminders:inbox")).content.decode()
    assert "0 unread" in html and 'data-testid="unread-count"' not in html


def test_managers_cannot_open_the_notification_list(manager, client_for):
    assert client_for(manager).get(reverse("reminders:inbox")).status_code == 403


def test_outbox_shows_what_was_sent_and_failed_without_patient_names(
    manager, client_for, django_assert_max_num_queries
):
    for _ in range(20):
        ReminderFactory(patient__last_name="Quibbleworth", status="sent", sent_at=timezone.now())
    ReminderFactory(status="failed", last_error="provider timed out", attempts=5)
    client = client_for(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reminders:outbox"))
    html = response.content.decode()
    assert "Quibbleworth" not in html
    assert "provider timed out" in html and "Re-send" in html
    assert html.count('data-testid="outbox-row"') == 21
    assert "P-" in html


def test_outbox_filters_by_pseudonymous_recipient(manager, client_for):
    mine = ReminderFactory(status="sent", sent_at=timezone.now())
    ReminderFactory(patient=mine.patient, key="second", status="pending")
    ReminderFactory(status="pending")

    ref = recipient_reference(mine)
    html = client_for(manager).get(reverse("reminders:outbox"), {"recipient": ref}).content.decode()
    assert html.count('data-testid="outbox-row"') == 2
    bad = client_for(manager).get(reverse("reminders:outbox"), {"recipient": "Bob"})
    assert "A reference looks like P-1A2B3C4D5E" in bad.content.decode()


def test_only_managers_open_the_outbox(physio, client_for):
    assert client_for(physio).get(reverse("reminders:outbox")).status_code == 403


def test_manager_resends_a_failed_reminder_once_even_if_posting_twice(manager, client_for):
    reminder = ReminderFactory(status="failed", attempts=5)
    client = client_for(manager)
    url = reverse("reminders:resend", args=[reminder.pk])
    first = client.post(url, {"generation": 0}, follow=True)
    assert "will be sent again" in first.content.decode()
    second = client.post(url, {"generation": 0}, follow=True)
    assert "already re-sent" in second.content.decode()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.generation, reminder.attempts) == ("pending", 1, 0)
    assert client.get(url).status_code == 405
    # The re-send is audited once, by the service, with the manager and the patient; the refused
    # second post writes no row.
    [row] = AuditEvent.objects.filter(action="change")
    assert (row.user, row.patient_id) == (manager, reminder.patient_id)
    assert row.what == f"Reminder {reminder.pk} re-sent" and row.path == url


def test_a_family_physician_sees_the_reminder_history_of_their_panel_only(physician, client_for):
    mine = PatientFactory(family_physician=physician)
    other = PatientFactory()
    client = client_for(physician)
    assert client.get(reverse("reminders:patient_history", args=[mine.pk])).status_code == 200
    assert client.get(reverse("reminders:patient_history", args=[other.pk])).status_code == 403
    assert AuditEvent.objects.filter(user=physician, patient_id=other.pk, action="denied").exists()


def test_the_front_desk_sees_any_patients_reminder_history(front_desk, client_for):
    patient = PatientFactory()
    response = client_for(front_desk).get(reverse("reminders:patient_history", args=[patient.pk]))
    assert response.status_code == 200


def test_physio_sees_reminder_history_of_a_patient_in_their_care_and_it_is_audited(
    physio, client_for
):
    patient = PatientFactory()
    Episode.objects.create(patient=patient, physiotherapist=physio, requested_on="2026-01-05")
    ReminderFactory(patient=patient, status="sent", sent_at=timezone.now())
    response = client_for(physio).get(reverse("reminders:patient_history", args=[patient.pk]))
    assert response.status_code == 200
    assert "Appointment reminder" in response.content.decode()
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="view").exists()


def test_physio_cannot_see_reminders_of_a_patient_not_in_their_care(physio, client_for):
    patient = PatientFactory()
    response = client_for(physio).get(reverse("reminders:patient_history", args=[patient.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="denied").exists()
    assert Reminder.objects.count() == 0
