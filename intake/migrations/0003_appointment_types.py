from django.db import migrations

TYPES = [
    ("new_assessment", "New LBP assessment", 60, True),
    ("follow_up", "Follow-up", 30, False),
]


def create_types(apps, schema_editor):
    AppointmentType = apps.get_model("intake", "AppointmentType")
    for code, name, minutes, is_new in TYPES:
        AppointmentType.objects.get_or_create(
            code=code,
            defaults={"name": name, "duration_minutes": minutes, "is_new_assessment": is_new},
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_scheduling_booking_referrals_waitlist")]

    operations = [migrations.RunPython(create_types, migrations.RunPython.noop)]
