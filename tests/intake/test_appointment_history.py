"""An appointment's changes are kept and shown on the patient page (issue 14)."""

import pytest
from django.urls import reverse

from intake import services
from lbp_pathway.audit import SYSTEM
from tests.intake.factories import at, new_assessment

pytestmark = pytest.mark.django_db


def test_a_cancelled_appointment_shows_who_cancelled_it_and_its_earlier_status(
    client_for, front_desk, clinic, patient
):
    appointment = services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    client = client_for(front_desk)
    client.post(
        reverse("intake:appointment_cancel", args=[appointment.pk]),
        {"reason": "Patient unwell"},
    )
    page = client.get(reverse("intake:patient_detail", args=[patient.pk])).content.decode()
    start = page.index('data-testid="change-history-appointment"')
    shown = page[start : page.index("</details>", start)]
    assert "<td>Booked</td><td>Cancelled</td>" in shown
    assert "<td>—</td><td>Patient unwell</td>" in shown
    assert front_desk.username in shown
