import pytest
from django.db import connection, transaction
from django.db.utils import InternalError

from lbp_pathway import audit
from lbp_pathway.models import AuditEvent


@pytest.fixture
def event(rf, physio):
    request = rf.get("/physio/patients/7/")
    request.user = physio
    return audit.record(request, AuditEvent.Action.VIEW, "Patient chart", patient_id=7)


def test_record_keeps_who_when_which_patient_what_and_where(event, physio):
    stored = AuditEvent.objects.get()
    assert (stored.user, stored.username, stored.patient_id) == (physio, "pt", 7)
    assert (stored.action, stored.what, stored.ip_address) == ("view", "Patient chart", "127.0.0.1")
    assert stored.path == "/physio/patients/7/"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE lbp_pathway_auditevent SET what = 'nothing'",
        "DELETE FROM lbp_pathway_auditevent",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(event, sql):
    with pytest.raises(InternalError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().what == "Patient chart"
