from datetime import date, timedelta

import pytest

from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, EpisodeFactory, SiteFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_manager_filters_to_one_site_and_quarter_and_downloads_the_csv(page, tmp_path):
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    # Five episodes a week and site: the screen suppresses counts under 5 and their medians (issue 14).
    for week, wait in enumerate((3, 9, 15)):
        requested = date(2026, 7, 6) + timedelta(weeks=week)
        for site, extra in ((north, 0), (south, 30)):
            EpisodeFactory.create_batch(
                5,
                site=site,
                requested_on=requested,
                first_assessed_on=requested + timedelta(days=wait + extra),
                status="assessed",
            )
    UserFactory(role=Role.MANAGER, username="boss")
    sign_in(page, "boss", TEST_PASSWORD)
    page.get_by_label("Quarter").select_option("2026-Q3")
    page.get_by_label("Site", exact=True).select_option(label="North")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**quarter=2026-Q3**")
    cells = page.locator("#table-wait_by_week tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].innerText, r.cells[2].innerText])"
    )
    assert cells == [["2026-07-06", "3.0"], ["2026-07-13", "9.0"], ["2026-07-20", "15.0"]]
    chart = page.evaluate(
        "() => { const c = Chart.instances[Object.keys(Chart.instances)[0]];"
        " return [c.data.labels, c.data.datasets[0].data]; }"
    )
    assert chart == [[c[0] for c in cells], [3, 9, 15]]
    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name="Download CSV of Wait from request to first assessment, by site"
        ).click()
    path = tmp_path / "wait.csv"
    download_info.value.save_as(path)
    text = path.read_text()
    assert text.splitlines()[0].startswith("Site,Assessed,Median wait (days)")
    assert "South" not in text
    assert page.csp_violations == []
