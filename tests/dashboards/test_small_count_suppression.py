"""Small-count suppression cannot be undone by arithmetic (rules section 12).

The end-to-end tests read what a manager actually receives (the CSV exports and the printable monthly
report), write down the additive relations any reader knows (sites add up to "All sites", weeks add up to
the assessed total, direct bookings plus physician referrals make the new episodes, strata add up to the
new episodes, the same total repeated in several tables, a share of a stratum is its count over the new
episodes), and solve them by brute force: every hidden cell must keep at least two possible values.
"""

import csv
import io
import itertools
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from reporting import queries as q
from tests.dashboards.factories import END, START, assessed
from tests.factories import EpisodeFactory, SiteFactory

# The largest value tried for a "5+" cell: a smaller bound only makes a leak easier to find.
BOUND = 40


@pytest.fixture
def small_south(db):
    """North: 5 direct bookings, low risk, week of July 6. South: 2 physician referrals, one medium and
    one high risk, week of July 13. Every total is 7, so each small figure is 7 minus a shown 5."""
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    monday = date(2026, 7, 6)
    for wait in (2, 4, 6, 8, 10):
        assessed(north, monday, wait, risk="low")
    assessed(south, monday + timedelta(days=7), 10, risk="high", source="physician_referral")
    assessed(south, monday + timedelta(days=8), 40, risk="medium", source="physician_referral")
    return north, south


# ---------------------------------------------------------------------------------------------------
# The reader's side: parse what is shown, then solve.


def domain(shown: str) -> list[int] | None:
    """Possible values of a count as displayed; None for a cell that is not a count."""
    shown = shown.strip()
    if shown == "<5":
        return [1, 2, 3, 4]
    if shown == "5+":
        return list(range(5, BOUND + 1))
    if shown.isdigit():
        return [int(shown)]
    return None


def feasible_values(
    cells: dict[str, list[int]], equations: list[tuple[list[str], str]]
) -> dict[str, set[int]]:
    """Brute force: every assignment of the cells' possible values that satisfies every equation
    (sum of parts == total); returns the values each cell takes across those assignments."""
    names = sorted({n for parts, total in equations for n in (*parts, total)})
    order = sorted(names, key=lambda n: len(cells[n]))
    seen: dict[str, set[int]] = {n: set() for n in names}

    def holds(assignment: dict[str, int]) -> bool:
        for parts, total in equations:
            if all(n in assignment for n in (*parts, total)):
                if sum(assignment[n] for n in parts) != assignment[total]:
                    return False
        return True

    def walk(i: int, assignment: dict[str, int]) -> None:
        if i == len(order):
            for n, v in assignment.items():
                seen[n].add(v)
            return
        for value in cells[order[i]]:
            assignment[order[i]] = value
            if holds(assignment):
                walk(i + 1, assignment)
            del assignment[order[i]]

    walk(0, {})
    for n in cells:
        seen.setdefault(n, set(cells[n]))
    return seen


def disclosed(
    shown: dict[str, str],
    equations: list[tuple[list[str], str]],
    known: dict[str, list[int]] | None = None,
) -> dict[str, set[int]]:
    """Hidden cells that the equations pin to one value, and shown counts from 1 to 4. `known` gives
    the possible values of figures that are not shown as counts (a total read from a share)."""
    known = known or {}
    cells = {name: known.get(name) or domain(text) for name, text in shown.items()}
    assert all(v is not None for v in cells.values()), shown
    leaks = {name: {int(t)} for name, t in shown.items() if t.isdigit() and 0 < int(t) < 5}
    values = feasible_values(cells, equations)
    for name, text in shown.items():
        if text in ("<5", "5+"):
            assert values[name], f"no feasible value for {name}: the equations are wrong"
            if len(values[name]) < 2:
                leaks[name] = values[name]
    return leaks


