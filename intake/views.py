"""Front-desk pages: thin views that parse input, call a service or selector, and render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from care_episodes import lifecycle
from intake import offers, selectors, services
from intake.appointment_rules import IllegalAppointmentChange
from intake.forms import (
    CalendarForm,
    CancelForm,
    DaySheetForm,
    PatientForm,
    ReferralForm,
    SecondAssessmentForm,
    SlotFilterForm,
    WaitlistForm,
)
from intake.models import (
    Appointment,
    AppointmentType,
    IncomingReferral,
    Patient,
    Site,
    WaitlistEntry,
)
from intake.wording import day_and_time, refusal
from lbp_pathway import access, audit, history
from lbp_pathway.access import PRIMARY_CARE, Area, Basis, Role, has_role, role_required
from lbp_pathway.http import AuthenticatedHttpRequest

FRONT_DESK = Role.FRONT_DESK


def phone_screen_url(patient: Patient) -> str:
    """The triage phone screen for this patient (it sends a passed caller on to slot search)."""
    return f"{reverse('triage:phone_screen')}?{urlencode({'patient': patient.pk})}"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# Home and patients --------------------------------------------------------------------------------


@role_required(FRONT_DESK)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The week calendar (free and booked slots) with the waitlist and worklists beside it."""
    return _render_calendar(request, request.GET)


def _slot_value(entry: selectors.CalendarEntry) -> str:
    return f"{entry.practitioner.pk}|{entry.site.pk}|{entry.start.isoformat()}"


def _parse_slot(value: str) -> tuple[User, Site, datetime] | None:
    parts = value.split("|")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    start = parse_datetime(parts[2])
    if start is None or timezone.is_naive(start):
        return None
    return (
        get_object_or_404(User, pk=parts[0]),
        get_object_or_404(Site, pk=parts[1]),
        start,
    )


def _moving_appointment(request: HttpRequest, value: str | None) -> Appointment | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such appointment")
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "appointment_type", "site", "practitioner"),
        pk=value,
    )
    access.patient_for(request, appointment.patient_id, area=Area.SCHEDULING, what="Appointment")
    if appointment.status != Appointment.Status.BOOKED:
        return None
    return appointment


def _render_calendar(
    request: AuthenticatedHttpRequest, data: QueryDict, *, status: int = 200
) -> HttpResponse:
    form = CalendarForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    site: Site | None = filters.get("site")
    practitioner: User | None = filters.get("practitioner")
    moving = _moving_appointment(request, data.get("move"))
    patient: Patient | None = None
    patient_id = str(data.get("patient", ""))
    if not moving and patient_id.isdigit():
        patient = access.patient_for(request, patient_id, area=Area.SCHEDULING, what="Booking")
    kind: AppointmentType
    if moving is not None:
        kind = moving.appointment_type
    elif filters.get("type"):
        kind = filters["type"]
    elif patient is not None:
        kind = selectors.default_appointment_type(selectors.continuing_episode(patient))
    else:
        kind = selectors.default_appointment_type(None)
    today = timezone.localdate()
    monday = selectors.week_monday(filters.get("week") or today)
    # The filters as applied (the visit of the appointment being moved, the week's Monday).
    shown = data.copy()
    shown["type"], shown["week"] = kind.code, monday.isoformat()
    form = CalendarForm(shown)
    calendar = selectors.week_calendar(
        monday=monday,
        duration=kind.duration,
        site_id=site.pk if site else None,
        practitioner_id=practitioner.pk if practitioner else None,
        moving=moving,
    )
    keep: dict[str, str | int] = {"type": kind.code}
    if site:
        keep["site"] = site.pk
    if practitioner:
        keep["practitioner"] = practitioner.pk
    here = {**keep, "week": monday.isoformat()}
    if moving is not None:
        here["move"] = moving.pk
    if patient is not None:
        here["patient"] = patient.pk
    for row in calendar.rows:
        for cell in row.cells:
            for entry in cell:
                if entry.is_free:
                    entry.value = _slot_value(entry)
                    entry.book_url = (
                        reverse("intake:calendar_book")
                        + "?"
                        + urlencode(
                            {
                                "practitioner": entry.practitioner.pk,
                                "site": entry.site.pk,
                                "start": entry.start.isoformat(),
                                "type": kind.code,
                                **({"patient": patient.pk} if patient else {}),
                            }
                        )
                    )
                elif entry.appointment is not None:
                    entry.book_url = (
                        reverse("intake:home")
                        + "?"
                        + urlencode({**here, "move": entry.appointment.pk})
                    )
    audit.record(request, audit.Action.VIEW, f"Week calendar {monday:%Y-%m-%d}")
    home_url = reverse("intake:home")
    return render(
        request,
        "intake/home.html",
        {
            "form": form,
            "calendar": calendar,
            "appointment_type": kind,
            "site": site,
            "practitioner": practitioner,
            "moving": moving,
            "booking_for": patient,
            "today": today,
            "here_url": home_url + "?" + urlencode(here),
            "previous_url": home_url
            + "?"
            + urlencode({**here, "week": (monday - timedelta(days=7)).isoformat()}),
            "next_url": home_url
            + "?"
            + urlencode({**here, "week": (monday + timedelta(days=7)).isoformat()}),
            "this_week_url": home_url + "?" + urlencode({**here, "week": today.isoformat()}),
            "stop_url": home_url + "?" + urlencode({**keep, "week": monday.isoformat()}),
            "keep": {**keep, "week": monday.isoformat()},
            "entries": selectors.waiting_entries(),
            "counts": selectors.worklist_counts(),
        },
        status=status,
    )


