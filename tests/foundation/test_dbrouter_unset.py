"""Without DATABASE_REPLICA_URL there is no second alias and a report reads default, as before (the
replica itself: tests/foundation/test_dbrouter.py, whose replica alias lives only in that module)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

from lbp_pathway.dbrouter import REPLICA, read_alias, reads_from_replica
from tests.factories import EpisodeFactory, SiteFactory
from tests.foundation.test_settings import manage, production_env


@pytest.mark.django_db
def test_without_a_replica_a_report_reads_default(manager, client_for):
    @reads_from_replica
    def report() -> str:
        return read_alias()

    assert REPLICA not in connections.settings
    assert report() == DEFAULT_DB_ALIAS
    site = SiteFactory(name="Only Clinic")
    requested = date.today() - timedelta(days=60)
    for wait in (4, 6, 8, 10, 12):
        EpisodeFactory(
            site=site,
            requested_on=requested,
            first_assessed_on=requested + timedelta(days=wait),
            status="assessed",
        )
    html = client_for(manager).get(reverse("dashboards:manager_home")).content.decode()
    assert "Only Clinic" in html


def test_the_replica_alias_exists_only_when_database_replica_url_is_set():
    code = (
        "from django.conf import settings; "
        "print(sorted(settings.DATABASES), settings.DATABASES.get('replica', {}).get('NAME'), "
        "settings.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'))"
    )
    unset = manage("shell", "-v", "0", "-c", code, env=production_env(DATABASE_REPLICA_URL=""))
    assert unset.stdout.split()[0] == "['default']", unset.stderr
    replica_url = "postgres://reader:secret@replica.internal:5432/lbp"
    both = manage(
        "shell", "-v", "0", "-c", code, env=production_env(DATABASE_REPLICA_URL=replica_url)
    )
    assert both.stdout.strip() == "['default', 'replica'] lbp default", both.stderr
