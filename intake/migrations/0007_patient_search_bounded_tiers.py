"""Patient search whose work is bounded by the result limit, not by the number of matches.

- `intake_patient_fold_names`: b-tree on (intake_fold(last_name), intake_fold(first_name), id). The
  exact-surname tier ("tremblay") reads it in order and stops after the limit.
- `intake_patient_name_gist`: GiST `gist_trgm_ops` on the folded full name (the same expression as
  the GIN index of 0004). The similarity tier reads it in distance order (`<->`, KNN) and stops after
  the limit. The GIN index stays: it is faster at finding every match of a rare word.
"""

from django.db import migrations

NAME = "intake_fold(first_name || ' ' || last_name)"
INDEXES = [
    (
        "intake_patient_fold_names",
        "((intake_fold(last_name)), (intake_fold(first_name)), id)",
    ),
    ("intake_patient_name_gist", f"USING gist (({NAME}) gist_trgm_ops)"),
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
