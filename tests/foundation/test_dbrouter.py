"""The read replica (lbp_pathway/dbrouter.py): reports read from it, everything else uses default.

The suite's embedded PostgreSQL stands in for the two servers: a second database on it plays the
replica, reached through a second connection (its own URL and alias). It is deliberately *not* a copy:
a site and episodes exist only there, and another site only in default, so a figure on the page shows
which connection it was read through.
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg2
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings
from django.urls import reverse

from intake.models import Site
from lbp_pathway.dbrouter import REPLICA, read_alias, reads_from_replica
from reporting import queries as q
from tests.factories import EpisodeFactory, PatientFactory

REPLICA_ONLY = "Replica-only Clinic"
DEFAULT_ONLY = "Default-only Clinic"


def _server(params: dict) -> psycopg2.extensions.connection:
    """An autocommit connection to the server's maintenance database, as the test database's own."""
    keep = ("host", "port", "user", "password")
    connection = psycopg2.connect(
        dbname="postgres", **{k: v for k, v in params.items() if k in keep}
    )
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """A `replica` alias on a second database of the same server, with the schema migrated into it."""
    default = connections.settings[DEFAULT_DB_ALIAS]
    name = f"{default['NAME']}_replica"
    server = _server(connections[DEFAULT_DB_ALIAS].get_connection_params())
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connections.settings[REPLICA] = {**default, "NAME": name, "TEST": {"MIRROR": None}}
    try:
        with django_db_blocker.unblock():
            # Built like a fresh primary (a real replica gets its schema by streaming from default).
            with override_settings(DATABASE_ROUTERS=[]):
                call_command("migrate", database=REPLICA, verbosity=0)
            yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.close()


def _assessed_episodes_at(site: Site, waits: list[int], *, using: str) -> None:
    requested = date.today() - timedelta(days=60)
    physio = User.objects.db_manager(using).create_user(f"pt-{site.name[:7]}-{using}")
    for wait in waits:
        patient = PatientFactory.build()
        patient.save(using=using)
        episode = EpisodeFactory.build(
            patient=patient,
            physiotherapist=physio,
            site=site,
            requested_on=requested,
            first_assessed_on=requested + timedelta(days=wait),
            status="assessed",
        )
        episode.save(using=using)


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_a_report_reads_from_the_replica_and_writes_and_other_reads_use_default(
    replica, manager, client_for
):
    replica_site = Site.objects.using(REPLICA).create(name=REPLICA_ONLY, address="1 Copy Road")
    _assessed_episodes_at(replica_site, [3, 5, 7, 9, 11], using=REPLICA)
    default_site = Site.objects.create(name=DEFAULT_ONLY, address="2 Source Street")
    _assessed_episodes_at(default_site, [20, 22, 24, 26, 28], using=DEFAULT_DB_ALIAS)

    page = client_for(manager).get(reverse("dashboards:manager_home"))

    assert page.status_code == 200
    html = page.content.decode()
    # The site filter (an ORM read) and the wait table (raw SQL) both come from the replica.
    assert REPLICA_ONLY in html
    assert DEFAULT_ONLY not in html
    # The wait table's raw SQL, inside and outside a report: medians of 3..11 and of 20..28 days.
    period = q.Filters(date.today() - timedelta(days=90), date.today())
    in_report = reads_from_replica(q.wait_by_site)(period)
    assert {row["site"]: row["median_days"] for row in in_report} == {
        REPLICA_ONLY: 7.0,
        "All sites": 7.0,
    }
    outside = {row["site"]: row["median_days"] for row in q.wait_by_site(period)}
    assert outside == {DEFAULT_ONLY: 24.0, "All sites": 24.0}
    # Outside a report the same ORM read goes to default, which has only its own site.
    assert list(Site.objects.values_list("name", flat=True)) == [DEFAULT_ONLY]

    @reads_from_replica
    def report_that_writes() -> str:
        Site.objects.create(name="Written during a report", address="3 Write Way")
        return read_alias()

    assert report_that_writes() == REPLICA
    assert read_alias() == DEFAULT_DB_ALIAS
    assert Site.objects.using(DEFAULT_DB_ALIAS).filter(name="Written during a report").exists()
    assert not Site.objects.using(REPLICA).filter(name="Written during a report").exists()
