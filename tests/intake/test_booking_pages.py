"""Slot search, two-click booking, appointment actions, referrals in, waitlist and day sheets."""

from datetime import timedelta

import pytest
from django.urls import reverse

from care_episodes.models import Episode
from intake import services
from intake.models import Appointment, IncomingReferral
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM, as_actor
from lbp_pathway.models import AuditEvent
from tests.factories import EpisodeFactory, PatientFactory, SiteFactory, UserFactory
from tests.intake.factories import (
    PhysioFactory,
    WeeklyAvailabilityFactory,
    at,
    new_assessment,
)

pytestmark = pytest.mark.django_db


def test_front_desk_books_the_first_free_slot_in_two_clicks(
    client_for, front_desk, clinic, patient
):
    client = client_for(front_desk)
    listing = client.get(reverse("intake:slot_search"), {"patient": patient.pk})
    first = listing.context["slots"][0]
    assert (first.start, first.site) == (at(clinic.monday, 9), clinic.downtown)
    confirm = client.get(first.confirm_url)  # click 1: pick the slot
    assert "Confirm booking" in confirm.content.decode()
    form = confirm.context
    booked = client.post(  # click 2: confirm
        reverse("intake:booking_confirm"),
        {
            "patient": patient.pk,
            "practitioner": form["slot"]["practitioner"].pk,
            "site": form["slot"]["site"].pk,
            "start": form["slot"]["start"].isoformat(),
            "type": "new_assessment",
        },
    )
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.start, appointment.booked_by) == (
        patient,
        at(clinic.monday, 9),
        front_desk,
    )
    # One audit row for the booking, written by the service with the request's user and path.
    [row] = AuditEvent.objects.filter(action="change", patient_id=patient.pk)
    assert (row.user, row.what, row.path) == (
        front_desk,
        "Appointment booked",
        reverse("intake:booking_confirm"),
    )
    page = client.get(booked.url).content.decode()
    assert "Booked: New LBP assessment on Monday" in page


def test_slot_search_filters_by_site_and_afternoon(client_for, front_desk, clinic, patient):
    listing = client_for(front_desk).get(
        reverse("intake:slot_search"),
        {"patient": patient.pk, "site": clinic.west.pk, "part_of_day": "afternoon"},
    )
    slots = listing.context["slots"]
    assert slots and {s.site for s in slots} == {clinic.west}
    assert all(s.start.hour >= 12 for s in slots)


