"""The front desk's pages in French (issue 16): a browser asking for French gets the front-desk home
with its week calendar, the registration form with its validation messages and the waitlist in
Canadian French, with none of the English wording left."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from intake import services
from intake.models import Patient
from lbp_pathway.audit import SYSTEM
from tests.factories import PatientFactory
from tests.intake.factories import at, new_assessment, waitlist_offer

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A French request leaves French active in this thread; later tests expect the default."""
    yield
    translation.activate("en")


def _page(response) -> str:
    """The page's main content (the shared navigation belongs to the project's own templates)."""
    html = unescape(response.content.decode())
    return html[html.index('<main id="main"') : html.index("</main>")]


def test_the_front_desk_home_and_week_calendar_are_in_french(client_for, front_desk, clinic):
    booked = PatientFactory(first_name="Hélène", last_name="Côté")
    services.book_appointment(
        patient=booked,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    services.add_to_waitlist(patient=PatientFactory(), actor=SYSTEM)
    response = client_for(front_desk).get(
        reverse("intake:home"), {"week": clinic.monday.isoformat()}, **FRENCH
    )
    page = _page(response)
    assert response.status_code == 200
    for french in (
        '<h1 class="h3 mb-3">Accueil</h1>',
        "Semaine du ",
        "Semaine précédente",
        "Trouver une personne",
        "Liste d'attente",
        "Inscrire une nouvelle personne",
        "Heure",  # the calendar's time column
        "lun ",  # Monday's column heading, as Django writes French day names
        "Libre",  # a free slot
        "Réservé",  # the booked appointment's status
        "Arrivé",
        "Absence",
    ):
        assert french in page, french
    for english in (
        "Front desk",
        "Previous week",
        "Find a patient",
        "Register a new patient",
        "Waitlist",
        " Free",
        "No-show",
        "free slot",
    ):
        assert english not in page, english


def test_the_registration_form_and_its_errors_are_in_french(client_for, front_desk):
    desk = client_for(front_desk)
    blank = _page(desk.get(reverse("intake:patient_create"), **FRENCH))
    for french in ("Inscrire une personne", "Prénom", "Date de naissance", "Code postal"):
        assert french in blank, french
    response = desk.post(
        reverse("intake:patient_create"),
        {
            "first_name": "Hélène",
            "last_name": "Côté",
            "date_of_birth": "1971-05-14",
            "sex": "F",
            "health_card_number": "12345",
            "phone": "613-555-0199",
        },
        **FRENCH,
    )
    page = _page(response)
    assert response.status_code == 422
    assert "Un numéro de carte Santé de l'Ontario compte 10 chiffres." in page
    assert "Numéro de carte Santé de l'Ontario" in page  # the field's label
    assert "Femme" in page  # the sex choices
    for english in ("10 digits", "Register a patient", "Ontario health card number", "Female"):
        assert english not in page, english
    assert not Patient.objects.exists()


def test_the_waitlist_is_in_french(client_for, front_desk, clinic):
    entry = services.add_to_waitlist(
        patient=PatientFactory(first_name="Marie-Josée", last_name="Tremblay"), actor=SYSTEM
    )
    freed = services.book_appointment(
        patient=PatientFactory(),
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    waitlist_offer(entry, freed)  # sent by SMS, not answered yet
    response = client_for(front_desk).get(reverse("intake:waitlist"), **FRENCH)
    page = _page(response)
    assert response.status_code == 200
    for french in (
        "Liste d'attente",
        "Plages libérées : à qui les offrir en premier",
        "En attente d'une plage plus tôt",
        "Physiothérapeute",
        "Indifférent",  # no preference of physiotherapist or site
        "Retirer",
        "Marie-Josée Tremblay",
        "Envoyée",  # the offers table
        "Plage offerte",
        "jusqu'au",
    ):
        assert french in page, french
    for english in (
        "Waitlist",
        "Freed slots",
        "Waiting for an earlier slot",
        "Remove",
        "Any",
        "Slot offered",
        "Answered",
        "until",
    ):
        assert english not in page, english


def test_english_stays_the_default(client_for, front_desk):
    page = _page(client_for(front_desk).get(reverse("intake:waitlist")))
    assert "Waiting for an earlier slot (longest first)" in page
    assert "Liste d'attente" not in page


def test_the_other_front_desk_pages_are_in_french(client_for, front_desk, clinic, patient):
    services.book_appointment(
        patient=patient,
        practitioner=clinic.physio,
        site=clinic.downtown,
        start=at(clinic.monday, 9),
        appointment_type=new_assessment(),
        actor=SYSTEM,
    )
    desk = client_for(front_desk)
    pages = {
        reverse("intake:patient_detail", args=[patient.pk]): (
            ["Données démographiques", "Rendez-vous", "Historique des modifications", "Reporter"],
            ["Demographics", "Change history", "Reschedule"],
        ),
        reverse("intake:day_sheet") + f"?day={clinic.monday.isoformat()}": (
            ["Horaire du jour : lundi", "Imprimer", "Naissance"],
            ["Day sheet", "Print", "Monday"],
        ),
        reverse("intake:group_sessions"): (
            ["Séances de groupe", "Aucune séance à venir.", "Type de cours", "Créer la séance"],
            ["Group sessions", "No upcoming session", "Kind of class"],
        ),
        reverse("intake:slot_search") + f"?patient={patient.pk}": (
            ["Prochaines plages libres", "Moment de la journée", "Tout physiothérapeute"],
            ["Next free slots", "Time of day", "Any physiotherapist"],
        ),
        reverse("intake:referral_worklist"): (
            ["Demandes de consultation reçues"],
            ["Referrals in", "No referral is waiting"],
        ),
        reverse("intake:patient_search") + "?q=Côté": (
            ["1 personne trouvée", "Dépistage téléphonique et rendez-vous"],
            ["patient found", "Phone screen and book"],
        ),
    }
    for url, (french, english) in pages.items():
        response = desk.get(url, **FRENCH)
        assert response.status_code == 200, url
        page = _page(response)
        for word in french:
            assert word in page, (url, word)
        for word in english:
            assert word not in page, (url, word)
