"""Break-the-glass grants are kept like the audit log: never deleted, and what was granted to whom, for
which patient and why is never rewritten; a review is recorded once and not undone. (The runtime role
may besides only INSERT, SELECT and set the review columns: lbp_pathway/db_roles.py.)"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION lbp_emergency_access_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'break-the-glass grants are append-only: DELETE is not allowed';
    END IF;
    IF (NEW.user_id, NEW.patient_id, NEW.reason, NEW.granted_at)
       IS DISTINCT FROM (OLD.user_id, OLD.patient_id, OLD.reason, OLD.granted_at)
       OR (OLD.reviewed_at IS NOT NULL AND (NEW.reviewed_by_id, NEW.reviewed_at, NEW.review_note)
           IS DISTINCT FROM (OLD.reviewed_by_id, OLD.reviewed_at, OLD.review_note)) THEN
        RAISE EXCEPTION 'break-the-glass grants are append-only: only an unreviewed grant''s review can be set';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lbp_emergency_access_kept
    BEFORE UPDATE OR DELETE ON lbp_pathway_emergencyaccess
    FOR EACH ROW EXECUTE FUNCTION lbp_emergency_access_kept();
"""
REVERSE = """
DROP TRIGGER IF EXISTS lbp_emergency_access_kept ON lbp_pathway_emergencyaccess;
DROP FUNCTION IF EXISTS lbp_emergency_access_kept();
"""


class Migration(migrations.Migration):
    dependencies = [("lbp_pathway", "0007_runtime_role_grants")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
