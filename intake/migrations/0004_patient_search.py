"""Fast, partial, accent-insensitive patient search.

`intake_fold(text)` lower-cases and strips accents; it is IMMUTABLE so expression indexes can use it.
With the unaccent and pg_trgm extensions (the machine's PostgreSQL, production) the function uses
unaccent and the indexes are trigram GIN indexes (the health card number has its own
prefix index from its unique field), which serve `LIKE '%part%'`. The embedded demo
PostgreSQL (pgserver) ships neither extension: there the function falls back to translate() over the
accented letters of English and French names, and the indexes are prefix (pattern_ops) b-trees. The
queries are the same on both.
"""

import unicodedata

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

ACCENTED = "àáâãäåāăąçćčďèéêëēĕėęěìíîïĩīńñňòóôõöøōőŕřśšşťùúûüũūůűýÿžźżÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĔĖĘĚÌÍÎÏĨĪŃÑŇÒÓÔÕÖØŌŐŔŘŚŠŞŤÙÚÛÜŨŪŮŰÝŸŽŹŻ"
PLAIN = "".join(
    {"ø": "o", "Ø": "O"}.get(char, unicodedata.normalize("NFKD", char)[0]) for char in ACCENTED
)


def available(schema_editor, extension):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [extension])
        return cursor.fetchone() is not None


class CreateExtensionIfAvailable:
    """Wraps Django's extension operation: skipped where the server does not ship the extension."""

    def __init__(self, operation):
        self.operation = operation

    def forwards(self, apps, schema_editor):
        if available(schema_editor, self.operation.name):
            schema_editor.execute(f'CREATE EXTENSION IF NOT EXISTS "{self.operation.name}"')

    def backwards(self, apps, schema_editor):
        pass


def installed(schema_editor, extension):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [extension])
        return cursor.fetchone() is not None


def create_search(apps, schema_editor):
    if installed(schema_editor, "unaccent"):
        body = "SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, '')))"
    else:
        body = f"SELECT lower(translate(coalesce($1, ''), '{ACCENTED}', '{PLAIN}'))"
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION intake_fold(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ {body} $$"
    )
    name = "intake_fold(first_name || ' ' || last_name)"
    last = "intake_fold(last_name)"
    phone = "regexp_replace(phone, '\\D', '', 'g')"
    if installed(schema_editor, "pg_trgm"):
        indexes = [
            ("intake_patient_name_trgm", f"USING gin (({name}) gin_trgm_ops)"),
            ("intake_patient_phone_trgm", f"USING gin (({phone}) gin_trgm_ops)"),
        ]
    else:
        indexes = [
            ("intake_patient_name_trgm", f"(({last}) text_pattern_ops)"),
            ("intake_patient_phone_trgm", f"(({phone}) text_pattern_ops)"),
        ]
    indexes.append(("intake_patient_fold_dob", f"(({last}), date_of_birth)"))
    for index, definition in indexes:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON intake_patient {definition}")


def drop_search(apps, schema_editor):
    for index in [
        "intake_patient_name_trgm",
        "intake_patient_phone_trgm",
        "intake_patient_fold_dob",
    ]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    schema_editor.execute("DROP FUNCTION IF EXISTS intake_fold(text)")


unaccent = CreateExtensionIfAvailable(UnaccentExtension())
trigram = CreateExtensionIfAvailable(TrigramExtension())


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_appointment_types")]

    operations = [
        migrations.RunPython(unaccent.forwards, unaccent.backwards),
        migrations.RunPython(trigram.forwards, trigram.backwards),
        migrations.RunPython(create_search, drop_search),
    ]
