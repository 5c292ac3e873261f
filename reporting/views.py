"""Manager dashboards: aggregates only, never a patient name or identifier.

The figures come from the rollup tables (reporting/rollups.py), brought up to date before each page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from care_episodes.models import Episode
from intake.models import Site
from lbp_pathway import csv_export
from lbp_pathway.access import Role, role_required
from lbp_pathway.dbrouter import reads_from_replica
from lbp_pathway.http import AuthenticatedHttpRequest
from reporting import queries as q
from reporting import questionnaires
from reporting import rollups as r


def quarter_choices(today: date | None = None) -> list[tuple[str, str]]:
    today = today or date.today()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    choices = [("", gettext("Custom dates"))]
    for _count in range(8):
        label = gettext("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
        choices.append((f"{year}-Q{quarter}", label))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return choices


def quarter_bounds(value: str) -> tuple[date, date]:
    year, quarter = int(value[:4]), int(value[-1])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


def _full_name(user: User) -> str:
    return user.get_full_name() or user.username


class DashboardFilterForm(forms.Form):
    quarter = forms.ChoiceField(choices=quarter_choices, required=False, label=_("Quarter"))
    start = forms.DateField(
        label=pgettext_lazy("date range", "From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.ModelChoiceField(
        Site.objects.all(), required=False, empty_label=_("All sites"), label=_("Site")
    )
    practitioner = forms.ModelChoiceField(
        get_user_model()
        .objects.filter(groups__name=Role.PHYSIOTHERAPIST.value)
        .order_by("last_name"),
        required=False,
        empty_label=_("All physiotherapists"),
        label=_("Practitioner"),
    )
    risk = forms.ChoiceField(
        choices=[("", _("All strata")), *Episode.Risk.choices],
        required=False,
        label=_("Risk stratum"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practitioner = cast("forms.ModelChoiceField[User]", self.fields["practitioner"])
        # Django's documented way to relabel a ModelChoiceField's options, which mypy sees as a method.
        practitioner.label_from_instance = _full_name  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns
        if data.get("quarter"):
            data["start"], data["end"] = quarter_bounds(data["quarter"])
            self.errors.pop("start", None)
            self.errors.pop("end", None)
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                gettext("The start date must be on or before the end date.")
            )
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError(gettext("Choose a period of three years or less."))
        return data

    def filters(self) -> q.Filters:
        data = self.cleaned_data
        return q.Filters(
            start=data["start"],
            end=data["end"],
            site_id=data["site"].pk if data.get("site") else None,
            practitioner_id=data["practitioner"].pk if data.get("practitioner") else None,
            risk=data.get("risk") or None,
        )


StrOrPromise = str | Promise


@dataclass(frozen=True)
class Table:
    # Title and column labels are translated when shown (the page, the CSV, the monthly report).
    title: StrOrPromise
    rows: Callable[[q.Filters], list[dict[str, Any]]]
    columns: tuple[tuple[str, StrOrPromise], ...]
    count_keys: tuple[str, ...]


WAIT_COLUMNS = (
    ("episodes", pgettext_lazy("episodes counted", "Assessed")),
    ("median_days", _("Median wait (days)")),
    ("p90_days", _("90th percentile (days)")),
    ("share_within_target", _("Seen within target (%)")),
)
TABLES: dict[str, Table] = {
    "wait_by_site": Table(
        _("Wait from request to first assessment, by site"),
        r.wait_by_site,
        (("site", _("Site")), *WAIT_COLUMNS),
        ("episodes",),
    ),
    "wait_by_week": Table(
        _("Wait from request to first assessment, by week of request"),
        r.wait_by_week,
        (("week", _("Week of")), *WAIT_COLUMNS),
        ("episodes",),
    ),
    "volumes": Table(
        _("Volumes and pathway mix"),
        lambda f: [r.volumes(f)],
        (
            ("new_episodes", _("New episodes")),
            ("direct_bookings", _("Direct (first-contact) bookings")),
            ("physician_referrals", _("Physician referrals")),
            ("direct_share", _("Direct share (%)")),
            ("emergency_diversions", _("Emergency diversions")),
            ("assessed", pgettext_lazy("episodes counted", "Assessed")),
            ("discharged", pgettext_lazy("episodes counted", "Discharged")),
        ),
        (
            "new_episodes",
            "direct_bookings",
            "physician_referrals",
            "emergency_diversions",
            "assessed",
            "discharged",
        ),
    ),
    "visits": Table(
        _("Visits and no-shows"),
        lambda f: [r.visits(f)],
        (
            ("visits", _("Visits attended")),
            ("new_patients_seen", _("New patients seen")),
            ("no_shows", _("No-shows")),
            ("no_show_rate", _("No-show rate (%)")),
            ("cancellations", _("Cancellations")),
            ("visit_notes", _("Follow-up visit notes")),
        ),
        ("visits", "new_patients_seen", "no_shows", "cancellations", "visit_notes"),
    ),
    "utilisation": Table(
        _("Practitioner utilisation by site (booked / available minutes)"),
        r.utilisation,
        (
            ("site", _("Site")),
            ("available_minutes", _("Available minutes")),
            ("booked_minutes", _("Booked minutes")),
            ("utilisation", _("Utilisation (%)")),
        ),
        (),
    ),
    "outcomes": Table(
        _("Outcomes from baseline to discharge, by stratum"),
        r.outcomes_by_stratum,
        (
            ("stratum", _("Stratum")),
            ("nprs_episodes", _("Episodes with NPRS")),
            ("nprs_change", _("NPRS improvement (points)")),
            ("nprs_meaningful", _("NPRS meaningful change (%)")),
            ("rmdq_episodes", _("Episodes with RMDQ")),
            ("rmdq_change", _("RMDQ improvement (points)")),
            ("rmdq_meaningful", _("RMDQ meaningful change (%)")),
            ("psfs_episodes", _("Episodes with PSFS")),
            ("psfs_change", _("PSFS improvement (points)")),
            ("psfs_meaningful", _("PSFS meaningful change (%)")),
        ),
        ("nprs_episodes", "rmdq_episodes", "psfs_episodes"),
    ),
    "resources": Table(
        _("Use of resources"),
        lambda f: [r.resource_use(f)],
        (
            ("assessed", _("Episodes assessed")),
            ("imaging", _("Imaging referrals")),
            ("imaging_outside_guideline", _("Imaging outside the guideline")),
            ("imaging_outside_guideline_per_100", _("Outside the guideline per 100 assessed")),
            ("specialist", _("Specialist referrals")),
            ("specialist_per_100", _("Specialist per 100 assessed")),
            ("rapid_access_clinic", _("Rapid Access Clinic referrals")),
            ("rapid_access_clinic_per_100", _("Rapid Access Clinic per 100 assessed")),
            ("emergency_diversions", _("Emergency diversions")),
            ("notes", _("Consultation notes")),
            ("notes_late", _("Notes signed late or overdue")),
        ),
        (
            "assessed",
            "imaging",
            "imaging_outside_guideline",
            "specialist",
            "rapid_access_clinic",
            "emergency_diversions",
            "notes",
            "notes_late",
        ),
    ),
    "stratum_mix": Table(
        _("STarT Back risk strata"),
        r.stratum_mix,
        (
            ("stratum", _("Stratum")),
            ("episodes", _("Episodes")),
            ("share", _("Share (%)")),
            ("sessions_per_episode", _("Sessions attended per episode")),
        ),
        ("episodes",),
    ),
}


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or date.today()
    return today - timedelta(days=90), today


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    start, end = default_period()
    data = request.GET.copy()
    data.setdefault("start", start.isoformat())
    data.setdefault("end", end.isoformat())
    return DashboardFilterForm(data)


# Cells across tables, as (table key, row index, column); the volumes table has one row.
TableCell = tuple[str, int, str]
NEW_EPISODES: TableCell = ("volumes", 0, "new_episodes")


def _groups(raw: dict[str, list[dict[str, Any]]]) -> list[q.Group[TableCell]]:
    """The sums any reader of the exports and the report can check, between rows, columns and tables
    of the same period and filters (rules section 12): what a hidden count must not be worked out from."""
    groups: list[q.Group[TableCell]] = [
        ([("volumes", 0, "direct_bookings"), ("volumes", 0, "physician_referrals")], NEW_EPISODES),
        (
            [("stratum_mix", i, "episodes") for i in range(len(raw["stratum_mix"]))],
            NEW_EPISODES,
        ),
        ([("resources", 0, "emergency_diversions")], ("volumes", 0, "emergency_diversions")),
    ]
    sites = raw["wait_by_site"]
    everyone = [("wait_by_site", i, "episodes") for i, r in enumerate(sites) if r["is_total"]]
    if everyone:  # the assessed episodes: by site, by week, and twice more as a single figure
        (total,) = everyone
        groups += [
            (
                [("wait_by_site", i, "episodes") for i, r in enumerate(sites) if not r["is_total"]],
                total,
            ),
            ([("wait_by_week", i, "episodes") for i in range(len(raw["wait_by_week"]))], total),
            ([("volumes", 0, "assessed")], total),
            ([("resources", 0, "assessed")], total),
        ]
    return groups


def _suppressed_rows(filters: q.Filters) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows as exports and the printable report show them: counts from 1 to 4 hidden as
    "<5", and as many more hidden as "5+" as it takes for no hidden count to be worked out from the
    figures shown in any of the tables (q.complementary_suppression)."""
    raw = {key: table.rows(filters) for key, table in TABLES.items()}
    values = {
        (key, index, column): row[column]
        for key, rows in raw.items()
        for index, row in enumerate(rows)
        for column in TABLES[key].count_keys
        if isinstance(row.get(column), int)
    }
    hidden = q.complementary_suppression(values, _groups(raw))
    safe = {
        key: q.apply_suppression(
            rows,
            TABLES[key].count_keys,
            {(index, column): mark for (t, index, column), mark in hidden.items() if t == key},
        )
        for key, rows in raw.items()
    }
    if NEW_EPISODES in hidden:  # a stratum's share would give back the hidden total
        for row in safe["stratum_mix"]:
            row["share"] = ""
    return safe


