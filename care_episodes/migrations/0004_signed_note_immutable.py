from django.db import migrations

# A signed consultation note is part of the medical record: the database itself refuses to change or
# delete it, whatever the application does. Corrections are addenda (new versions).
SQL = """
CREATE OR REPLACE FUNCTION lbp_signed_note_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'consultation note % is signed: % is not allowed', OLD.id, TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lbp_signed_note_no_update_delete
    BEFORE UPDATE OR DELETE ON care_episodes_consultationnote
    FOR EACH ROW EXECUTE FUNCTION lbp_signed_note_immutable();
"""
REVERSE = """
DROP TRIGGER IF EXISTS lbp_signed_note_no_update_delete ON care_episodes_consultationnote;
DROP FUNCTION IF EXISTS lbp_signed_note_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("care_episodes", "0003_assessment_outcomes_plans_notes")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
