"""The app's URLs plus test-only pages: a patient chart guarded like the real ones, and pages that fail."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from lbp_pathway import access, audit
from lbp_pathway.access import Area, Basis, Role, public, role_required, roles_with
from lbp_pathway.urls import handler403  # noqa: F401
from lbp_pathway.urls import urlpatterns as app_urlpatterns

CLINICIANS = roles_with(Area.CLINICAL_RECORDS)


def _audit_view(request: HttpRequest, what: str, patient_id: int) -> None:
    basis = request.access_basis  # type: ignore[attr-defined]
    if basis is not Basis.BREAK_GLASS:  # a break-the-glass access is recorded by access itself
        audit.record(request, audit.Action.VIEW, what, patient_id=patient_id, reason=basis.value)


@role_required(*CLINICIANS)
def chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access.patient_for(
        request, patient_id, area=Area.CLINICAL_RECORDS, what="Patient chart (test)"
    )
    _audit_view(request, "Patient chart (test)", patient.pk)
    return HttpResponse(f"Chart of {patient.full_name}; basis {request.access_basis}")  # type: ignore[attr-defined]


@role_required(*CLINICIANS)
def episode(request: HttpRequest, episode_id: int) -> HttpResponse:
    found = access.episode_for(request, episode_id, what="Episode (test)")
    _audit_view(request, "Episode (test)", found.patient_id)
    return HttpResponse(f"Episode {episode_id} of {found.patient.full_name}")


def undeclared(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no rule")


def leaky(request: HttpRequest) -> HttpResponse:
    return HttpResponse("claims to be for managers, lets anyone in")


leaky.allowed_roles = frozenset({Role.MANAGER})  # type: ignore[attr-defined]


@public
def failing(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom for patient 1234-567-890 jane.doe@example.org")


urlpatterns = [
    path("test/patients/<int:patient_id>/chart/", chart, name="test_chart"),
    path("test/episodes/<int:episode_id>/", episode, name="test_episode"),
    path("test/fail/", failing, name="test_fail"),
    path("test/undeclared/", undeclared, name="test_undeclared"),
    path("test/leaky/", leaky, name="test_leaky"),
    *app_urlpatterns,
]
