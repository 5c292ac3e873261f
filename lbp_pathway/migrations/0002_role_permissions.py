from django.db import migrations


def grant(apps, schema_editor):
    # Administrators manage users and roles in Django's admin; clinical data is not theirs to see.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.get(name="Administrator")
    admin.permissions.set(
        Permission.objects.filter(content_type__app_label="auth", content_type__model__in=["user", "group"])
    )


class Migration(migrations.Migration):
    dependencies = [("lbp_pathway", "0001_roles"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
