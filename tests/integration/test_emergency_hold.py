"""An emergency on the front desk's phone screen holds every booking for the patient.

docs/clinical-rules.md section 2: the hold belongs to the patient, whether or not an episode exists,
until a physician clears the alert; every booking path refuses with the reason.
"""

import pytest
from django.urls import reverse

from care_episodes.models import Episode
from intake import services
from intake.models import Appointment, WaitlistEntry
from lbp_pathway.access import Role
from lbp_pathway.audit import SYSTEM
from lbp_pathway.models import StaffPreference
from reminders.models import Notification
from tests.factories import PatientFactory, UserFactory
from tests.intake.conftest import Clinic
from tests.intake.factories import at, new_assessment
from tests.triage.test_rules_spec import RED_FLAG_TIERS
from triage.models import PhysicianAlert

pytestmark = pytest.mark.django_db

# docs/clinical-rules.md section 2: the emergency tier, every code (the rule book's table).
EMERGENCY_CODES = sorted(code for code, tier in RED_FLAG_TIERS.items() if tier == "emergency")


@pytest.fixture
def clinic(db):
    return Clinic()


@pytest.fixture
def family_physician(db):
    return UserFactory(role=Role.FAMILY_PHYSICIAN, username="dr-panel")


@pytest.fixture
def new_patient(family_physician):
    """Registered a minute ago: no episode, no appointment."""
    return PatientFactory(family_physician=family_physician)


def screen_on_the_phone(client, patient, flags):
    return client.post(
        f"{reverse('triage:phone_screen')}?patient={patient.pk}",
        {"back_pain_main_reason": "yes", "emergency_symptoms": flags},
    )


def book_through_the_service(clinic, patient):
    return services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
        now=clinic.now,
    )


def booking_form(clinic, patient, **extra):
    return {
        "patient": patient.pk,
        "practitioner": clinic.physio.pk,
        "site": clinic.downtown.pk,
        "start": at(clinic.monday, 9).isoformat(),
        "type": "new_assessment",
        **extra,
    }


@pytest.mark.parametrize("code", EMERGENCY_CODES)
def test_each_emergency_symptom_on_the_phone_holds_a_brand_new_patient(
    client_for, front_desk, clinic, new_patient, code
):
    result = screen_on_the_phone(client_for(front_desk), new_patient, [code])
    assert result.status_code == 200
    assert "Emergency" in result.content.decode()
    assert not new_patient.episodes.exists(), "the screen itself opens no episode"

    with pytest.raises(services.BookingRefused, match="Emergency red flag"):
        book_through_the_service(clinic, new_patient)
    assert not Appointment.objects.filter(patient=new_patient).exists()
    assert not Episode.objects.filter(patient=new_patient).exists(), "a refusal creates nothing"


def test_the_booking_page_refuses_with_the_reason_and_the_patient_page_shows_it(
    client_for, front_desk, clinic, new_patient
):
    desk = client_for(front_desk)
    screen_on_the_phone(desk, new_patient, ["ces_saddle_or_perineal_anaesthesia"])

    response = desk.post(reverse("intake:booking_confirm"), booking_form(clinic, new_patient))
    assert response.status_code == 409
    assert "routine booking refused until a physician clears it" in response.content.decode()
    assert not Appointment.objects.filter(patient=new_patient).exists()

    page = desk.get(reverse("intake:patient_detail", args=[new_patient.pk]))
    hold = page.content.decode()
    assert 'data-testid="patient-booking-hold"' in hold
    assert "Emergency red flag" in hold


def test_a_waitlist_offer_is_refused_and_the_patient_stays_on_the_waitlist(
    client_for, front_desk, clinic, new_patient
):
    desk = client_for(front_desk)
    entry = services.add_to_waitlist(patient=new_patient, actor=SYSTEM)
    screen_on_the_phone(desk, new_patient, ["suspected_spinal_infection"])

    response = desk.post(
        reverse("intake:booking_confirm"), booking_form(clinic, new_patient, waitlist=entry.pk)
    )
    assert response.status_code == 409
    assert "Emergency red flag" in response.content.decode()
    assert not Appointment.objects.filter(patient=new_patient).exists()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_a_reschedule_is_refused_and_the_booked_visit_kept(
    client_for, front_desk, clinic, new_patient
):
    booked = book_through_the_service(clinic, new_patient)
    screen_on_the_phone(client_for(front_desk), new_patient, ["significant_trauma"])

    with pytest.raises(services.BookingRefused):
        services.reschedule_appointment(
            booked,
            practitioner=clinic.physio,
            site=clinic.west,
            start=at(clinic.tuesday, 13),
            actor=SYSTEM,
            now=clinic.now,
        )
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED, "the old visit is not lost"
    assert Appointment.objects.filter(patient=new_patient).count() == 1


