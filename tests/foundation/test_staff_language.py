"""Issue 16: staff screens in English or French. A staff member picks the language in the navigation;
it is saved on their account, so every later sign-in (on any browser) shows it. Patient pages (/p/)
keep their own language (the browser's, or their own switch); the sign-in page follows the browser."""

from datetime import date, time

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lbp_pathway.access import Role
from lbp_pathway.models import StaffPreference
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_a_staff_member_switches_to_french_and_it_stays_for_their_next_sign_in(make_user):
    admin = make_user(Role.ADMINISTRATOR, username="bilingual")
    client = Client()
    assert client.login(username="bilingual", password=TEST_PASSWORD)
    english = text(client.get(reverse("administration_home")))
    assert "Sign out" in english and 'lang="en-CA"' in english
    assert 'data-testid="staff-language-switch"' in english and 'value="fr"' in english

    response = client.post(
        reverse("set_language"), {"language": "fr", "next": reverse("administration_home")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("administration_home")
    assert "django_language" not in response.cookies  # the patient pages keep their own language
    assert StaffPreference.objects.get(user=admin).language == "fr"
    french = text(client.get(reverse("administration_home")))
    assert 'lang="fr-CA"' in french
    assert "Se déconnecter" in french and "Utilisateurs et rôles" in french
    assert "Sign out" not in french and "Users and roles" not in french

    another_browser = Client()  # no language cookie, no Accept-Language
    assert another_browser.login(username="bilingual", password=TEST_PASSWORD)
    assert "Journal d'audit" in text(another_browser.get(reverse("audit_log")))

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert StaffPreference.objects.get(user=admin).language == "en"
    assert "Sign out" in text(client.get(reverse("administration_home")))


def test_a_staff_members_french_does_not_change_the_patient_pages(make_user):
    make_user(Role.FRONT_DESK, username="frontfr")
    client = Client()
    assert client.login(username="frontfr", password=TEST_PASSWORD)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    patient_page = client.get(reverse("patients:refer"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en-CA"' in text(patient_page)


def test_an_unknown_language_or_an_outside_address_changes_nothing(make_user):
    user = make_user(Role.PHYSIOTHERAPIST, username="ptlang")
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("set_language"), {"language": "de", "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not StaffPreference.objects.filter(user=user).exists()


def test_the_sign_in_page_follows_the_browser_language():
    french = text(Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9"))
    assert "Se connecter" in french and 'lang="fr-CA"' in french
    assert ">Sign in<" not in french
    english = text(Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-CA"))
    assert "Sign in" in english


def test_dates_are_year_month_day_in_both_languages_and_times_24_hours_in_french():
    template = Template("{{ day|date }} {{ day|date:'SHORT_DATE_FORMAT' }} {{ moment|time }}")
    values = Context({"day": date(2030, 3, 14), "moment": time(14, 5)})
    with translation.override("fr"):
        assert template.render(values) == "2030-03-14 2030-03-14 14:05"
    with translation.override("en"):
        assert template.render(values) == "2030-03-14 2030-03-14 2:05 PM"