def leaks_in(tables: dict[str, list[dict[str, str]]]) -> dict[str, set[int]]:
    """The counts a reader sees, by name, the relations any reader knows between them, solved."""
    shown: dict[str, str] = {}
    known: dict[str, list[int]] = {}
    equations: list[tuple[list[str], str]] = []
    sites = tables["wait_by_site"]
    for row in sites:
        shown[f"site:{row['Site']}"] = row["Assessed"]
    everyone = f"site:{sites[-1]['Site']}"  # the last row is the total ("All sites", or one site's)
    equations.append(([f"site:{r['Site']}" for r in sites[:-1]], everyone))
    weeks = tables["wait_by_week"]
    for row in weeks:
        shown[f"week:{row['Week of']}"] = row["Assessed"]
    equations.append(([f"week:{r['Week of']}" for r in weeks], everyone))
    (volumes,) = tables["volumes"]
    for label, name in (
        ("New episodes", "new"),
        ("Direct (first-contact) bookings", "direct"),
        ("Physician referrals", "referrals"),
        ("Assessed", "assessed"),
        ("Emergency diversions", "emergency"),
    ):
        shown[name] = volumes[label]
    equations += [(["direct", "referrals"], "new"), (["assessed"], everyone)]
    strata = tables["stratum_mix"]
    for row in strata:
        shown[f"stratum:{row['Stratum']}"] = row["Episodes"]
    equations.append(([f"stratum:{r['Stratum']}" for r in strata], "new"))
    # A stratum's share (%) shown beside its count gives the total it was divided by.
    for row in strata:
        if row["Share (%)"] not in ("", "–") and row["Episodes"].isdigit():
            count, share = int(row["Episodes"]), float(row["Share (%)"])
            totals = [t for t in range(1, BOUND + 1) if round(count * 100 / t, 1) == share]
            name = f"share-total:{row['Stratum']}"
            shown[name] = "shared"
            equations.append(([name], "new"))
            known[name] = totals
    (resources,) = tables["resources"]
    shown["resources:assessed"] = resources["Episodes assessed"]
    shown["resources:emergency"] = resources["Emergency diversions"]
    equations += [(["resources:assessed"], everyone), (["resources:emergency"], "emergency")]
    return disclosed(shown, equations, known)


def csv_tables(client, keys, **params) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for key in keys:
        response = client.get(
            reverse("dashboards:manager_home"),
            {"start": START.isoformat(), "end": END.isoformat(), "export": key, **params},
        )
        assert response.status_code == 200
        tables[key] = list(csv.DictReader(io.StringIO(response.content.decode())))
    return tables


