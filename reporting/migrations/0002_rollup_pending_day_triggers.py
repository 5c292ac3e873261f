"""Triggers that mark rollup days out of date in the same transaction as the change.

One statement-level trigger per table and event (PostgreSQL allows transition tables on single-event
triggers only). An update marks days only when a column a rollup sums has changed, so saving a draft
note or a booking hold writes nothing here. The rows are not unique on purpose: two transactions
marking the same day never wait for each other.
"""

from django.db import migrations

PENDING = "INSERT INTO reporting_pendingrollupday (kind, day) SELECT DISTINCT"
UTC_DAY = "(r.start AT TIME ZONE 'UTC')::date"
EPISODE_DAY = "JOIN care_episodes_episode e ON e.id = r.episode_id"

# table: (columns the rollups read, [(kind, day expression over alias r, joins)], extra on update)
TABLES: dict[str, tuple[list[str], list[tuple[str, str, str]], str]] = {
    "care_episodes_episode": (
        [
            "requested_on",
            "site_id",
            "physiotherapist_id",
            "risk",
            "source",
            "status",
            "first_assessed_on",
        ],
        [("e", "r.requested_on", "")],
        # A new stratum moves the episode's appointments to another appointment rollup row.
        f"""{PENDING} 'a', (a.start AT TIME ZONE 'UTC')::date
            FROM new_rows n JOIN old_rows o ON o.id = n.id AND o.risk IS DISTINCT FROM n.risk
            JOIN intake_appointment a ON a.episode_id = n.id;""",
    ),
    "intake_appointment": (
        [
            "episode_id",
            "site_id",
            "practitioner_id",
            "appointment_type_id",
            "start",
            '"end"',
            "status",
        ],
        [("a", UTC_DAY, ""), ("e", "e.requested_on", EPISODE_DAY)],
        "",
    ),
    "intake_appointmenttype": (
        ["is_new_assessment"],
        [("a", "(a.start AT TIME ZONE 'UTC')::date", "JOIN intake_appointment a ON a.appointment_type_id = r.id")],
        "",
    ),
    "care_episodes_outcomemeasurement": (
        ["episode_id", "measured_on", "nprs", "rmdq", "psfs"],
        [("e", "e.requested_on", EPISODE_DAY)],
        "",
    ),
    "referrals_referral": (
        ["episode_id", "kind", "status", "imaging_outside_guideline"],
        [("e", "e.requested_on", EPISODE_DAY)],
        "",
    ),
    "care_episodes_consultationnote": (
        ["episode_id", "version", "signed_at"],
        [("e", "e.requested_on", EPISODE_DAY)],
        "",
    ),
}


def _marks(rows: str, marks: list[tuple[str, str, str]]) -> str:
    return "\n".join(
        f"{PENDING} '{kind}', {day} FROM {rows} r {join} WHERE {day} IS NOT NULL;"
        for kind, day, join in marks
    )


def _changed(side: str, other: str, columns: list[str]) -> str:
    """The rows of one side (new or old) of an update whose summed columns changed. The aliases are
    not NEW and OLD, which PL/pgSQL would read as its own record variables."""
    ours, theirs = side[0], other[0]
    mine = ", ".join(f"{ours}.{c}" for c in columns)
    others = ", ".join(f"{theirs}.{c}" for c in columns)
    return (
        f"(SELECT {ours}.* FROM {side}_rows {ours} JOIN {other}_rows {theirs} ON {theirs}.id = {ours}.id"
        f" WHERE ({mine}) IS DISTINCT FROM ({others}))"
    )


def forward_sql() -> str:
    parts = []
    for table, (columns, marks, on_update) in TABLES.items():
        function = f"reporting_mark_{table}"
        parts.append(f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_marks("new_rows", marks)}
  ELSIF TG_OP = 'DELETE' THEN
    {_marks("old_rows", marks)}
  ELSE
    {_marks(_changed("new", "old", columns), marks)}
    {_marks(_changed("old", "new", columns), marks)}
    {on_update}
  END IF;
  RETURN NULL;
END
$body$;
CREATE TRIGGER {function}_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
""")
    # Data from before this migration: every day is out of date until the first refresh.
    parts.append(f"""
{PENDING} 'e', requested_on FROM care_episodes_episode;
{PENDING} 'a', (start AT TIME ZONE 'UTC')::date FROM intake_appointment;
""")
    return "\n".join(parts)


def reverse_sql() -> str:
    return "\n".join(
        f"DROP FUNCTION reporting_mark_{table}() CASCADE;" for table in TABLES
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_rollups"),
        ("care_episodes", "0005_seed_exercise_library"),
        ("intake", "0006_btree_gist_no_double_booking"),
        ("referrals", "0001_destinations_referrals_tracking"),
    ]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]
