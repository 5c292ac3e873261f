"""Pages for group sessions (classes) and for an appointment's visit mode (telehealth).

The front desk and the physiotherapists create sessions, book patients into them and take attendance;
the appointment's mode (in person, video with its link, phone) is set from the patient's page.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from intake import group_sessions, selectors, visit_modes
from intake.forms import GroupSessionForm, VisitModeForm
from intake.models import Appointment, GroupBooking, GroupSession
from lbp_pathway import access, audit
from lbp_pathway.access import Area, Role, role_required
from lbp_pathway.http import AuthenticatedHttpRequest

DESK_AND_PHYSIO = (Role.FRONT_DESK, Role.PHYSIOTHERAPIST)


@role_required(*DESK_AND_PHYSIO)
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upcoming sessions with their places taken, and the form to create one."""
    form = GroupSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = group_sessions.create_session(
            actor=audit.actor(request),
            kind=data["kind"],
            title=data["title"],
            site=data["site"],
            leader=data["leader"],
            start=data["start"],
            end=data["start"] + timedelta(minutes=data["duration_minutes"]),
            capacity=data["capacity"],
        )
        messages.success(request, gettext("Session created: %(title)s.") % {"title": session.title})
        return redirect("intake:group_session", pk=session.pk)
    since = timezone.now() - timedelta(hours=12)
    sessions = selectors.upcoming_group_sessions(since)
    return render(request, "intake/group_sessions.html", {"form": form, "sessions": sessions})


@role_required(*DESK_AND_PHYSIO)
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The roster with attendance, and a patient search to add people while places are left."""
    session = get_object_or_404(GroupSession.objects.select_related("site", "leader"), pk=pk)
    bookings = list(session.bookings.select_related("patient"))
    taken = sum(1 for b in bookings if b.attendance != GroupBooking.Attendance.CANCELLED)
    query = request.GET.get("q", "").strip()
    found = selectors.find_patients(query).patients if query else []
    booked_ids = {b.patient_id for b in bookings if b.attendance != "cancelled"}
    audit.record(request, audit.Action.VIEW, f"group session {pk} roster")
    return render(
        request,
        "intake/group_session.html",
        {
            "session": session,
            "bookings": bookings,
            "taken": taken,
            "full": taken >= session.capacity,
            "query": query,
            "found": [patient for patient in found if patient.pk not in booked_ids],
            "attendance_choices": GroupBooking.Attendance.choices,
        },
    )


@role_required(*DESK_AND_PHYSIO)
@require_POST
def session_book(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(GroupSession, pk=pk)
    patient = access.patient_for(
        request, request.POST.get("patient", ""), area=Area.SCHEDULING, what="Group booking"
    )
    try:
        group_sessions.book_into_session(session, patient=patient, actor=audit.actor(request))
    except group_sessions.GroupBookingRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            gettext("%(name)s booked into %(title)s.")
            % {"name": patient.full_name, "title": session.title},
        )
    return redirect("intake:group_session", pk=pk)


@role_required(*DESK_AND_PHYSIO)
@require_POST
def session_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(GroupSession, pk=pk)
    attendance: dict[int, str] = {}
    for key, value in request.POST.items():
        if key.startswith("attendance-") and key.removeprefix("attendance-").isdigit():
            attendance[int(key.removeprefix("attendance-"))] = str(value)
    try:
        changed = group_sessions.record_attendance(
            session, actor=audit.actor(request), attendance=attendance
        )
    except group_sessions.GroupBookingRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, gettext("Attendance saved (%(changed)s changed).") % {"changed": changed}
        )
    return redirect("intake:group_session", pk=pk)


@role_required(*DESK_AND_PHYSIO)
def appointment_mode(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """In person, by video (with the https link the reminder gives) or by phone."""
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "site"), pk=pk)
    access.patient_for(
        request, appointment.patient_id, area=Area.SCHEDULING, what="Appointment visit mode"
    )
    form = VisitModeForm(
        request.POST or None,
        initial={"mode": appointment.mode, "video_link": appointment.video_link},
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit_modes.set_visit_mode(
                appointment,
                actor=audit.actor(request),
                mode=form.cleaned_data["mode"],
                video_link=form.cleaned_data["video_link"],
            )
        except visit_modes.VisitModeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, gettext("Visit mode: %(mode)s.") % {"mode": appointment.get_mode_display()}
            )
            return redirect("intake:patient_detail", patient_id=appointment.patient_id)
    return render(
        request, "intake/appointment_mode.html", {"appointment": appointment, "form": form}
    )
