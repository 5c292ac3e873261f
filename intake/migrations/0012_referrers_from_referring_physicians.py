"""Every existing referral gets its Referrer: one row per referring physician account (a family
physician of the team), named and addressed as the account is."""

from typing import Any

from django.db import migrations


def link_referrers(apps: Any, schema_editor: Any) -> None:
    IncomingReferral = apps.get_model("intake", "IncomingReferral")
    Referrer = apps.get_model("intake", "Referrer")
    User = apps.get_model("auth", "User")
    physician_ids = (
        IncomingReferral.objects.filter(referrer__isnull=True, referring_physician__isnull=False)
        .values_list("referring_physician_id", flat=True)
        .distinct()
    )
    for user in User.objects.filter(pk__in=list(physician_ids)):
        name = f"{user.first_name} {user.last_name}".strip() or user.username
        referrer, _ = Referrer.objects.get_or_create(
            user=user,
            defaults={"name": name, "kind": "family_physician", "email": user.email},
        )
        IncomingReferral.objects.filter(referring_physician=user, referrer__isnull=True).update(
            referrer=referrer
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_referrers_and_electronic_referrals")]

    operations = [migrations.RunPython(link_referrers, migrations.RunPython.noop)]
