from django.db import migrations

# Triage decisions and phone screens are append-only in the database itself, not only in the app: a
# decision explains what was decided, on which inputs, by which rule version, so it is never rewritten.
# TRUNCATE stays possible for the test suite's flush (as for the audit log).
SQL = """
CREATE OR REPLACE FUNCTION lbp_triage_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stored triage records are append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lbp_triage_decision_no_update_delete
    BEFORE UPDATE OR DELETE ON triage_triagedecision
    FOR EACH ROW EXECUTE FUNCTION lbp_triage_append_only();
CREATE TRIGGER lbp_triage_phonescreen_no_update_delete
    BEFORE UPDATE OR DELETE ON triage_phonescreen
    FOR EACH ROW EXECUTE FUNCTION lbp_triage_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS lbp_triage_decision_no_update_delete ON triage_triagedecision;
DROP TRIGGER IF EXISTS lbp_triage_phonescreen_no_update_delete ON triage_phonescreen;
DROP FUNCTION IF EXISTS lbp_triage_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
