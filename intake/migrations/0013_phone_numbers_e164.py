"""Patients' phone numbers rewritten in E.164 (+16135550199). A number that cannot be read
is left as it was and named (by record id, never the number) so the front desk can correct it."""

import sys

import phonenumbers
from django.conf import settings
from django.db import migrations


def convert(model, region: str) -> list[int]:
    """Rewrite every readable number of `model` in E.164; returns the ids of those left as they were."""
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
    return unreadable


def forwards(apps, schema_editor):
    region = getattr(settings, "PHONE_DEFAULT_REGION", "CA")
    for name in ("Patient",):
        left = convert(apps.get_model("intake", name), region)
        if left:
            sys.stdout.write(
                f"\n  {len(left)} {name.lower()} phone number(s) could not be read and were left as "
                f"typed ({name.lower()} ids {', '.join(map(str, left[:50]))}"
                f"{' …' if len(left) > 50 else ''}): correct them on the record.\n"
            )


class Migration(migrations.Migration):
    dependencies = [("intake", "0012_referrers_from_referring_physicians")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