def test_no_emergency_on_the_phone_leaves_booking_open(client_for, front_desk, clinic, new_patient):
    result = screen_on_the_phone(client_for(front_desk), new_patient, [])
    assert result.status_code == 302, "no emergency: straight on to the slot search"
    assert book_through_the_service(clinic, new_patient).episode.patient == new_patient


def test_the_physician_clears_the_alert_and_booking_opens_again(
    client_for, front_desk, family_physician, clinic, new_patient
):
    screen_on_the_phone(client_for(front_desk), new_patient, ["suspected_cord_compression"])
    alert = PhysicianAlert.objects.get(patient=new_patient)

    doctor = client_for(family_physician)
    cleared = doctor.post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": "Seen in the ED, MRI normal."}
    )
    assert cleared.status_code == 302
    appointment = book_through_the_service(clinic, new_patient)
    assert appointment.episode.booking_hold == ""


def test_a_patient_without_family_physician_is_every_physicians_to_clear(
    client_for, front_desk, clinic
):
    orphan = PatientFactory(family_physician=None)
    first, second = (
        UserFactory(role=Role.FAMILY_PHYSICIAN, username=name) for name in ("dr-a", "dr-b")
    )
    screen_on_the_phone(client_for(front_desk), orphan, ["progressive_neurological_deficit"])
    alert = PhysicianAlert.objects.get(patient=orphan)

    for physician in (first, second):
        assert Notification.objects.filter(user=physician, title="Emergency red flag").exists()
        home = client_for(physician).get(reverse("care_episodes:physician_home")).content.decode()
        assert reverse("triage:clear_alert", args=[alert.pk]) in home
        assert "No family physician on file" in home

    front_desk_try = client_for(front_desk).post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": "not mine to clear"}
    )
    assert front_desk_try.status_code == 403
    with pytest.raises(services.BookingRefused):
        book_through_the_service(clinic, orphan)

    client_for(second).post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": "Reviewed: mechanical pain."}
    )
    assert book_through_the_service(clinic, orphan).patient == orphan


def test_a_panel_physician_cannot_clear_another_panels_alert(
    client_for, front_desk, clinic, new_patient
):
    outsider = UserFactory(role=Role.FAMILY_PHYSICIAN, username="dr-outside")
    screen_on_the_phone(client_for(front_desk), new_patient, ["significant_trauma"])
    alert = PhysicianAlert.objects.get(patient=new_patient)
    response = client_for(outsider).post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": "trying"}
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.cleared_at is None
    with pytest.raises(services.BookingRefused):
        book_through_the_service(clinic, new_patient)


def test_after_a_panel_change_the_new_family_physician_clears_the_alert(
    client_for, front_desk, family_physician, clinic, new_patient
):
    screen_on_the_phone(client_for(front_desk), new_patient, ["significant_trauma"])
    alert = PhysicianAlert.objects.get(patient=new_patient)
    successor = UserFactory(role=Role.FAMILY_PHYSICIAN, username="dr-new-panel")
    new_patient.family_physician = successor
    new_patient.save(update_fields=["family_physician"])

    former = client_for(family_physician).post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": "not my patient any more"}
    )
    assert former.status_code == 403
    home = client_for(successor).get(reverse("care_episodes:physician_home")).content.decode()
    assert reverse("triage:clear_alert", args=[alert.pk]) in home
    client_for(successor).post(
        reverse("triage:clear_alert", args=[alert.pk]), {"note": "Reviewed in clinic today."}
    )
    assert book_through_the_service(clinic, new_patient).patient == new_patient


def test_the_emergency_notification_is_in_the_language_each_physician_chose(
    client_for, front_desk, clinic
):
    orphan = PatientFactory(family_physician=None)
    english, french = (
        UserFactory(role=Role.FAMILY_PHYSICIAN, username=name) for name in ("dr-en", "dr-fr")
    )
    StaffPreference.objects.create(user=french, language="fr")
    screen_on_the_phone(client_for(front_desk), orphan, ["progressive_neurological_deficit"])

    [to_english] = Notification.objects.filter(user=english)
    assert to_english.title == "Emergency red flag"
    assert to_english.body.startswith(f"{orphan.full_name}: Emergency symptom on the phone")
    [to_french] = Notification.objects.filter(user=french)
    assert to_french.title == "Drapeau rouge d'urgence"
    assert to_french.body.startswith(f"{orphan.full_name}: Symptôme d'urgence au téléphone")
