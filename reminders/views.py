from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lbp_pathway import access, audit
from lbp_pathway.access import (
    PRIMARY_CARE,
    Area,
    Role,
    has_role,
    role_required,
)
from lbp_pathway.http import AuthenticatedHttpRequest
from reminders import selectors, services
from reminders.forms import OutboxFilterForm, ResendForm
from reminders.models import Reminder

STAFF = (Role.FRONT_DESK, Role.PHYSIOTHERAPIST, *PRIMARY_CARE, Role.PRACTICE_LEAD)


@role_required(*STAFF)
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reminders/inbox.html",
        {"page": page, "unread": selectors.unread_count(request.user)},
    )


@require_POST
@role_required(*STAFF)
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    raw = request.POST.get("notification")
    ids = [int(raw)] if raw and raw.isdigit() else None
    services.mark_notifications_read(request.user, ids)
    return redirect("reminders:inbox")


@role_required(Role.MANAGER)
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reminders = selectors.outbox(**{k: v for k, v in filters.items() if v})
    page = Paginator(reminders, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reminders/outbox.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.outbox_rows(page.object_list),
            "totals": selectors.outbox_totals(),
            "query": query.urlencode(),
        },
    )


@require_POST
@role_required(Role.MANAGER)
def resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(Reminder, pk=pk)
    form = ResendForm(request.POST)
    if form.is_valid() and services.resend_reminder(
        reminder, generation=form.cleaned_data["generation"], actor=audit.actor(request)
    ):
        messages.success(request, _("The reminder will be sent again within a minute."))
    else:
        messages.info(request, _("That reminder was already re-sent or is no longer failed."))
    return redirect("reminders:outbox")


@role_required(*STAFF)
def patient_history(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    # The front desk books and calls patients (reminders hold no clinical content); a clinician
    # sees the reminders of patients in their care or panel, as they see the rest of the record.
    area = Area.SCHEDULING if has_role(request.user, Role.FRONT_DESK) else Area.CLINICAL_RECORDS
    patient = access.patient_for(request, patient_id, area=area, what="reminder history")
    audit.record(request, audit.Action.VIEW, "reminder history", patient=patient)
    reminders = selectors.reminders_about(patient)
    return render(
        request, "reminders/patient_history.html", {"patient": patient, "reminders": reminders}
    )
