"""Patient search whose work is bounded by the result limit, not by the number of matches.

- `intake_patient_fold_names`: b-tree on (intake_fold(last_name), intake_fold(first_name), id). The
  exact-surname tier ("tremblay") and the surname-prefix tier ("trem") read it in order and stop
  after the limit.
- `intake_patient_fold_first_names`: the same, first name first, for first names starting with a
  one-word search ("marie").
- `intake_patient_name_gist`: GiST `gist_trgm_ops` on the folded "last first" name. It has the same
  trigrams as "first last" (so the same similarity), but being another expression it serves only the
  similarity tier's order (`<->`, KNN, which stops after the limit); the LIKE conditions on the
  name words stay on the GIN index of 0004, much faster than GiST at finding every match of a word.
  A signature of 256 bytes (default 12) keeps the GiST index precise enough for 1M names.
"""

from django.db import migrations

LAST_FIRST = "intake_fold(last_name || ' ' || first_name)"
INDEXES = [
    (
        "intake_patient_fold_names",
        "((intake_fold(last_name)), (intake_fold(first_name)), id)",
    ),
    (
        "intake_patient_fold_first_names",
        "((intake_fold(first_name)), (intake_fold(last_name)), id)",
    ),
    ("intake_patient_name_gist", f"USING gist (({LAST_FIRST}) gist_trgm_ops(siglen=256))"),
]


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_btree_gist_no_double_booking")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {index} ON intake_patient {definition}",
            f"DROP INDEX IF EXISTS {index}",
        )
        for index, definition in INDEXES
    ]
