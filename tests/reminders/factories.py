import factory
from django.utils import timezone

from reminders.models import Reminder
from tests.factories import PatientFactory


class ConsentingPatientFactory(PatientFactory):
    consent_sms_reminders = True
    consent_email_reminders = True


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    kind = Reminder.Kind.APPOINTMENT
    key = factory.Sequence(lambda n: f"test:{n}")
    patient = factory.SubFactory(ConsentingPatientFactory)
    channel = Reminder.Channel.SMS
    due_at = factory.LazyFunction(timezone.now)
    context = factory.LazyFunction(
        lambda: {
            "site": "Kingston East",
            "starts_at": (timezone.now() + timezone.timedelta(days=2)).isoformat(),
        }
    )