@role_required(FRONT_DESK)
@require_POST
def calendar_move(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The second click of a reschedule: move the chosen appointment to the free slot clicked."""
    moving = _moving_appointment(request, request.POST.get("move"))
    chosen = _parse_slot(request.POST.get("slot", ""))
    if moving is None or chosen is None:
        messages.error(request, gettext("Choose a booked appointment to move, then a free slot."))
        return _render_calendar(request, request.POST, status=400)
    practitioner, site, start = chosen
    try:
        moved = services.reschedule_appointment(
            moving, practitioner=practitioner, site=site, start=start, actor=audit.actor(request)
        )
    except services.SlotTaken as taken:
        messages.error(
            request,
            gettext("%(refusal)s Nothing was moved: choose another free slot.")
            % {"refusal": taken},
        )
        return _render_calendar(request, request.POST, status=409)
    except (services.BookingRefused, IllegalAppointmentChange) as refused:
        messages.error(
            request, gettext("%(refusal)s Nothing was moved.") % {"refusal": refusal(refused)}
        )
        data = request.POST.copy()
        data.pop("move", None)
        return _render_calendar(request, data, status=409)
    local = moved.start.astimezone(selectors.local_tz())
    messages.success(
        request,
        gettext("Moved: %(name)s to %(when)s with %(who)s at %(site)s.")
        % {
            "name": moving.patient.full_name,
            "when": day_and_time(local),
            "who": practitioner.get_full_name() or practitioner.username,
            "site": site.name,
        },
    )
    keep = {k: request.POST[k] for k in ("site", "practitioner", "type") if request.POST.get(k)}
    keep["week"] = local.date().isoformat()
    return redirect(reverse("intake:home") + "?" + urlencode(keep))


@role_required(FRONT_DESK)
def calendar_book(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Book the free slot clicked in the calendar: for a patient found by search, or registered here
    (with the same duplicate checks as the registration page), in one step."""
    source = request.POST if request.method == "POST" else request.GET
    practitioner = _optional(User, request, "practitioner")
    site = _optional(Site, request, "site")
    start = parse_datetime(source.get("start", ""))
    if practitioner is None or site is None or start is None or timezone.is_naive(start):
        messages.info(request, gettext("Click a free slot in the calendar to book it."))
        return redirect("intake:home")
    start = start.astimezone(selectors.local_tz())
    patient = _patient_from(request)
    code = source.get("type") or ""
    kind = (
        get_object_or_404(AppointmentType, code=code)
        if code
        else selectors.default_appointment_type(
            selectors.continuing_episode(patient) if patient else None
        )
    )
    query = request.GET.get("q", "").strip()
    found = selectors.find_patients(query) if query and patient is None else None
    register = PatientForm(request.POST if source.get("action") == "register" else None)
    second = SecondAssessmentForm(request.POST or None)
    duplicates: list[Patient] = []
    status = 200
    next_slot: selectors.FreeSlot | None = None
    taken_here = registered = False
    if request.method == "POST":
        if source.get("action") == "register" and register.is_valid():
            data = register.cleaned_data
            if not request.POST.get("different_person"):
                duplicates = selectors.likely_duplicates(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                )
            if not duplicates:
                try:
                    patient = services.register_patient(actor=audit.actor(request), **data)
                except services.DuplicateHealthCard as duplicate:
                    register.add_error(
                        "health_card_number", _duplicate_card_message(duplicate.existing)
                    )
                else:
                    registered = True
        if patient is not None and (source.get("action") in ("book", "register")):
            reason = second.cleaned_data["second_reason"] if second.is_valid() else ""
            try:
                services.book_appointment(
                    patient=patient,
                    practitioner=practitioner,
                    site=site,
                    start=start,
                    appointment_type=kind,
                    actor=audit.actor(request),
                    second_reason=reason,
                )
            except services.SlotTaken as taken:
                status, taken_here, next_slot = 409, True, taken.next_slot
                messages.error(
                    request,
                    gettext("%(refusal)s Nothing was booked for %(name)s.")
                    % {"refusal": taken, "name": patient.full_name},
                )
            except services.SecondNewAssessment:
                status = 409  # the warning below says which booking and asks for a reason
            except services.BookingRefused as refused:
                status = 409
                messages.error(request, refusal(refused))
            else:
                booked = gettext("Booked: %(visit)s on %(when)s with %(who)s at %(site)s.") % {
                    "visit": kind.name,
                    "when": day_and_time(start),
                    "who": practitioner.get_full_name() or practitioner.username,
                    "site": site.name,
                }
                messages.success(
                    request, (gettext("Registered.") + " " if registered else "") + booked
                )
                return redirect("intake:patient_detail", patient.pk)
            if registered:
                messages.info(
                    request,
                    gettext("%(name)s is registered; nothing is booked yet.")
                    % {"name": patient.full_name},
                )
        elif status == 200:
            status = 422
    existing = (
        selectors.open_new_assessment(patient)
        if patient is not None and kind.is_new_assessment
        else None
    )
    slot_params = {
        "practitioner": practitioner.pk,
        "site": site.pk,
        "start": start.isoformat(),
        "type": kind.code,
    }
    next_url = ""
    if next_slot is not None and patient is not None:
        next_url = (
            reverse("intake:calendar_book")
            + "?"
            + urlencode(
                {
                    "practitioner": next_slot.practitioner.pk,
                    "site": next_slot.site.pk,
                    "start": next_slot.start.isoformat(),
                    "type": kind.code,
                    "patient": patient.pk,
                }
            )
        )
    calendar_params = {"week": start.date().isoformat(), "type": kind.code}
    if patient is not None:
        calendar_params["patient"] = str(patient.pk)
    return render(
        request,
        "intake/calendar_book.html",
        {
            "patient": patient,
            "practitioner": practitioner,
            "site": site,
            "start": start,
            "end": start + kind.duration,
            "appointment_type": kind,
            "slot_params": slot_params,
            "query": query,
            "found": found,
            "register": register,
            "duplicates": duplicates,
            "second": second,
            "existing": existing,
            "taken": taken_here,
            "next_slot": next_slot,
            "next_url": next_url,
            "calendar_url": reverse("intake:home") + "?" + urlencode(calendar_params),
        },
        status=status,
    )


@role_required(FRONT_DESK)
def patient_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = selectors.find_patients(query) if query else selectors.PatientMatches([])
    return render(
        request,
        "intake/patient_search.html",
        {
            "query": query,
            "patients": found.patients,
            "born_set_aside": found.born_set_aside,
            "limit": selectors.SEARCH_LIMIT,
        },
    )


@role_required(FRONT_DESK)
def patient_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    duplicates: list[Patient] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.POST.get("different_person"):
            duplicates = selectors.likely_duplicates(
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
            )
        if not duplicates:
            try:
                patient = services.register_patient(actor=audit.actor(request), **data)
            except services.DuplicateHealthCard as duplicate:
                form.add_error("health_card_number", _duplicate_card_message(duplicate.existing))
            else:
                messages.success(
                    request, gettext("%(name)s is registered.") % {"name": patient.full_name}
                )
                return redirect("intake:patient_detail", patient.pk)
    return render(
        request,
        "intake/patient_form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
        status=422 if request.method == "POST" else 200,
    )


def _duplicate_card_message(existing: Patient) -> str:
    return format_html(
        gettext('This health card number is already registered to <a href="{}">{}</a>.'),
        reverse("intake:patient_detail", args=[existing.pk]),
        existing.full_name,
    )


@role_required(FRONT_DESK)
def patient_edit(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient: Patient = access.patient_for(
        request, patient_id, area=Area.DEMOGRAPHICS, what="Patient demographics"
    )
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(patient, actor=audit.actor(request), **form.cleaned_data)
        except services.DuplicateHealthCard as duplicate:
            form.add_error("health_card_number", _duplicate_card_message(duplicate.existing))
        else:
            messages.success(request, gettext("Changes saved."))
            return redirect("intake:patient_detail", patient.pk)
    return render(
        request,
        "intake/patient_form.html",
        {"form": form, "patient": patient, "creating": False},
        status=422 if request.method == "POST" else 200,
    )


@role_required(FRONT_DESK)
def patient_detail(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient: Patient = access.patient_for(
        request, patient_id, area=Area.DEMOGRAPHICS, what="Patient demographics and appointments"
    )
    audit.record(
        request, audit.Action.VIEW, "Patient demographics and appointments", patient=patient
    )
    episodes = selectors.patient_episodes(patient)
    appointments = selectors.patient_appointments(patient)
    return render(
        request,
        "intake/patient_detail.html",
        {
            "patient": patient,
            "appointments": appointments,
            "patient_changes": history.changes(patient),
            "appointment_changes": history.with_changes(appointments),
            "episodes": episodes,
            "book_url": phone_screen_url(patient),
            "waitlist_form": WaitlistForm(),
            "waiting": selectors.waiting_entry(patient),
            "now": timezone.now(),
            "upcoming": next(
                (
                    a
                    for a in reversed(appointments)
                    if a.status == Appointment.Status.BOOKED and a.start > timezone.now()
                ),
                None,
            ),
            "open_episode": next((e for e in episodes if e.status in lifecycle.ACTIVE), None),
        },
    )


# Booking --------------------------------------------------------------------------------------------


def _patient_from(request: HttpRequest) -> Patient | None:
    value = request.GET.get("patient") or request.POST.get("patient")
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404("No such patient")
    patient: Patient = access.patient_for(request, value, area=Area.SCHEDULING, what="Booking")
    return patient


_M = TypeVar("_M", bound=Model)


def _optional(model: type[_M], request: HttpRequest, name: str) -> _M | None:
    value = request.GET.get(name) or request.POST.get(name)
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404(f"No such {name}")
    return get_object_or_404(model, pk=value)


@dataclass(frozen=True)
class BookingContext:
    """What a booking carries on from, if anything: a referral, an appointment it moves, a waitlist
    entry it closes."""

    referral: IncomingReferral | None
    reschedule: Appointment | None
    waitlist: WaitlistEntry | None

    def items(self) -> dict[str, IncomingReferral | Appointment | WaitlistEntry | None]:
        """By the names the templates and the query string use."""
        return {"referral": self.referral, "reschedule": self.reschedule, "waitlist": self.waitlist}


class ChosenSlot(TypedDict):
    practitioner: User
    site: Site
    start: datetime


def _booking_context(request: HttpRequest, patient: Patient | None) -> BookingContext:
    extra = BookingContext(
        referral=_optional(IncomingReferral, request, "referral"),
        reschedule=_optional(Appointment, request, "reschedule"),
        waitlist=_optional(WaitlistEntry, request, "waitlist"),
    )
    for item in extra.items().values():
        if item is not None and patient is not None and item.patient_id != patient.pk:
            raise Http404("That does not belong to this patient")
    return extra


def _appointment_type(
    request: HttpRequest, patient: Patient | None, extra: BookingContext
) -> AppointmentType:
    code = request.GET.get("type") or request.POST.get("type")
    if code:
        return get_object_or_404(AppointmentType, code=code)
    if extra.reschedule is not None:
        return extra.reschedule.appointment_type
    if extra.referral is not None:
        return selectors.default_appointment_type(extra.referral.episode)
    episode = selectors.continuing_episode(patient) if patient else None
    return selectors.default_appointment_type(episode)


@role_required(FRONT_DESK)
def slot_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient = _patient_from(request)
    extra = _booking_context(request, patient)
    kind = _appointment_type(request, patient, extra)
    form = SlotFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.free_slots(
        appointment_type=kind,
        practitioner_id=filters["practitioner"].pk if filters.get("practitioner") else None,
        site_id=filters["site"].pk if filters.get("site") else None,
        part_of_day=filters.get("part_of_day") or None,
    )
    carry: dict[str, int | str] = {"patient": patient.pk if patient else "", "type": kind.code}
    for name, item in extra.items().items():
        if item is not None:
            carry[name] = item.pk
    for slot in found:
        slot.confirm_url = (
            reverse("intake:booking_confirm")
            + "?"
            + urlencode(
                {
                    **carry,
                    "practitioner": slot.practitioner.pk,
                    "site": slot.site.pk,
                    "start": slot.start.isoformat(),
                }
            )
        )
    return render(
        request,
        "intake/slot_search.html",
        {
            "patient": patient,
            "form": form,
            "slots": found,
            "appointment_type": kind,
            "appointment_types": AppointmentType.objects.all(),
            "carry": carry,
            **extra.items(),
        },
    )


@role_required(FRONT_DESK)
def booking_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient = _patient_from(request)
    if patient is None:
        messages.error(request, gettext("Choose the patient first."))
        return redirect("intake:patient_search")
    extra = _booking_context(request, patient)
    kind = _appointment_type(request, patient, extra)
    source = request.POST if request.method == "POST" else request.GET
    practitioner = _optional(User, request, "practitioner")
    site = _optional(Site, request, "site")
    start = parse_datetime(source.get("start", ""))
    if practitioner is None or site is None or start is None or timezone.is_naive(start):
        return HttpResponseBadRequest(gettext("Choose a slot from the list."))
    slot: ChosenSlot | None = {
        "practitioner": practitioner,
        "site": site,
        "start": start.astimezone(selectors.local_tz()),
    }
    status = 200
    if request.method == "POST":
        try:
            if extra.reschedule is not None:
                appointment = services.reschedule_appointment(
                    extra.reschedule,
                    practitioner=practitioner,
                    site=site,
                    start=start,
                    actor=audit.actor(request),
                )
            else:
                appointment = services.book_appointment(
                    patient=patient,
                    practitioner=practitioner,
                    site=site,
                    start=start,
                    appointment_type=kind,
                    actor=audit.actor(request),
                    episode=extra.referral.episode if extra.referral else None,
                    second_reason=request.POST.get("second_reason", "")[:200],
                )
        except services.SecondNewAssessment:
            status = 409  # the slot stays on screen with the warning, the link and the reason field
        except services.SlotTaken as taken:
            status = 409
            if taken.next_slot is not None:
                slot = {
                    "practitioner": taken.next_slot.practitioner,
                    "site": taken.next_slot.site,
                    "start": taken.next_slot.start,
                }
                messages.error(
                    request,
                    gettext(
                        "%(refusal)s The next free slot is shown below: confirm it or choose "
                        "another."
                    )
                    % {"refusal": taken},
                )
            else:
                messages.error(
                    request,
                    gettext("%(refusal)s There is no other free slot in the next four weeks.")
                    % {"refusal": taken},
                )
                slot = None
        except (services.BookingRefused, IllegalAppointmentChange) as refused:
            messages.error(request, refusal(refused))
            status, slot = 409, None
        else:
            if extra.waitlist is not None:
                services.close_waitlist_entry(extra.waitlist, actor=audit.actor(request))
            local = appointment.start.astimezone(selectors.local_tz())
            messages.success(
                request,
                gettext("Booked: %(visit)s on %(when)s with %(who)s at %(site)s.")
                % {
                    "visit": kind.name,
                    "when": day_and_time(local),
                    "who": practitioner.get_full_name() or practitioner.username,
                    "site": site.name,
                },
            )
            return redirect("intake:patient_detail", patient.pk)
    existing = (
        selectors.open_new_assessment(patient)
        if kind.is_new_assessment and extra.reschedule is None
        else None
    )
    return render(
        request,
        "intake/booking_confirm.html",
        {
            "patient": patient,
            "existing": existing,
            "slot": slot,
            "end": slot["start"] + kind.duration if slot else None,
            "appointment_type": kind,
            **extra.items(),
        },
        status=status,
    )


@role_required(FRONT_DESK)
@require_POST
def appointment_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "appointment_type"), pk=pk
    )
    access.patient_for(request, appointment.patient_id, area=Area.SCHEDULING, what="Appointment")
    to_status = request.POST.get("to", "")
    if to_status not in {
        Appointment.Status.ARRIVED,
        Appointment.Status.NO_SHOW,
        Appointment.Status.COMPLETED,
    }:
        return HttpResponseBadRequest(gettext("Unknown change."))
    try:
        services.change_appointment_status(appointment, to_status, actor=audit.actor(request))
    except IllegalAppointmentChange as refused:
        messages.error(request, refusal(refused))
    else:
        messages.success(
            request,
            gettext("%(name)s: %(status)s.")
            % {
                "name": appointment.patient.full_name,
                "status": appointment.get_status_display().lower(),
            },
        )
    return redirect(
        _safe_next(request, reverse("intake:patient_detail", args=[appointment.patient_id]))
    )


@role_required(FRONT_DESK)
def appointment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "practitioner", "site", "appointment_type"),
        pk=pk,
    )
    access.patient_for(request, appointment.patient_id, area=Area.SCHEDULING, what="Appointment")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(
                appointment, actor=audit.actor(request), reason=form.cleaned_data["reason"]
            )
        except IllegalAppointmentChange as refused:
            messages.error(request, refusal(refused))
        else:
            messages.success(
                request,
                gettext("Appointment cancelled. The waitlist shows who to offer the time to."),
            )
        return redirect("intake:patient_detail", appointment.patient_id)
    return render(
        request, "intake/appointment_cancel.html", {"appointment": appointment, "form": form}
    )


