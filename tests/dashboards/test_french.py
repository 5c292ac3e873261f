"""The manager dashboard, its CSV and the monthly report in French (Accept-Language: fr)."""

import csv
import html as html_lib
import io
from datetime import date

import pytest
from django.urls import reverse

from tests.dashboards.factories import END, START, assessed
from tests.factories import SiteFactory

FR = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9"}


@pytest.fixture
def north(db):
    site = SiteFactory(name="North")
    for wait in (2, 4, 6, 8, 10, 12):
        assessed(site, date(2026, 7, 6), wait, risk="low")
    return site


def text(response):
    return html_lib.unescape(response.content.decode())


def test_the_manager_dashboard_renders_in_french(north, manager, client_for):
    response = client_for(manager).get(
        reverse("dashboards:manager_home"),
        {"start": START.isoformat(), "end": END.isoformat()},
        **FR,
    )
    assert response.status_code == 200
    page = text(response)
    for french in (
        "Tableau de bord",
        "Rapport mensuel",
        "Attente entre la demande et la première évaluation, par site",
        "Attente médiane (jours)",
        "Tous les sites",  # the total row, shown in French
        "Strates de risque STarT Back",
        "faible",  # the low-risk stratum
        "Télécharger le CSV",
    ):
        assert french in page, french
    for english in ("Dashboard filters", "Median wait (days)", "All sites", "Download CSV"):
        assert english not in page, english


def test_the_csv_headers_follow_the_language_the_figures_do_not_change(north, manager, client_for):
    params = {"start": START.isoformat(), "end": END.isoformat(), "export": "wait_by_site"}
    client = client_for(manager)
    french = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("dashboards:manager_home"), params, **FR).content.decode()
            )
        )
    )
    english = list(
        csv.reader(
            io.StringIO(client.get(reverse("dashboards:manager_home"), params).content.decode())
        )
    )
    assert french[0][:3] == ["Site", "Évalués", "Attente médiane (jours)"]
    assert english[0][:3] == ["Site", "Assessed", "Median wait (days)"]
    assert french[-1][0] == "Tous les sites" and english[-1][0] == "All sites"
    assert [row[1:] for row in french[1:]] == [row[1:] for row in english[1:]]


def test_the_monthly_report_renders_in_french(north, manager, client_for):
    response = client_for(manager).get(
        reverse("dashboards:monthly_report"), {"month": "2026-07"}, **FR
    )
    page = text(response)
    assert "Rapport mensuel : juillet 2026" in page
    assert "Demandes du 2026-07-01 au 2026-07-31" in page
    assert "Monthly report" not in page and "July 2026" not in page