def _export(table_key: str, table: Table, filters: q.Filters) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"lbp-{table_key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_export.writer(response)
    writer.writerow([label for _key, label in table.columns])
    # Every table is computed: a hidden count must stay hidden against the other exports as well.
    for row in _suppressed_rows(filters)[table_key]:
        writer.writerow(
            ["" if row.get(key) is None else _cell(row[key], key) for key, _label in table.columns]
        )
    return response


# Row names the queries give in English (strata as codes): shown in the reader's language.
ROW_WORDS: dict[str, dict[object, StrOrPromise]] = {
    "stratum": {
        "low": pgettext_lazy("risk stratum", "low"),
        "medium": pgettext_lazy("risk stratum", "medium"),
        "high": pgettext_lazy("risk stratum", "high"),
        "not triaged": pgettext_lazy("risk stratum", "not triaged"),
    },
    "site": {
        q.ALL_SITES: _("All sites"),
        q.ONE_SITE_TOTAL: _("Total (chosen site only)"),
        q.NO_SITE: _("No site"),
    },
}


def _cell(value: object, column: str = "") -> object:
    # ISO dates, as in the CSV and the chart's labels, so the three views of a figure read the same.
    if isinstance(value, date):
        return value.isoformat()
    words = ROW_WORDS.get(column)
    if words is not None and isinstance(value, str) and value in words:
        return str(words[value])
    return value


