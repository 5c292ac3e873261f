from django.db import migrations

ROLES = ["Nurse practitioner", "Practice lead"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("lbp_pathway", "0009_two_factor_to_django_otp")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
