"""The public self-referral (issue 15): red-flag stop, urgent first, reference, abuse and bad input."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from intake.models import Appointment
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from patients.booking_models import BookingLink
from patients.models import SelfReferral
from patients.questions import EMERGENCY_QUESTIONS, URGENT_QUESTIONS
from reminders.models import Notification
from tests.factories import PatientFactory
from tests.patients.conftest import answers
from tests.patients.test_self_booking import place_clinic
from triage import rules
from triage.models import PhysicianAlert

pytestmark = pytest.mark.django_db
REFER = "/p/refer/"


def test_the_form_opens_without_an_account_and_asks_every_noticeable_emergency_flag(client):
    html = client.get(REFER).content.decode()
    assert "Refer yourself for back pain" in html
    assert "trouble passing urine" in html
    # Same codes as staff triage: every patient question is a rules code of the right tier.
    assert set(EMERGENCY_QUESTIONS) <= set(rules.EMERGENCY_FLAGS)
    assert set(URGENT_QUESTIONS) <= set(rules.URGENT_FLAGS)
    # The cauda equina questions are all asked (clinical-rules: emergency).
    assert {
        "ces_urinary_retention_or_overflow_incontinence",
        "ces_saddle_or_perineal_anaesthesia",
        "ces_new_bilateral_radicular_symptoms",
    } <= set(EMERGENCY_QUESTIONS)


def test_an_emergency_answer_stops_with_the_emergency_page_and_alerts_every_physician(
    client, physician, make_user
):
    second = make_user(Role.FAMILY_PHYSICIAN, username="md2")
    response = client.post(
        REFER, answers(emergency=["ces_saddle_or_perineal_anaesthesia"]), follow=True
    )
    html = response.content.decode()
    assert "Go to the nearest Emergency Department now, or call 911." in html
    assert "No appointment has been booked." in html
    referral = SelfReferral.objects.get()
    assert referral.outcome == "emergency"
    assert referral.rule_version == rules.RULE_VERSION
    alert = PhysicianAlert.objects.get()
    assert alert.kind == "emergency" and alert.patient is None
    assert referral.reference in alert.message and "Alex Tremblay" in alert.message
    assert referral.alert == alert
    # The same in-app emergency notice as the phone screen, to each family physician.
    assert set(Notification.objects.values_list("user", flat=True)) == {physician.pk, second.pk}
    assert not Appointment.objects.exists()
    # The physician sees it on their home and can open it.
    doctor = Client()
    doctor.force_login(physician)
    home = doctor.get(reverse("care_episodes:physician_home")).content.decode()
    assert "Self-referral, not yet matched to a record" in home
    assert doctor.get(reverse("triage:clear_alert", args=[alert.pk])).status_code == 200


def test_an_emergency_answer_wins_even_when_another_answer_is_wrong(client):
    data = answers(emergency=["significant_trauma"], postal_code="99999", first_name="")
    response = client.post(REFER, data)
    assert "Go to the nearest Emergency Department now" in response.content.decode()
    assert not SelfReferral.objects.exists()


def test_an_urgent_answer_says_what_happens_and_comes_first_on_the_worklist(
    client, front_desk, client_for
):
    client.post(REFER, answers(first_name="Early"))
    response = client.post(REFER, answers(first_name="Later", urgent=["history_of_cancer"]))
    page = client.get(response["Location"]).content.decode()
    assert "a doctor should look at your back pain before physiotherapy" in page
    assert not PhysicianAlert.objects.exists()
    rows = client_for(front_desk).get("/p/staff/self-referrals/").content.decode()
    assert rows.index("Later Tremblay") < rows.index("Early Tremblay")


def test_an_eligible_referral_gets_a_reference_and_a_callback_promise(client):
    response = client.post(REFER, answers())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    referral = SelfReferral.objects.get()
    assert referral.outcome == "callback"
    assert referral.reference in page
    assert "will call you within 2 business days" in page
    assert referral.postal_code == "K7L 3N6" and referral.phone == "+16135550199"
    assert referral.answers["eligibility"]["eligible"] is True
    # Short, readable, not sequential: LBP-XXXX-XXXX with no 0/O/1/I/L.
    assert len(referral.reference) == 13 and referral.reference.startswith("LBP-")
    assert not set(referral.reference[4:].replace("-", "")) & set("01OIL")


def test_an_eligible_referral_with_a_free_slot_is_offered_to_book_at_once(client):
    place_clinic()
    response = client.post(REFER, answers(email="alex@example.org", consent_messages="on"))
    page = client.get(response["Location"]).content.decode()
    assert "Book my visit now" in page
    assert "will call you within 2 business days" in page  # the call back stays on offer

    first = client.post(reverse("patients:refer_book"))
    again = client.post(reverse("patients:refer_book"))  # a double tap: the same link

    assert first.status_code == 302 and first["Location"].startswith("/p/book/")
    assert again["Location"] == first["Location"]
    referral = SelfReferral.objects.get()
    patient = referral.matched_patient
    assert (patient.first_name, patient.last_name) == ("Alex", "Tremblay")
    assert patient.phone == "+16135550199" and patient.consent_email_reminders
    assert referral.handled_at is None  # the front desk still checks for a duplicate record
    assert BookingLink.objects.filter(self_referral=referral).count() == 1
    assert "Hello Alex" in client.get(first["Location"]).content.decode()


def test_without_a_free_slot_the_page_promises_a_call_back(client):
    response = client.post(REFER, answers())
    page = client.get(response["Location"]).content.decode()
    assert "Book my visit now" not in page
    assert "will call you within 2 business days" in page


def test_an_urgent_referral_cannot_book_online(client):
    place_clinic()
    urgent = next(iter(URGENT_QUESTIONS))
    response = client.post(REFER, answers(urgent=[urgent]))
    page = client.get(response["Location"]).content.decode()
    assert "Book my visit now" not in page
    refused = client.post(reverse("patients:refer_book"))
    assert refused.status_code == 302 and "/p/book/" not in refused["Location"]
    assert not BookingLink.objects.exists()


def test_references_are_unique_and_unguessable(client):
    for n in range(5):
        client.post(REFER, answers(first_name=f"P{n}"))
    refs = list(SelfReferral.objects.values_list("reference", flat=True))
    assert len(set(refs)) == 5


def test_someone_under_18_is_told_to_see_their_family_doctor(client):
    born = timezone.localdate().replace(year=timezone.localdate().year - 16)
    response = client.post(REFER, answers(date_of_birth=born.isoformat()))
    page = client.get(response["Location"]).content.decode()
    assert "may not be the right place for you" in page
    assert SelfReferral.objects.get().outcome == "not_eligible"


def test_the_answer_never_depends_on_whether_the_person_is_registered(client):
    PatientFactory(first_name="Alex", last_name="Known", date_of_birth="1978-05-14")
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    pages = []
    for last_name in ("Nobody", "Known"):
        response = client.post(REFER, answers(last_name=last_name))
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        reference = SelfReferral.objects.get(last_name=last_name).reference
        pages.append(token.sub("", page.replace(reference, "REF")))
    assert pages[0] == pages[1]


# --- bad input: a clear message, nothing stored ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "date_of_birth",
            (timezone.localdate() + timedelta(days=1)).isoformat(),
            "cannot be in the future",
        ),
        ("date_of_birth", "1790-01-01", "check the year of birth"),
        ("postal_code", "Z9Z 9Z9", "Canadian postal code"),
        ("postal_code", "12345", "Canadian postal code"),
        ("phone", "555", "phone number with its area code"),
        ("description", "", "describe your back pain"),
        ("flag_history_of_cancer", "", "answer yes or no"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, field, value, message):
    response = client.post(REFER, answers(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SelfReferral.objects.exists()


def test_no_way_to_reach_the_person_is_refused(client):
    response = client.post(REFER, answers(phone="", email=""))
    assert "phone number or an email address" in response.content.decode()
    assert not SelfReferral.objects.exists()


def test_a_10_mb_body_is_refused_with_a_message(client):
    response = client.post(REFER, answers(description="x" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    assert "nothing was saved" in response.content.decode()
    assert not SelfReferral.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "<script>alert('x')</script> sore back"),
        ("description", "sore back <img src=x onerror=alert(1)>"),
        ("first_name", "<b>Alex</b>"),
        ("last_name", "javascript:alert(1)"),
    ],
)
def test_script_in_free_text_gets_a_clear_message_and_stores_nothing(client, field, value):
    response = client.post(REFER, answers(**{field: value}))
    assert response.status_code == 400
    assert "without code or tags" in response.content.decode()
    assert "<script>alert(" not in response.content.decode()
    assert not SelfReferral.objects.exists()


def test_plain_text_with_symbols_is_kept_as_typed_and_shown_escaped(client, front_desk, client_for):
    text = "Pain < 5 at rest, > 7 after work & driving"
    client.post(REFER, answers(description=text))
    referral = SelfReferral.objects.get()
    assert referral.description == text
    html = client_for(front_desk).get(f"/p/staff/self-referrals/{referral.pk}/").content.decode()
    assert "Pain &lt; 5 at rest, &gt; 7 after work &amp; driving" in html


def test_the_honeypot_thanks_the_bot_and_stores_nothing(client):
    response = client.post(REFER, answers(website="http://spam.example"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert not SelfReferral.objects.exists()


@override_settings(SELF_REFERRAL_RATE_LIMIT=2)
def test_submissions_are_rate_limited_per_address(client):
    here, elsewhere = (
        "198.51.100.7",
        "203.0.113.9",
    )  # documentation addresses, used by no other test
    for address in (here, elsewhere):  # the counters live in Redis, which outlives a test run
        cache.delete(f"patients:selfref:{address}")
    for n in range(2):
        response = client.post(REFER, answers(first_name=f"P{n}"), REMOTE_ADDR=here)
        assert response.status_code == 302
    response = client.post(REFER, answers(first_name="Third"), REMOTE_ADDR=here)
    assert response.status_code == 429
    assert "try again in an hour" in response.content.decode()
    assert SelfReferral.objects.count() == 2
    other = client.post(REFER, answers(first_name="Elsewhere"), REMOTE_ADDR=elsewhere)
    assert other.status_code == 302


# --- the front desk ------------------------------------------------------------------------------


def test_the_front_desk_matches_a_self_referral_to_a_patient(client, front_desk, client_for):
    client.post(REFER, answers())
    referral = SelfReferral.objects.get()
    patient = PatientFactory(first_name="Alex", last_name="Tremblay")
    desk = client_for(front_desk)
    item = desk.get(f"/p/staff/self-referrals/{referral.pk}/").content.decode()
    assert "Search patients for" in item and "Register a new patient" in item
    desk.post(f"/p/staff/self-referrals/{referral.pk}/match/", {"patient": patient.pk})
    referral.refresh_from_db()
    assert referral.matched_patient == patient and referral.handled_by == front_desk
    worklist = desk.get("/p/staff/self-referrals/").content.decode()
    assert "No self-referral is waiting." in worklist
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="change").exists()


def test_the_worklist_is_for_the_front_desk_only(client, physio, client_for):
    assert client.get("/p/staff/self-referrals/").status_code in (302, 403)
    assert client_for(physio).get("/p/staff/self-referrals/").status_code == 403


# --- French ---------------------------------------------------------------------------------------


def test_the_french_page_is_in_french(client):
    client.post("/p/language/", {"language": "fr", "next": REFER})
    html = client.get(REFER).content.decode()
    assert 'lang="fr-CA"' in html
    assert "Demander une consultation pour le mal de dos" in html
    assert "Questions de sécurité" in html
    assert "Refer yourself for back pain" not in html
    response = client.post(REFER, answers(emergency=["significant_trauma"]), follow=True)
    assert (
        "Rendez-vous immédiatement au service d'urgence le plus proche" in response.content.decode()
    )
    assert SelfReferral.objects.get().language == "fr"


def test_an_accept_language_header_picks_french(client):
    html = client.get(REFER, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9").content.decode()
    assert "Votre mal de dos" in html


def test_the_data_migration_stores_existing_self_referral_phones_in_e164():
    migration = importlib.import_module("patients.migrations.0003_selfreferral_phone_e164")
    base = {
        "first_name": "Old",
        "last_name": "Referral",
        "date_of_birth": "1970-05-04",
        "postal_code": "K7L 1A1",
        "description": "Back pain",
        "rule_version": "test",
        "outcome": SelfReferral.Outcome.CALLBACK,
    }
    readable = SelfReferral.objects.create(reference="LBP-OLD1-0001", phone="613-555-0199", **base)
    unreadable = SelfReferral.objects.create(reference="LBP-OLD1-0002", phone="12", **base)

    migration.forwards(django_apps, None)

    readable.refresh_from_db()
    unreadable.refresh_from_db()
    assert readable.phone == "+16135550199"
    assert unreadable.phone == "12"  # left for the front desk to correct


@pytest.mark.parametrize("path", ["/p/refer/", "/p/refer/book/", "/p/book/any-token/"])
def test_a_10_mb_body_gets_a_clear_page_before_the_csrf_check_and_stores_nothing(path):
    browser = Client(enforce_csrf_checks=True)  # as a real browser: the CSRF check runs
    response = browser.post(path, answers(description="x" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    assert "nothing was saved" in response.content.decode()
    assert not SelfReferral.objects.exists()


def test_the_front_desk_reads_a_self_referral_in_french_with_red_flags_named(
    client, front_desk, client_for
):
    client.post(REFER, answers(first_name="Later", urgent=["history_of_cancer"]))
    referral = SelfReferral.objects.get()
    desk = client_for(front_desk)
    french = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}
    item = desk.get(f"/p/staff/self-referrals/{referral.pk}/", **french).content.decode()
    for text in ["Le mal de dos, dans ses mots", "Un cancer actuel ou passé", "Jumeler"]:
        assert text in item, text
    for english in ["Back pain, in their words", "history_of_cancer", "Red flags answered"]:
        assert english not in item, english
    worklist = desk.get("/p/staff/self-referrals/", **french).content.decode()
    assert "Autoréférences" in worklist and "Self-referrals" not in worklist