def _tables(filters: q.Filters, suppress: bool = False) -> list[dict[str, Any]]:
    """Every table's rows, ready for the page and (with small counts suppressed) the monthly report."""
    rows = (
        _suppressed_rows(filters)
        if suppress
        else {key: table.rows(filters) for key, table in TABLES.items()}
    )
    return [
        {
            "key": key,
            "title": table.title,
            "columns": table.columns,
            "rows": [[_cell(row.get(k), k) for k, _label in table.columns] for row in rows[key]],
        }
        for key, table in TABLES.items()
    ]


def _plotted(value: object) -> object:
    """A figure for the chart: a blanked (suppressed) one is a gap, not a zero."""
    return None if value == "" else value


def _suppressed_waitlist(waitlist: dict[str, Any]) -> dict[str, Any]:
    """The number waiting, as every screen and print shows it: 1 to 4 as "<5" (rules section 12)."""
    if isinstance(waitlist["waiting"], int) and 0 < waitlist["waiting"] < q.SMALL_COUNT:
        return {**waitlist, "waiting": q.SMALL_MARK}
    return waitlist


@role_required(Role.MANAGER, Role.PRACTICE_LEAD)
@reads_from_replica
def manager_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    filters = form.filters()
    r.bring_up_to_date()
    export = request.GET.get("export")
    if export:
        if export not in TABLES:
            return HttpResponse(gettext("Unknown table."), status=400, content_type="text/plain")
        return _export(export, TABLES[export], filters)
    # The screen shows what the CSV and the printed report show: small counts suppressed (issue 14).
    tables = _tables(filters, suppress=True)
    by_week = next(t for t in tables if t["key"] == "wait_by_week")
    chart = {
        "labels": [row[0] for row in by_week["rows"]],
        "median": [_plotted(row[2]) for row in by_week["rows"]],
        "p90": [_plotted(row[3]) for row in by_week["rows"]],
    }
    context = {
        "form": form,
        "filters": filters,
        "tables": tables,
        "waitlist": _suppressed_waitlist(r.waitlist(filters)),
        "target_days": q.wait_target_days(),
        "chart": chart,
        "questionnaire_rates": questionnaires.response_rates(filters),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "reporting/dashboard.html", context)


class MonthForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Give the month as YYYY-MM, e.g. 2026-10.")},
        label=_("Month (YYYY-MM)"),
    )


@role_required(Role.MANAGER, Role.PRACTICE_LEAD)
@reads_from_replica
def monthly_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    form = MonthForm(request.GET or {"month": last_month})
    if not form.is_valid():
        return render(request, "reporting/monthly_report.html", {"form": form}, status=400)
    year, month = map(int, form.cleaned_data["month"].split("-"))
    start = date(year, month, 1)
    end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    filters = q.Filters(start=start, end=end)
    r.bring_up_to_date()
    tables = _tables(filters, suppress=True)
    waitlist = _suppressed_waitlist(r.waitlist(filters))
    context = {
        "form": form,
        "tables": tables,
        "start": start,
        "end": end,
        "waitlist": waitlist,
    }
    return render(request, "reporting/monthly_report.html", context)
