"""The app's URLs plus test-only pages: a patient chart guarded like the real ones, and pages that fail."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from lbp_pathway.access import Role, episode_patient, patient_record_view, public
from lbp_pathway.urls import handler403  # noqa: F401
from lbp_pathway.urls import urlpatterns as app_urlpatterns


@patient_record_view(what="Patient chart (test)")
def chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    return HttpResponse(f"Chart of {request.patient.full_name}; basis {request.access_basis}")


@patient_record_view(what="Episode (test)", lookup=episode_patient)
def episode(request: HttpRequest, episode_id: int) -> HttpResponse:
    return HttpResponse(f"Episode {episode_id} of {request.patient.full_name}")


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
