"""The privacy officer's pages (audit log, break-the-glass review, security settings) and the
clinician's break-the-glass form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lbp_pathway import audit, audit_chain, csv_export, selectors, services
from lbp_pathway.access import BREAK_GLASS_ROLES, Role, patient_from_url, role_required
from lbp_pathway.forms import AuditSearchForm, BreakGlassForm, TwoFactorRulesForm
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.models import EmergencyAccess

AUDIT_PAGE_SIZE = 50
CSV_COLUMNS = ["at", "username", "user_id", "action", "patient_id", "what", "path", "ip", "reason"]


def _audit_filters(form: AuditSearchForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "patient_id": data.get("patient_id"),
        "username": (data.get("username") or "").strip(),
        "action": data.get("action") or "",
        "date_from": data.get("date_from"),
        "date_to": data.get("date_to"),
    }


def _choose_patient(form: AuditSearchForm) -> list[Any]:
    """Resolve the typed patient (name, birth date or health card) to one patient id in the form's
    data. One match: chosen. Several: returned for the privacy officer to pick. None: a form error."""
    data = form.cleaned_data
    typed = (data.get("patient") or "").strip()
    if data.get("patient_id") or not typed:
        return []
    found = selectors.find_patients(typed)
    if not found:
        form.add_error("patient", "No patient matches this name, birth date or health card.")
    elif len(found) == 1:
        data["patient_id"] = found[0].pk
        return []
    return found


@role_required(Role.ADMINISTRATOR)
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    candidates: list[Any] = []
    events = None
    if not form.is_bound:
        events = selectors.audit_events()
    elif form.is_valid():
        candidates = _choose_patient(form)
        if form.is_valid() and not candidates:
            filters = _audit_filters(form)
            events = selectors.audit_events(**filters)
    if events is not None:
        page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    labels = selectors.patient_labels(
        {event.patient_id for event in page if event.patient_id} if page is not None else set()
    )
    chosen = form.cleaned_data.get("patient_id") if form.is_bound and form.is_valid() else None
    query = request.GET.copy()
    query.pop("page", None)
    if chosen:
        query["patient_id"] = str(chosen)
    pick = request.GET.copy()
    pick.pop("page", None)
    pick.pop("patient_id", None)
    response = render(
        request,
        "lbp_pathway/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": [(event, labels.get(event.patient_id or 0)) for event in page or []],
            "chosen": selectors.patient_labels({chosen}).get(chosen) if chosen else None,
            "candidates": [
                (
                    patient,
                    f"{patient.last_name}, {patient.first_name} ({patient.date_of_birth:%Y-%m-%d})",
                    selectors.masked_health_card(patient.health_card_number),
                )
                for patient in candidates
            ],
            "pick_query": pick.urlencode(),
            "query": query.urlencode(),
            "verification": audit_chain.last_verification(),
        },
    )
    if page is not None and chosen:
        # Looking up who opened a patient's record is itself an access to that record (recorded
        # after the page is read, so it is not among the results it shows).
        audit.record(
            request,
            audit.Action.VIEW,
            "Audit log: accesses to a patient's record",
            patient_id=chosen,
        )
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(Role.ADMINISTRATOR)
def audit_log_export(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditSearchForm(request.GET)
    if not form.is_valid() or _choose_patient(form) or not form.is_valid():
        messages.error(request, _("Correct the search (or choose one patient) before exporting."))
        return redirect("audit_log")
    filters = _audit_filters(form)
    events = list(selectors.audit_events(**filters))
    # The export is itself an access to the audit trail: it goes in the trail.
    audit.record(
        request,
        audit.Action.PRINT,
        "Audit log export (CSV)",
        patient_id=filters["patient_id"],
        reason=selectors.describe_filters(filters) or "all events",
    )
    writer = csv_export.writer(_Echo())

    def rows() -> Iterator[Any]:  # csv.writer.writerow returns what _Echo.write returns
        yield writer.writerow(CSV_COLUMNS)
        for event in events:
            yield writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(timespec="seconds"),
                    event.username,
                    event.user_id or "",
                    event.action,
                    event.patient_id or "",
                    event.what,
                    event.path,
                    event.ip_address or "",
                    event.reason,
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


@role_required(*BREAK_GLASS_ROLES)
def break_glass(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_from_url(patient_id=patient_id)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_the_glass(request, patient, form.cleaned_data["reason"])
        except services.RefusedError as error:
            form.add_error("reason", str(error))
        else:
            until = timezone.localtime(grant.expires_at).strftime("%H:%M")
            messages.warning(
                request,
                _(
                    "Emergency access granted until {until}. It is recorded and will be reviewed."
                ).format(until=until),
            )
            return redirect(target or "home")
    return render(
        request,
        "lbp_pathway/break_glass.html",
        {"form": form, "patient_id": patient.pk, "next": target},
    )


@role_required(Role.ADMINISTRATOR)
def break_glass_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    grants = selectors.emergency_accesses(unreviewed_only=not show_all)[:200]
    return render(
        request,
        "lbp_pathway/break_glass_review.html",
        {"grants": grants, "show_all": show_all, "now": timezone.now()},
    )


@role_required(Role.ADMINISTRATOR)
@require_POST
def break_glass_reviewed(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    grant = get_object_or_404(EmergencyAccess, pk=grant_id)
    services.review_emergency_access(grant, request.user, request.POST.get("note", "").strip())
    messages.success(request, _("Marked as reviewed."))
    return redirect("break_glass_review")


@role_required(Role.ADMINISTRATOR)
def security_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    required = [role.value for role, on in services.two_factor_rules().items() if on]
    form = TwoFactorRulesForm(request.POST or None, initial={"required_roles": required})
    if request.method == "POST" and form.is_valid():
        services.set_two_factor_rules(form.roles(), actor=audit.actor(request))
        messages.success(
            request,
            _(
                "Two-factor rules saved. They apply to signed-in users at their next page, and the "
                "other administrators are told by email."
            ),
        )
        return redirect("security_settings")
    return render(
        request,
        "lbp_pathway/security_settings.html",
        {
            "form": form,
            "locks": selectors.current_locks(),
            "two_factor_users": selectors.two_factor_users(),
        },
    )


@role_required(Role.ADMINISTRATOR)
@require_POST
def unlock_sign_in(request: AuthenticatedHttpRequest, failures_id: int) -> HttpResponse:
    services.unlock(failures_id, actor=audit.actor(request))
    messages.success(request, _("Unlocked: the user can sign in again."))
    return redirect("security_settings")


@role_required(Role.ADMINISTRATOR)
@require_POST
def reset_two_factor(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=user_id)
    services.reset_two_factor(user, actor=audit.actor(request))
    messages.success(
        request,
        _("Two-factor authentication reset for {username}.").format(username=user.get_username()),
    )
    return redirect("security_settings")
