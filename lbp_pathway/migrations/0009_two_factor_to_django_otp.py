"""Two-factor authentication moves to django-otp: each hand-written TwoFactorDevice (base32 secret,
last used time step) becomes a confirmed TOTPDevice (hex key, last_t) that accepts the same codes,
then the old table goes. Audit actions for sign-in and account events are added."""

import base64

from django.db import migrations, models
from django.utils import timezone


def _hex_key(secret: str) -> str:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8)).hex()


def move_devices(apps, schema_editor):
    old = apps.get_model("lbp_pathway", "TwoFactorDevice")
    totp = apps.get_model("otp_totp", "TOTPDevice")
    db = schema_editor.connection.alias  # the database being migrated, not always default
    for device in old.objects.using(db).all():
        totp.objects.using(db).create(
            user_id=device.user_id,
            name="Authenticator app",
            confirmed=True,
            key=_hex_key(device.secret),
            last_t=device.last_used_step or -1,
        )


def move_devices_back(apps, schema_editor):
    old = apps.get_model("lbp_pathway", "TwoFactorDevice")
    totp = apps.get_model("otp_totp", "TOTPDevice")
    db = schema_editor.connection.alias
    for device in totp.objects.using(db).filter(confirmed=True).order_by("user_id", "-id"):
        if not old.objects.using(db).filter(user_id=device.user_id).exists():
            secret = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
            old.objects.using(db).create(
                user_id=device.user_id,
                secret=secret,
                confirmed_at=device.created_at or timezone.now(),
                last_used_step=max(device.last_t, 0),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("lbp_pathway", "0008_emergency_access_append_only"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(move_devices, move_devices_back),
        migrations.DeleteModel(name="TwoFactorDevice"),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed"),
                    ("create", "Created"),
                    ("change", "Changed"),
                    ("print", "Printed / exported"),
                    ("denied", "Access refused"),
                    ("break_glass", "Break-the-glass access"),
                    ("auth", "Sign-in and two-factor"),
                    ("account", "Account and role change"),
                ],
                max_length=12,
            ),
        ),
    ]