# Referrals and waitlist -------------------------------------------------------------------------------


@role_required(FRONT_DESK)
def referral_worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    referrals = selectors.referral_worklist()
    return render(request, "intake/referral_worklist.html", {"referrals": referrals})


@role_required(*PRIMARY_CARE)
def refer_patient(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient: Patient | None = None
    value = request.GET.get("patient") or request.POST.get("patient")
    if value:
        patient = access.patient_for(
            request, value, area=Area.DEMOGRAPHICS, what="Referral to physiotherapy"
        )
        if request.access_basis is Basis.BREAK_GLASS:  # type: ignore[attr-defined]
            # Break the glass opens a record to read; a referral is for the physician's own panel.
            access.refuse(
                request,
                "Referral to physiotherapy (write)",
                patient.pk,
                gettext("Refer patients of your own panel only."),
            )
    query = request.GET.get("q", "").strip()
    matches: list[Patient] = []
    if patient is None and query:
        matches = selectors.search_patients(query, physician=request.user)
    form = ReferralForm(request.POST or None)
    if patient is not None and request.method == "POST" and form.is_valid():
        referral = services.refer_patient(
            patient=patient,
            physician=request.user,
            reason=form.cleaned_data["reason"],
            urgency=form.cleaned_data["urgency"],
            actor=audit.actor(request),
        )
        messages.success(
            request,
            gettext("%(name)s is referred (%(urgency)s); the front desk will book the visit.")
            % {"name": patient.full_name, "urgency": referral.get_urgency_display().lower()},
        )
        return redirect("intake:refer_patient")
    return render(
        request,
        "intake/refer_patient.html",
        {"patient": patient, "form": form, "query": query, "matches": matches},
    )


@dataclass(frozen=True)
class WaitlistOffer:
    """A waiting patient to offer a freed slot to, with the link that books it for them."""

    patient: Patient
    added_at: datetime
    appointment: Appointment | None  # the later visit the patient is booked for now, if any
    offer_url: str


@dataclass(frozen=True)
class FreedSlotOffers:
    appointment: Appointment
    candidates: list[WaitlistOffer]


def _offer_url(appointment: Appointment, entry: WaitlistEntry) -> str:
    params: dict[str, int | str | None] = {
        "patient": entry.patient_id,
        "practitioner": appointment.practitioner_id,
        "site": appointment.site_id,
        "start": appointment.start.isoformat(),
        "waitlist": entry.pk,
    }
    if entry.appointment is not None and entry.appointment.status == Appointment.Status.BOOKED:
        params["reschedule"] = entry.appointment_id
    else:
        params["type"] = appointment.appointment_type.code
    return reverse("intake:booking_confirm") + "?" + urlencode(params)


@role_required(FRONT_DESK)
def waitlist(request: AuthenticatedHttpRequest) -> HttpResponse:
    entries = selectors.waiting_entries()
    freed = [
        FreedSlotOffers(
            item.appointment,
            [
                WaitlistOffer(
                    patient=entry.patient,
                    added_at=entry.added_at,
                    appointment=entry.appointment,
                    offer_url=_offer_url(item.appointment, entry),
                )
                for entry in item.candidates
            ],
        )
        for item in selectors.freed_slots(entries)
    ]
    return render(
        request,
        "intake/waitlist.html",
        {"entries": entries, "freed": freed, "offers": offers.recent_offers()},
    )


@role_required(FRONT_DESK)
@require_POST
def waitlist_add(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient: Patient = access.patient_for(
        request, patient_id, area=Area.SCHEDULING, what="Waitlist"
    )
    form = WaitlistForm(request.POST)
    if form.is_valid():
        services.add_to_waitlist(patient=patient, actor=audit.actor(request), **form.cleaned_data)
        messages.success(
            request,
            gettext("%(name)s is on the waitlist for an earlier slot.")
            % {"name": patient.full_name},
        )
    else:
        messages.error(request, gettext("The waitlist request was not saved: check the choices."))
    return redirect("intake:patient_detail", patient.pk)


@role_required(FRONT_DESK)
@require_POST
def waitlist_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry, pk=pk)
    access.patient_for(request, entry.patient_id, area=Area.SCHEDULING, what="Waitlist")
    services.close_waitlist_entry(entry, actor=audit.actor(request))
    messages.success(request, gettext("Removed from the waitlist."))
    return redirect("intake:waitlist")


# Day sheets ----------------------------------------------------------------------------------------


@role_required(FRONT_DESK, Role.PHYSIOTHERAPIST)
def day_sheet(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = request.GET.copy()
    own = has_role(request.user, Role.PHYSIOTHERAPIST) and not has_role(request.user, FRONT_DESK)
    if own and "practitioner" not in data:
        data["practitioner"] = str(request.user.pk)
    day = timezone.localdate()
    data.setdefault("day", day.isoformat())
    form = DaySheetForm(data)
    practitioner: User | None = None
    if form.is_valid():
        day = form.cleaned_data["day"] or day
        practitioner = form.cleaned_data["practitioner"]
    sheet = selectors.day_sheet(day, practitioner.pk if practitioner else None)
    audit.record(request, audit.Action.VIEW, f"Day sheet {day:%Y-%m-%d}")
    return render(
        request,
        "intake/day_sheet.html",
        {"form": form, "day": day, "sheet": sheet, "practitioner": practitioner},
    )
