"""Fast, partial, accent-insensitive patient search.

`intake_fold(text)` lower-cases and strips accents (unaccent); it is IMMUTABLE so expression indexes
can use it. The name and the digits of the phone number have trigram GIN indexes (pg_trgm), which serve
`LIKE '%part%'`; the health card number has its own prefix index from its unique field. The embedded
PostgreSQL of `make run` and the tests is PostgreSQL 18 with the same contrib extensions as production,
so there is one search path.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FOLD = "SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, '')))"
NAME = "intake_fold(first_name || ' ' || last_name)"
PHONE = "regexp_replace(phone, '\\D', '', 'g')"
INDEXES = [
    ("intake_patient_name_trgm", f"USING gin (({NAME}) gin_trgm_ops)"),
    ("intake_patient_phone_trgm", f"USING gin (({PHONE}) gin_trgm_ops)"),
    ("intake_patient_fold_dob", "((intake_fold(last_name)), date_of_birth)"),
]


def create_search(apps, schema_editor):
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION intake_fold(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ {FOLD} $$"
    )
    for index, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON intake_patient {definition}")


def drop_search(apps, schema_editor):
    for index, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    schema_editor.execute("DROP FUNCTION IF EXISTS intake_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_appointment_types")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create_search, drop_search),
    ]
