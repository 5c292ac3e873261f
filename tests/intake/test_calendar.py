"""The front desk's week calendar: free and booked slots, click-to-book, two-click reschedule,
arrival and no-show from the grid, and a second new assessment refused without a reason."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake import services
from intake.models import Appointment, Patient
from lbp_pathway.audit import SYSTEM
from tests.factories import PatientFactory
from tests.intake.factories import (
    AvailabilityExceptionFactory,
    PhysioFactory,
    WeeklyAvailabilityFactory,
    at,
    follow_up,
    new_assessment,
)

pytestmark = pytest.mark.django_db


def book(clinic, patient, start, site=None, kind=None, **extra):
    return services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=site or clinic.downtown,
        start=start,
        appointment_type=kind or new_assessment(),
        actor=SYSTEM,
        **extra,
    )


def calendar(client, clinic, **params):
    return client.get(reverse("intake:home"), {"week": clinic.monday.isoformat(), **params})


def free_starts(response):
    return [
        entry.start
        for row in response.context["calendar"].rows
        for cell in row.cells
        for entry in cell
        if entry.is_free
    ]


def test_the_week_shows_free_hour_slots_and_bookings_by_day_and_half_hour(
    client_for, front_desk, clinic, patient
):
    book(clinic, patient, at(clinic.monday, 10))
    response = calendar(client_for(front_desk), clinic)
    html = response.content.decode()
    # Monday 9-12 downtown with 10-11 booked: a 60-minute new assessment fits at 9:00 and 11:00 only;
    # Tuesday 13-17 at Portsmouth: 13:00 to 16:00 every half hour.
    monday = [s for s in free_starts(response) if s.date() == clinic.monday]
    assert monday == [at(clinic.monday, 9), at(clinic.monday, 11)]
    tuesday = [s for s in free_starts(response) if s.date() == clinic.tuesday]
    assert tuesday[0] == at(clinic.tuesday, 13) and tuesday[-1] == at(clinic.tuesday, 16)
    assert len(tuesday) == 7
    assert "Hélène Côté" in html and "Arrived" in html and "No-show" in html
    assert [row.at.strftime("%H:%M") for row in response.context["calendar"].rows][:2] == [
        "09:00",
        "09:30",
    ]
    # A follow-up (30 min) fits in the half hours too.
    short = calendar(client_for(front_desk), clinic, type="follow_up")
    assert at(clinic.monday, 11, 30) in free_starts(short)


def test_filters_by_site_and_physiotherapist_and_pages_by_week(
    client_for, front_desk, clinic, patient
):
    other = PhysioFactory(first_name="Omar", last_name="Haddad")
    WeeklyAvailabilityFactory(practitioner=other, site=clinic.west, weekday=0)
    client = client_for(front_desk)
    west = calendar(client, clinic, site=clinic.west.pk)
    west_entries = [e for r in west.context["calendar"].rows for c in r.cells for e in c]
    assert {e.site for e in west_entries} == {clinic.west}
    assert {(e.start.date(), e.practitioner) for e in west_entries} == {
        (clinic.monday, other),  # Omar at Portsmouth on Mondays
        (clinic.tuesday, clinic.physio),  # Priya at Portsmouth on Tuesdays
    }
    priya = calendar(client, clinic, practitioner=clinic.physio.pk)
    entries = [e for r in priya.context["calendar"].rows for c in r.cells for e in c]
    assert {e.practitioner for e in entries} == {clinic.physio}
    # Next week: the same template, seven days later.
    later = client.get(priya.context["next_url"])
    assert at(clinic.monday + timedelta(days=7), 9) in free_starts(later)
    # A day off empties that day.
    AvailabilityExceptionFactory(
        practitioner=clinic.physio, first_day=clinic.monday, last_day=clinic.monday
    )
    off = calendar(client, clinic, practitioner=clinic.physio.pk)
    assert not [s for s in free_starts(off) if s.date() == clinic.monday]


def test_the_calendar_runs_the_same_queries_for_one_booking_as_for_many(
    client_for, front_desk, clinic
):
    client = client_for(front_desk)
    book(clinic, PatientFactory(), at(clinic.tuesday, 13), site=clinic.west)
    calendar(client, clinic)  # the session settles
    with CaptureQueriesContext(connection) as few:
        calendar(client, clinic)
    for hour in (14, 15, 16):
        book(clinic, PatientFactory(), at(clinic.tuesday, hour), site=clinic.west)
    AvailabilityExceptionFactory(
        practitioner=clinic.physio, first_day=clinic.monday, last_day=clinic.monday
    )
    other = PhysioFactory()
    WeeklyAvailabilityFactory(practitioner=other, site=clinic.west, weekday=2)
    with CaptureQueriesContext(connection) as many:
        response = calendar(client, clinic)
    assert response.context["calendar"].booked_count == 4
    assert len(many.captured_queries) == len(few.captured_queries)
    week_reads = [
        q["sql"]
        for q in many.captured_queries
        if 'FROM "intake_appointment"' in q["sql"] or 'FROM "intake_weeklyavailability"' in q["sql"]
    ]
    assert len(week_reads) == 2, week_reads  # one for the availability, one for the appointments


def test_a_new_patient_is_registered_and_booked_from_the_clicked_slot(
    client_for, front_desk, clinic
):
    client = client_for(front_desk)
    page = calendar(client, clinic)
    [slot] = [
        e
        for r in page.context["calendar"].rows
        for c in r.cells
        for e in c
        if e.is_free and e.start == at(clinic.tuesday, 14)
    ]
    form = client.get(slot.book_url)  # click 1
    assert form.status_code == 200 and "Register and book" in form.content.decode()
    response = client.post(  # click 2
        reverse("intake:calendar_book"),
        {
            **form.context["slot_params"],
            "action": "register",
            "first_name": "Élise",
            "last_name": "Bélanger",
            "date_of_birth": "1968-03-21",
            "sex": "F",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 302
    patient = Patient.objects.get(last_name="Bélanger")
    appointment = Appointment.objects.get(patient=patient)
    assert (appointment.start, appointment.site, appointment.appointment_type.code) == (
        at(clinic.tuesday, 14),
        clinic.west,
        "new_assessment",
    )
    detail = client.get(response.url).content.decode()
    assert "Booked: New LBP assessment on Tuesday" in detail
    assert "Phone screen and book" not in detail  # the main button shows the booking now
    assert "Booked: New LBP assessment, " in detail


def test_a_likely_duplicate_is_offered_before_registering_and_can_be_booked_instead(
    client_for, front_desk, clinic, patient
):
    client = client_for(front_desk)
    params = {
        "practitioner": clinic.physio.pk,
        "site": clinic.downtown.pk,
        "start": at(clinic.monday, 9).isoformat(),
        "type": "new_assessment",
    }
    response = client.post(
        reverse("intake:calendar_book"),
        {
            **params,
            "action": "register",
            "first_name": "Helene",
            "last_name": "Cote",
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": "F",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 422
    assert "This may be someone already registered" in response.content.decode()
    assert Patient.objects.count() == 1 and not Appointment.objects.exists()
    booked = client.post(
        reverse("intake:calendar_book"), {**params, "action": "book", "patient": patient.pk}
    )
    assert booked.status_code == 302
    assert Appointment.objects.get().patient == patient


def test_a_slot_taken_meanwhile_is_a_409_that_books_nothing(
    client_for, front_desk, clinic, patient
):
    client = client_for(front_desk)
    params = {
        "practitioner": clinic.physio.pk,
        "site": clinic.downtown.pk,
        "start": at(clinic.monday, 9).isoformat(),
        "type": "new_assessment",
    }
    book(clinic, PatientFactory(), at(clinic.monday, 9))  # another desk, a moment earlier
    response = client.post(
        reverse("intake:calendar_book"), {**params, "action": "book", "patient": patient.pk}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "this slot has just been booked" in html.lower()
    assert not Appointment.objects.filter(patient=patient).exists()
    assert "book that one" in html  # the next free slot, for this patient


def test_a_second_new_assessment_is_refused_without_a_reason_and_warned_about(
    client_for, front_desk, clinic, patient
):
    first = book(clinic, patient, at(clinic.monday, 9))
    client = client_for(front_desk)
    params = {
        "practitioner": clinic.physio.pk,
        "site": clinic.west.pk,
        "start": at(clinic.tuesday, 13).isoformat(),
        "type": "new_assessment",
        "patient": patient.pk,
    }
    page = client.get(reverse("intake:calendar_book"), params).content.decode()
    assert "already has a new assessment booked" in page
    assert f"#appointment-{first.pk}" in page
    refused = client.post(reverse("intake:calendar_book"), {**params, "action": "book"})
    assert refused.status_code == 409
    assert Appointment.objects.filter(patient=patient).count() == 1
    # The older confirm page warns too and refuses the same way.
    confirm = client.post(reverse("intake:booking_confirm"), params)
    assert confirm.status_code == 409 and "already has a new assessment booked" in (
        confirm.content.decode()
    )
    assert Appointment.objects.filter(patient=patient).count() == 1
    # With a reason, on purpose: booked, and the reason is in the audit trail.
    allowed = client.post(
        reverse("intake:calendar_book"),
        {**params, "action": "book", "second_reason": "Second, unrelated problem"},
    )
    assert allowed.status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 2


def test_the_service_guard_counts_only_open_future_new_assessments(clinic, patient):
    first = book(clinic, patient, at(clinic.monday, 9))
    with pytest.raises(services.SecondNewAssessment) as refused:
        book(clinic, patient, at(clinic.tuesday, 13), site=clinic.west)
    assert refused.value.existing == first
    assert "already has a new assessment booked" in str(refused.value)
    # A follow-up is no second assessment; a reschedule moves the first; a cancelled one is gone.
    book(clinic, patient, at(clinic.monday, 11), kind=follow_up())
    moved = services.reschedule_appointment(
        first,
        practitioner=clinic.physio,
        site=clinic.west,
        start=at(clinic.tuesday, 13),
        actor=SYSTEM,
    )
    services.cancel_appointment(moved, actor=SYSTEM, reason="Feels better")
    again = book(clinic, patient, at(clinic.tuesday, 15), site=clinic.west)
    assert again.status == Appointment.Status.BOOKED


def test_reschedule_by_two_clicks_and_a_taken_slot_is_a_clear_409(
    client_for, front_desk, clinic, patient
):
    appointment = book(clinic, patient, at(clinic.monday, 9))
    client = client_for(front_desk)
    page = calendar(client, clinic)
    [booked] = [
        e for r in page.context["calendar"].rows for c in r.cells for e in c if not e.is_free
    ]
    moving = client.get(booked.book_url)  # click 1: "Move"
    assert "Moving" in moving.content.decode() and "Move here" in moving.content.decode()
    target = next(
        e
        for r in moving.context["calendar"].rows
        for c in r.cells
        for e in c
        if e.is_free and e.start == at(clinic.tuesday, 15)
    )
    keep = moving.context["keep"]
    response = client.post(  # click 2: a free slot
        reverse("intake:calendar_move"), {**keep, "move": appointment.pk, "slot": target.value}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    new = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert appointment.status == Appointment.Status.CANCELLED
    assert (new.start, new.site, new.rescheduled_from) == (
        at(clinic.tuesday, 15),
        clinic.west,
        appointment,
    )
    # Moving it onto a time another desk has just taken: 409, the message, nothing moved.
    book(clinic, PatientFactory(), at(clinic.tuesday, 13), site=clinic.west, kind=follow_up())
    value = f"{clinic.physio.pk}|{clinic.west.pk}|{at(clinic.tuesday, 13).isoformat()}"
    clash = client.post(reverse("intake:calendar_move"), {**keep, "move": new.pk, "slot": value})
    assert clash.status_code == 409
    assert "just been booked by someone else" in clash.content.decode()
    new.refresh_from_db()
    assert new.status == Appointment.Status.BOOKED and new.start == at(clinic.tuesday, 15)


def test_arrival_and_no_show_from_the_grid_return_to_the_same_week(
    client_for, front_desk, clinic, patient
):
    appointment = book(clinic, patient, at(clinic.monday, 9))
    client = client_for(front_desk)
    page = calendar(client, clinic, site=clinic.downtown.pk)
    html = page.content.decode()
    action = reverse("intake:appointment_status", args=[appointment.pk])
    assert f'formaction="{action}"' in html
    response = client.post(action, {"to": "no_show", "next": page.context["here_url"]})
    assert response.status_code == 302 and response.url == page.context["here_url"]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW


def test_the_booking_page_without_a_slot_sends_back_to_the_calendar(client_for, front_desk):
    response = client_for(front_desk).get(reverse("intake:calendar_book"))
    assert response.status_code == 302 and response.url == reverse("intake:home")