def test_booking_a_slot_taken_meanwhile_explains_and_offers_the_next_one(
    client_for, front_desk, clinic, patient
):
    services.book_appointment(
        patient=PatientFactory(),
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    response = client_for(front_desk).post(
        reverse("intake:booking_confirm"),
        {
            "patient": patient.pk,
            "practitioner": clinic.physio.pk,
            "site": clinic.downtown.pk,
            "start": at(clinic.monday, 9).isoformat(),
            "type": "new_assessment",
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "just been booked by someone else" in html
    assert response.context["slot"]["start"] == at(clinic.monday, 10)
    assert Appointment.objects.filter(patient=patient).count() == 0


def test_booking_on_hold_shows_the_hold_and_books_nothing(client_for, front_desk, clinic, patient):
    EpisodeFactory(patient=patient, booking_hold="Emergency red flag: see the physician first")
    response = client_for(front_desk).post(
        reverse("intake:booking_confirm"),
        {
            "patient": patient.pk,
            "practitioner": clinic.physio.pk,
            "site": clinic.downtown.pk,
            "start": at(clinic.monday, 9).isoformat(),
        },
    )
    assert response.status_code == 409
    assert "Emergency red flag: see the physician first" in response.content.decode()
    assert not Appointment.objects.exists()


def _book(clinic, patient, hour=9):
    return services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, hour),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )


def test_front_desk_marks_arrival_and_no_show_and_cancels_with_a_reason(
    client_for, front_desk, clinic, patient
):
    client = client_for(front_desk)
    arriving, missing, cancelled = (_book(clinic, PatientFactory(), hour) for hour in (9, 10, 11))
    client.post(reverse("intake:appointment_status", args=[arriving.pk]), {"to": "arrived"})
    client.post(reverse("intake:appointment_status", args=[missing.pk]), {"to": "no_show"})
    refused = client.post(reverse("intake:appointment_cancel", args=[cancelled.pk]), {"reason": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    client.post(
        reverse("intake:appointment_cancel", args=[cancelled.pk]), {"reason": "Feeling better"}
    )
    assert [a.status for a in Appointment.objects.order_by("start")] == [
        "arrived",
        "no_show",
        "cancelled",
    ]
    again = client.post(
        reverse("intake:appointment_status", args=[missing.pk]), {"to": "arrived"}, follow=True
    )
    assert "cannot be marked arrived" in again.content.decode()


def test_physician_refers_a_panel_patient_and_front_desk_sees_urgent_first(
    client_for, physician, front_desk
):
    mine = PatientFactory(family_physician=physician, first_name="Routine", last_name="Older")
    urgent = PatientFactory(family_physician=physician, first_name="Urgent", last_name="Newer")
    older = services.refer_patient(
        patient=mine,
        physician=physician,
        actor=as_actor(physician),
        reason="LBP",
        urgency="routine",
        received_on=services.timezone.localdate() - timedelta(days=5),
    )
    doctor = client_for(physician)
    found = doctor.get(reverse("intake:refer_patient"), {"q": "newer"})
    assert list(found.context["matches"]) == [urgent]
    sent = doctor.post(
        reverse("intake:refer_patient"),
        {"patient": urgent.pk, "reason": "Sciatica 4 weeks, not improving", "urgency": "urgent"},
    )
    assert sent.status_code == 302
    referral = IncomingReferral.objects.get(patient=urgent)
    assert referral.episode.source == Episode.Source.PHYSICIAN_REFERRAL
    assert referral.episode.requested_on == referral.received_on
    worklist = client_for(front_desk).get(reverse("intake:referral_worklist"))
    assert [r.pk for r in worklist.context["referrals"]] == [referral.pk, older.pk]


def test_a_physician_cannot_refer_a_patient_outside_their_panel(client_for, physician, front_desk):
    other = PatientFactory()
    response = client_for(physician).post(
        reverse("intake:refer_patient"), {"patient": other.pk, "reason": "x", "urgency": "routine"}
    )
    assert response.status_code == 403
    assert not IncomingReferral.objects.exists()
    assert AuditEvent.objects.filter(user=physician, action="denied", patient_id=other.pk).exists()


def test_the_referral_form_is_for_physicians_only(client_for, front_desk, physio):
    for user in (front_desk, physio):
        assert client_for(user).get(reverse("intake:refer_patient")).status_code == 403


def test_a_cancelled_slot_is_offered_to_the_longest_waiting_matching_patient(
    client_for, front_desk, clinic
):
    other_physio = PhysioFactory(username="physio2")
    waiting_long, waiting_wrong_physio, waiting_short = (
        PatientFactory(),
        PatientFactory(),
        PatientFactory(),
    )
    services.add_to_waitlist(patient=waiting_long, actor=SYSTEM)
    services.add_to_waitlist(patient=waiting_wrong_physio, practitioner=other_physio, actor=SYSTEM)
    services.add_to_waitlist(patient=waiting_short, site=clinic.downtown, actor=SYSTEM)
    services.cancel_appointment(
        _book(clinic, PatientFactory()), actor=SYSTEM, reason="Patient cancelled"
    )
    page = client_for(front_desk).get(reverse("intake:waitlist"))
    (freed,) = page.context["freed"]
    assert [entry.patient for entry in freed.candidates] == [waiting_long, waiting_short]
    offer = freed.candidates[0].offer_url
    confirm = client_for(front_desk).get(offer)
    assert confirm.context["slot"]["start"] == at(clinic.monday, 9)


def test_physio_sees_their_own_day_sheet_by_default_front_desk_sees_everyone(
    client_for, front_desk, clinic, patient
):
    colleague = PhysioFactory(username="physio2", first_name="Omar", last_name="Haddad")
    WeeklyAvailabilityFactory(practitioner=colleague, site=clinic.west, weekday=0)
    _book(clinic, patient)
    services.book_appointment(
        patient=PatientFactory(first_name="Other", last_name="Person"),
        practitioner=colleague,
        site=clinic.west,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    day = {"day": clinic.monday.isoformat()}
    own = client_for(clinic.physio).get(reverse("intake:day_sheet"), day)
    assert [p.practitioner for p in own.context["sheet"]] == [clinic.physio]
    assert "Côté" in own.content.decode() and "Other Person" not in own.content.decode()
    desk = client_for(front_desk).get(reverse("intake:day_sheet"), day)
    assert {p.practitioner for p in desk.context["sheet"]} == {clinic.physio, colleague}
    assert "data-print" in desk.content.decode()


def _grow(clinic, size: int) -> None:
    """`size` more patients, each with a booked appointment on the clinic's Monday or Tuesday."""
    physios = [PhysioFactory(username=f"extra{size}-{n}") for n in range(2)]
    for physio in physios:
        WeeklyAvailabilityFactory(
            practitioner=physio, site=SiteFactory(), weekday=0, end=at(clinic.monday, 17).time()
        )
    for n in range(size):
        physio = physios[n % 2]
        services.book_appointment(
            patient=PatientFactory(last_name=f"Sample{n}"),
            practitioner=physio,
            site=physio.weekly_availability.first().site,
            start=at(clinic.monday, 9) + timedelta(hours=n // 2),
            appointment_type=new_assessment(),
            actor=SYSTEM,
        )


@pytest.mark.parametrize("size", [2, 12])
def test_search_slots_and_day_sheet_pages_issue_a_fixed_number_of_queries(
    client_for, front_desk, clinic, patient, size, django_assert_num_queries
):
    _grow(clinic, size)
    client = client_for(front_desk)
    client.get(reverse("intake:home"))  # warm the session
    # Each page: the session and the user with their roles (2), then its own queries; the session is
    # written at most once a minute, not on every page (issue 13). A one-word name search that finds
    # fewer than 50 runs its four tiers (docs/search.md): exact surname, surname prefix, first-name
    # prefix, similarity; each bounded by the limit.
    with django_assert_num_queries(7):
        assert client.get(reverse("intake:patient_search"), {"q": "sample"}).status_code == 200
    with django_assert_num_queries(12):
        assert client.get(reverse("intake:slot_search"), {"patient": patient.pk}).status_code == 200
    with django_assert_num_queries(6):
        response = client.get(reverse("intake:day_sheet"), {"day": clinic.monday.isoformat()})
    assert sum(len(s.appointments) for p in response.context["sheet"] for s in p.sites) == size


def test_any_role_but_front_desk_and_physio_is_refused_the_day_sheet(
    client_for, physician, manager
):
    for user in (physician, manager):
        assert client_for(user).get(reverse("intake:day_sheet")).status_code == 403


def test_user_factory_role_helper_is_consistent():
    assert UserFactory(role=Role.PHYSIOTHERAPIST).groups.get().name == "Physiotherapist"