class _Tables(HTMLParser):
    """The tables of a page, by id, as rows of {column label: text}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"][len("table-") :], [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("th", "td") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None and self.current is not None:
            self.current[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_tables(html: str) -> dict[str, list[dict[str, str]]]:
    parser = _Tables()
    parser.feed(html)
    out = {}
    for key, (header, *rows) in parser.tables.items():
        out[key] = [dict(zip(header, row, strict=False)) for row in rows if len(row) == len(header)]
    return out


KEYS = ("wait_by_site", "wait_by_week", "volumes", "stratum_mix", "resources")


# ---------------------------------------------------------------------------------------------------
# End to end.


def test_no_suppressed_count_in_the_csv_exports_can_be_solved_for(small_south, manager, client_for):
    tables = csv_tables(client_for(manager), KEYS)
    south = next(r for r in tables["wait_by_site"] if r["Site"] == "South")
    assert south["Assessed"] == "<5"
    assert (south["Median wait (days)"], south["90th percentile (days)"]) == ("", "")
    assert tables["volumes"][0]["Physician referrals"] == "<5"
    assert leaks_in(tables) == {}


def test_each_csv_export_alone_hides_its_small_counts_from_subtraction(
    small_south, manager, client_for
):
    """The issue's two examples, one file at a time: North 5, South <5, All sites 7; and 7 new,
    5 direct, referrals <5."""
    tables = csv_tables(client_for(manager), ("wait_by_site", "volumes"))
    sites = {r["Site"]: r["Assessed"] for r in tables["wait_by_site"]}
    cells = {f"site:{k}": domain(v) for k, v in sites.items()}
    values = feasible_values(cells, [(["site:North", "site:South"], "site:All sites")])
    assert len(values["site:South"]) >= 2
    (volumes,) = tables["volumes"]
    cells = {
        "new": domain(volumes["New episodes"]),
        "direct": domain(volumes["Direct (first-contact) bookings"]),
        "referrals": domain(volumes["Physician referrals"]),
    }
    values = feasible_values(cells, [(["direct", "referrals"], "new")])
    assert len(values["referrals"]) >= 2
    assert volumes["Direct share (%)"] == ""


def test_csv_exports_filtered_to_one_site_leave_nothing_to_solve(small_south, manager, client_for):
    _, south = small_south
    tables = csv_tables(client_for(manager), KEYS, site=south.pk)
    assert [r["Assessed"] for r in tables["wait_by_site"]] == ["<5", "<5"]
    assert leaks_in(tables) == {}


def test_the_printable_monthly_report_hides_small_counts_from_subtraction(
    small_south, manager, client_for
):
    response = client_for(manager).get(reverse("dashboards:monthly_report"), {"month": "2026-07"})
    assert response.status_code == 200
    tables = html_tables(response.content.decode())
    assert set(KEYS) <= set(tables)
    south = next(r for r in tables["wait_by_site"] if r["Site"] == "South")
    assert south["Assessed"] == "<5"
    assert leaks_in(tables) == {}


def test_the_monthly_report_hides_a_small_waiting_list(db, manager, client_for):
    for _ in range(3):
        EpisodeFactory(requested_on=date.today() - timedelta(days=3), status="requested")
    response = client_for(manager).get(reverse("dashboards:monthly_report"), {"month": "2026-07"})
    assert "Waiting now: &lt;5 " in response.content.decode()


def test_large_counts_are_shown_unchanged(db, manager, client_for):
    site = SiteFactory(name="Only")
    for wait in range(6):
        assessed(site, date(2026, 7, 6), wait, risk="low")
    tables = csv_tables(client_for(manager), ("wait_by_site", "volumes"))
    assert [r["Assessed"] for r in tables["wait_by_site"]] == ["6", "6"]
    assert tables["volumes"][0]["New episodes"] == "6"
    assert tables["volumes"][0]["Physician referrals"] == "0"


# ---------------------------------------------------------------------------------------------------
# The pure rule, on hand-written tables.

SMALL, HIDDEN = "<5", "5+"


def test_rule_hides_the_next_smallest_row_when_one_row_is_small():
    values = {"North": 5, "South": 2, "East": 9, "All": 16}
    hidden = q.complementary_suppression(values, [(["North", "South", "East"], "All")])
    assert hidden == {"South": SMALL, "North": HIDDEN}


def test_rule_hides_a_second_part_of_a_whole():
    values = {"new": 7, "direct": 5, "referral": 2}
    assert q.complementary_suppression(values, [(["direct", "referral"], "new")]) == {
        "referral": SMALL,
        "direct": HIDDEN,
    }


def test_rule_hides_the_total_when_a_second_row_is_not_enough():
    # North 5+ and All 6 would leave South = 1: only hiding the total protects it.
    values = {"North": 5, "South": 1, "All": 6}
    hidden = q.complementary_suppression(values, [(["North", "South"], "All")])
    assert hidden == {"South": SMALL, "North": HIDDEN, "All": HIDDEN}


def test_rule_two_small_rows_that_add_up_to_two_need_a_third():
    # 1 + 1 = 2 is the only way two hidden counts of 1 to 4 make 2.
    values = {"a": 1, "b": 1, "c": 9, "All": 11}
    hidden = q.complementary_suppression(values, [(["a", "b", "c"], "All")])
    assert hidden == {"a": SMALL, "b": SMALL, "c": HIDDEN}


def test_rule_two_small_rows_in_the_middle_are_already_safe():
    values = {"a": 2, "b": 3, "c": 9, "All": 14}
    hidden = q.complementary_suppression(values, [(["a", "b", "c"], "All")])
    assert hidden == {"a": SMALL, "b": SMALL}


def test_rule_never_hides_or_picks_zeros_and_leaves_safe_tables_alone():
    values = {"a": 0, "b": 3, "c": 8, "All": 11}
    assert q.complementary_suppression(values, [(["a", "b", "c"], "All")]) == {
        "b": SMALL,
        "c": HIDDEN,
    }
    values = {"a": 0, "b": 6, "c": 8, "All": 14}
    assert q.complementary_suppression(values, [(["a", "b", "c"], "All")]) == {}


def test_rule_follows_a_total_repeated_in_another_table():
    # Weeks add up to the sites' total; the same total is shown again elsewhere ("assessed").
    values = {"North": 5, "South": 2, "All": 7, "w1": 5, "w2": 2, "assessed": 7}
    groups = [(["North", "South"], "All"), (["w1", "w2"], "All"), (["assessed"], "All")]
    hidden = q.complementary_suppression(values, groups)
    assert hidden == {"South": SMALL, "w2": SMALL, "North": HIDDEN, "w1": HIDDEN}


def test_rule_leaves_nothing_to_solve_in_any_small_table():
    """Every table of three rows and a total with counts from 0 to 9: brute force finds no leak."""
    groups = [(["a", "b", "c"], "All")]
    for a, b, c in itertools.product((0, 1, 2, 3, 4, 5, 6, 9), repeat=3):
        values = {"a": a, "b": b, "c": c, "All": a + b + c}
        hidden = q.complementary_suppression(values, groups)
        shown = {k: hidden.get(k, str(v)) for k, v in values.items()}
        assert disclosed(shown, groups) == {}, values
