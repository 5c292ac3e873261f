from django.db import migrations

# The audit trail is append-only in the database itself, not only in the app. TRUNCATE stays possible
# for the test suite's flush; production revokes TRUNCATE from the application role (SECURITY.md).
SQL = """
CREATE OR REPLACE FUNCTION lbp_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lbp_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON lbp_pathway_auditevent
    FOR EACH ROW EXECUTE FUNCTION lbp_audit_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS lbp_audit_no_update_delete ON lbp_pathway_auditevent;
DROP FUNCTION IF EXISTS lbp_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("lbp_pathway", "0003_audit_event")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
