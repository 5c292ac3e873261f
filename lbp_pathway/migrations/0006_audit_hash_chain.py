"""The audit log becomes a hash chain (SECURITY.md, "Verifying the audit chain").

A BEFORE INSERT trigger, whoever inserts and however (the ORM, bulk inserts, raw SQL):
- takes one transaction-level advisory lock, so concurrent writers queue and there is one chain; the
  lock is held until the writer's transaction ends, and a rolled-back row leaves no gap;
- numbers the row: seq = the last row's seq + 1 (1, 2, 3, … with no gaps; unique);
- stamps `at` with the database clock (clock_timestamp(), taken under the lock, so `at` never goes
  down along the chain and a row cannot be back-dated by its writer);
- stores hash = SHA-256 over the previous row's hash (64 zeros for the first row) and this row's
  content (lbp_audit_hash; lbp_pathway/audit_chain.py computes the same in Python to verify).
Existing rows are chained in the order they were written (at, id).
"""

import django.db.models.functions.datetime
from django.db import migrations, models

# pg_advisory_xact_lock key of the chain (any constant; only this trigger uses it).
CHAIN_LOCK = 7_413_021_400

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION lbp_audit_field(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN value IS NULL THEN '~' ELSE char_length(value)::text || ':' || value END $$;

CREATE OR REPLACE FUNCTION lbp_audit_hash(
    previous text, seq bigint, at timestamptz, user_id bigint, username text, patient_id bigint,
    action text, what text, path text, ip_address inet, reason text
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT encode(sha256(convert_to(concat_ws('|',
    previous,
    lbp_audit_field(seq::text),
    lbp_audit_field(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
    lbp_audit_field(user_id::text),
    lbp_audit_field(username),
    lbp_audit_field(patient_id::text),
    lbp_audit_field(action),
    lbp_audit_field(what),
    lbp_audit_field(path),
    lbp_audit_field(host(ip_address)),
    lbp_audit_field(reason)
), 'UTF8')), 'hex') $$;
"""

BACKFILL = r"""
ALTER TABLE lbp_pathway_auditevent DISABLE TRIGGER lbp_audit_no_update_delete;
DO $$
DECLARE
    row_id bigint;
    n bigint := 0;
    chained text := repeat('0', 64);
BEGIN
    FOR row_id IN SELECT id FROM lbp_pathway_auditevent ORDER BY at, id LOOP
        n := n + 1;
        UPDATE lbp_pathway_auditevent AS e
           SET seq = n,
               hash = lbp_audit_hash(chained, n, e.at, e.user_id, e.username, e.patient_id, e.action,
                                     e.what, e.path, e.ip_address, e.reason)
         WHERE e.id = row_id
        RETURNING e.hash INTO chained;
    END LOOP;
END $$;
ALTER TABLE lbp_pathway_auditevent ENABLE TRIGGER lbp_audit_no_update_delete;
"""

CHAIN = rf"""
CREATE OR REPLACE FUNCTION lbp_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    SELECT e.seq, e.hash INTO last_seq, last_hash
      FROM lbp_pathway_auditevent AS e ORDER BY e.seq DESC LIMIT 1;
    NEW.seq := COALESCE(last_seq, 0) + 1;
    NEW.at := clock_timestamp();
    NEW.hash := lbp_audit_hash(COALESCE(last_hash, repeat('0', 64)), NEW.seq, NEW.at, NEW.user_id,
                               NEW.username, NEW.patient_id, NEW.action, NEW.what, NEW.path,
                               NEW.ip_address, NEW.reason);
    RETURN NEW;
END $$;
CREATE TRIGGER lbp_audit_chain BEFORE INSERT ON lbp_pathway_auditevent
    FOR EACH ROW EXECUTE FUNCTION lbp_audit_chain();
CREATE TRIGGER lbp_audit_verification_no_update_delete
    BEFORE UPDATE OR DELETE ON lbp_pathway_auditverification
    FOR EACH ROW EXECUTE FUNCTION lbp_audit_append_only();
"""

REVERSE_CHAIN = """
DROP TRIGGER IF EXISTS lbp_audit_verification_no_update_delete ON lbp_pathway_auditverification;
DROP TRIGGER IF EXISTS lbp_audit_chain ON lbp_pathway_auditevent;
DROP FUNCTION IF EXISTS lbp_audit_chain();
"""
REVERSE_FUNCTIONS = """
DROP FUNCTION IF EXISTS lbp_audit_hash(text, bigint, timestamptz, bigint, text, bigint, text, text,
                                       text, inet, text);
DROP FUNCTION IF EXISTS lbp_audit_field(text);
"""


class Migration(migrations.Migration):
    dependencies = [("lbp_pathway", "0005_security_models")]

    operations = [
        migrations.CreateModel(
            name="AuditVerification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
                ("ok", models.BooleanField()),
                ("rows_checked", models.PositiveBigIntegerField()),
                ("last_seq", models.BigIntegerField(null=True)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
                ("first_break_seq", models.BigIntegerField(null=True)),
                ("message", models.CharField(max_length=500)),
                ("by", models.CharField(max_length=150)),
            ],
            options={"ordering": ["-at", "-id"]},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(db_default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(), db_index=True, editable=False
            ),
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE_FUNCTIONS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(db_default=0, editable=False, unique=True),
        ),
        migrations.RunSQL(CHAIN, REVERSE_CHAIN),
    ]
