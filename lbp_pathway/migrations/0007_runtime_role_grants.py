"""The runtime role (DATABASE_URL's, when DATABASE_OWNER_URL names another role for `migrate`) may read
and write the ordinary tables, only INSERT and SELECT the append-only ones, and owns nothing; default
privileges extend the same grants to tables the owner creates later (lbp_pathway/db_roles.py). The same
grants are given again after every `migrate` (lbp_pathway/signals.py), for tables added since."""

from django.db import migrations

from lbp_pathway import db_roles


def grant(apps, schema_editor):
    db_roles.grant_runtime(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("lbp_pathway", "0006_audit_hash_chain")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
