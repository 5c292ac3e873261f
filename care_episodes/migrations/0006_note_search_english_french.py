"""Consultation notes searchable in English and French, accents ignored.

Two text search configurations, copies of PostgreSQL's `english` and `french` in which the words that
carry letters outside ASCII (token types word, hword, hword_part) go through the `unaccent` dictionary
before the language's stemmer: "Lévesque" is indexed as "levesqu" like "levesque", "irradiees" as
"irradie" like "irradiées". The French stemmer needs the accents to find some stems ("irradié" and
"irradiées" share the stem "irradi" only with their accents), so the stock `french` reading is kept as
well. The stored vector of a note is the union of the three readings, and a query is read the same
three ways (care_episodes.models.note_search_query); the GIN index note_search_gin stays the one index
searched.

The column is regenerated in place with ALTER COLUMN ... SET EXPRESSION (PostgreSQL 17 and later): the
table is rewritten and its indexes rebuilt, and no row trigger fires (signed notes stay untouched).
"""

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import migrations, models

CONFIGS = [("lbp_en", "english", "english_stem"), ("lbp_fr", "french", "french_stem")]
TABLE = "care_episodes_consultationnote"
TEXT = "COALESCE(\"title\", '') || ' ' || COALESCE(\"body\", '')"
READINGS = " || ".join(
    f"to_tsvector('{config}'::regconfig, {TEXT})" for config in ("lbp_en", "lbp_fr", "french")
)
ENGLISH_ONLY = f"to_tsvector('english'::regconfig, {TEXT})"

FORWARDS = [
    *(
        statement
        for name, base, stemmer in CONFIGS
        for statement in (
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR word, hword, hword_part WITH public.unaccent, {stemmer}",
        )
    ),
    f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET EXPRESSION AS ({READINGS})",
]
BACKWARDS = [
    f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET EXPRESSION AS ({ENGLISH_ONLY})",
    *(f"DROP TEXT SEARCH CONFIGURATION {name}" for name, _base, _stemmer in CONFIGS),
]


class Migration(migrations.Migration):
    dependencies = [
        ("care_episodes", "0005_seed_exercise_library"),
        # Creates the unaccent extension (schema public). Not created here as well: migrating this app
        # back would then drop it from under the patient search.
        ("intake", "0004_patient_search"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARDS, BACKWARDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="consultationnote",
                    name="search_vector",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=SearchVector("title", "body", config="lbp_en")
                        + SearchVector("title", "body", config="lbp_fr")
                        + SearchVector("title", "body", config="french"),
                        output_field=SearchVectorField(),
                    ),
                ),
            ],
        ),
    ]
