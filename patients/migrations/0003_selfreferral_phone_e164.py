"""Self-referral phone numbers rewritten in E.164 (+16135550199), like patients' (intake 0013). A
number that cannot be read is left as typed and named by referral id (never the number) so the front
desk can correct it when they call back."""

import sys

import phonenumbers
from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    region = getattr(settings, "PHONE_DEFAULT_REGION", "CA")
    model = apps.get_model("patients", "SelfReferral")
    unreadable = []
    for pk, phone in model.objects.exclude(phone="").values_list("pk", "phone").iterator():
        try:
            number = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            unreadable.append(pk)
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 != phone:
            model.objects.filter(pk=pk).update(phone=e164)
    if unreadable:
        sys.stdout.write(
            f"\n  {len(unreadable)} self-referral phone number(s) could not be read and were left "
            f"as typed (self-referral ids {', '.join(map(str, unreadable[:50]))}"
            f"{' …' if len(unreadable) > 50 else ''}).\n"
        )


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_bookinglink")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
