"""Two database roles (SECURITY.md): the app's runtime role owns nothing and may only add to and read
the audit log, break-the-glass grants and triage decisions; it cannot switch their protection off.

Each statement below is one that worked against the audit table when the app owned it (issue 14)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent, EmergencyAccess
from tests.factories import PatientFactory, UserFactory

# Committed data, so both roles see it; serialized rollback (like every transactional test of the suite)
# restores what the migrations seeded.
pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "runtime"]
)

AUDIT = "lbp_pathway_auditevent"
REFUSED_ON_AUDIT = [
    ("TRUNCATE lbp_pathway_auditevent", "permission denied"),
    ("ALTER TABLE lbp_pathway_auditevent DISABLE TRIGGER ALL", "must be owner"),
    (
        "ALTER TABLE lbp_pathway_auditevent DISABLE TRIGGER lbp_audit_no_update_delete",
        "must be owner",
    ),
    ("SET session_replication_role = replica", "permission denied to set parameter"),
    ("DROP TRIGGER lbp_audit_no_update_delete ON lbp_pathway_auditevent", "must be owner"),
    ("DROP TRIGGER lbp_audit_chain ON lbp_pathway_auditevent", "must be owner"),
    ("DROP TABLE lbp_pathway_auditevent", "must be owner"),
    ("DELETE FROM lbp_pathway_auditevent", "permission denied"),
    ("UPDATE lbp_pathway_auditevent SET username = 'someone else'", "permission denied"),
    ("UPDATE lbp_pathway_auditevent SET at = at - interval '1 year'", "permission denied"),
    ("ALTER ROLE CURRENT_USER SUPERUSER", "permission denied"),
]


def run_as(connection, sql: str) -> None:
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(sql)


def one_row(connection, sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


@pytest.fixture
def audited(physio):
    return audit.record(
        audit.as_actor(physio), AuditEvent.Action.VIEW, "Patient chart", patient_id=7
    )


@pytest.mark.parametrize(("sql", "refusal"), REFUSED_ON_AUDIT, ids=[s for s, _ in REFUSED_ON_AUDIT])
def test_the_runtime_role_cannot_remove_change_or_unprotect_audit_rows(
    runtime_connection, audited, sql, refusal
):
    with pytest.raises(DatabaseError, match=refusal):
        run_as(runtime_connection, sql)
    stored = AuditEvent.objects.get()
    assert (stored.username, stored.what, stored.at) == ("pt", "Patient chart", audited.at)
    assert one_row(runtime_connection, "SHOW session_replication_role") == ("origin",)


def test_the_runtime_role_owns_nothing_and_is_no_superuser(runtime_connection):
    role, superuser, owned = one_row(
        runtime_connection,
        "SELECT current_user, rolsuper, (SELECT count(*) FROM pg_class c "
        "WHERE c.relowner = r.oid) FROM pg_roles r WHERE rolname = current_user",
    )
    assert role != settings.DATABASE_OWNER["USER"]
    assert (superuser, owned) == (False, 0)


@pytest.mark.parametrize(
    "table",
    [
        "lbp_pathway_auditevent",
        "lbp_pathway_auditverification",
        "lbp_pathway_emergencyaccess",
        "triage_triagedecision",
        "triage_phonescreen",
    ],
)
def test_the_append_only_tables_take_only_insert_and_select_from_the_runtime_role(
    runtime_connection, table
):
    privileges = {
        privilege
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
        if one_row(runtime_connection, f"SELECT has_table_privilege('{table}', '{privilege}')")[0]
    }
    assert privileges == {"SELECT", "INSERT"}
    with pytest.raises(DatabaseError, match="permission denied"):
        run_as(runtime_connection, f"DELETE FROM {table}")


def test_ordinary_tables_are_read_and_written_by_the_runtime_role(runtime_connection):
    patient = PatientFactory(last_name="Tremblay")
    run_as(
        runtime_connection,
        f"UPDATE intake_patient SET phone = '613-555-0100' WHERE id = {patient.pk}",
    )
    patient.refresh_from_db()
    assert patient.phone == "613-555-0100"
    with pytest.raises(DatabaseError, match="permission denied"):
        run_as(runtime_connection, "TRUNCATE intake_patient")


def test_a_break_the_glass_grant_can_be_reviewed_but_not_rewritten_by_the_runtime_role(
    runtime_connection, physician
):
    grant = EmergencyAccess.objects.create(
        user=physician,
        patient_id=5,
        reason="Covering the on-call list tonight",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(DatabaseError, match="permission denied"):
        run_as(
            runtime_connection,
            f"UPDATE lbp_pathway_emergencyaccess SET reason = 'Routine' WHERE id = {grant.pk}",
        )
    run_as(
        runtime_connection,
        "UPDATE lbp_pathway_emergencyaccess SET reviewed_by_id = user_id, reviewed_at = now(), "
        f"review_note = 'Appropriate' WHERE id = {grant.pk}",
    )
    with pytest.raises(DatabaseError, match="only an unreviewed grant"):
        run_as(
            runtime_connection,
            f"UPDATE lbp_pathway_emergencyaccess SET review_note = 'Never mind' WHERE id = {grant.pk}",
        )
    grant.refresh_from_db()
    assert (grant.reason, grant.review_note) == ("Covering the on-call list tonight", "Appropriate")


def test_break_the_glass_and_its_review_work_through_the_app_as_the_runtime_role(
    as_runtime_role, client
):
    physician = UserFactory(role=Role.FAMILY_PHYSICIAN, username="md-runtime")
    administrator = UserFactory(role=Role.ADMINISTRATOR, username="adm-runtime", is_staff=True)
    stranger = PatientFactory(family_physician=UserFactory(role=Role.FAMILY_PHYSICIAN))
    client.force_login(physician)
    response = client.post(
        reverse("break_glass", args=[stranger.pk]),
        {"reason": "Patient in my clinic with new leg weakness"},
    )
    assert response.status_code == 302
    grant = EmergencyAccess.objects.get()
    client.force_login(administrator)
    client.post(reverse("break_glass_reviewed", args=[grant.pk]), {"note": "Appropriate"})
    grant.refresh_from_db()
    assert (grant.reviewed_by, grant.review_note) == (administrator, "Appropriate")
    row = AuditEvent.objects.get(action="break_glass")
    assert (row.username, row.patient_id, len(row.hash)) == ("md-runtime", stranger.pk, 64)
