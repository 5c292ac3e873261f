"""The privacy officer's export of one patient's whole record (a PHIPA access request): a page that
names the patient and counts what each section holds, and the export itself as a PDF, a JSON bundle,
or a zip with both and the patient's uploaded documents. The role that holds the audit log opens it;
every other role gets 403 (audited). Opening the page and every export are recorded in the audit log."""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import Patient
from lbp_pathway import audit
from lbp_pathway.access import Area, role_required, roles_with
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.pdf import html_to_pdf
from reporting.record_export import PatientRecordExport, patient_record

# The privacy officer: whoever the access matrix gives the audit log.
PRIVACY_OFFICER = tuple(sorted(roles_with(Area.AUDIT_LOG)))


class FindPatientForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient id"), min_value=1)


class ExportForm(forms.Form):
    KINDS = [
        ("zip", _("Both, in a zip (PDF, JSON and the patient's uploaded documents)")),
        ("pdf", _("PDF, to give to the patient")),
        ("json", _("JSON bundle, machine-readable")),
    ]
    reason = forms.CharField(
        label=_("Access request"),
        max_length=300,
        help_text=_(
            "Who asked and your reference, e.g. 'Patient's written request, ref. AR-2026-014'. "
            "It is kept in the audit log with the export."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Format"), choices=KINDS, initial="zip", widget=forms.RadioSelect
    )


@role_required(*PRIVACY_OFFICER)
def find_patient(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FindPatientForm(request.GET or None)
    if form.is_valid():
        return redirect("records:export", patient_id=form.cleaned_data["patient_id"])
    return render(request, "reporting/records/find_patient.html", {"form": form})


def _pdf(export: PatientRecordExport) -> bytes:
    pdf = html_to_pdf(render_to_string("reporting/records/record_pdf.html", {"export": export}))
    if pdf is None:
        raise RuntimeError("The PDF of the record could not be generated.")
    return pdf


def _zip(export: PatientRecordExport, stem: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{stem}.pdf", _pdf(export))
        bundle.writestr(f"{stem}.json", export.as_json())
        for name, document in export.documents:
            try:
                with document.open("rb") as handle:
                    bundle.writestr(name, handle.read())
            except FileNotFoundError:
                bundle.writestr(f"{name}.missing.txt", "This file was not found in storage.\n")
    return buffer.getvalue()


CONTENT_TYPES = {"pdf": "application/pdf", "json": "application/json", "zip": "application/zip"}


@role_required(*PRIVACY_OFFICER)
def export_record(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=patient_id)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        export = patient_record(patient, exported_by=request.user.get_username())
        stem = f"patient-{patient.pk}-record-{timezone.localdate():%Y%m%d}"
        if kind == "pdf":
            content = _pdf(export)
        elif kind == "json":
            content = export.as_json()
        else:
            content = _zip(export, stem)
        # The export is a disclosure of the whole record: it goes in the audit log, with the request.
        audit.record(
            request,
            audit.Action.PRINT,
            f"Whole-record export ({kind.upper()}), access request",
            patient=patient,
            reason=form.cleaned_data["reason"],
        )
        response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
        response["Content-Disposition"] = f'attachment; filename="{stem}.{kind}"'
        response["Cache-Control"] = "private, no-store"
        return response
    summary = patient_record(patient, exported_by=request.user.get_username())
    audit.record(request, audit.Action.VIEW, "Whole-record export page", patient=patient)
    return render(
        request,
        "reporting/records/export.html",
        {"patient": patient, "form": form, "sections": summary.sections},
    )
