"""The public patient pages (/p/) take small forms only: a body far larger than any of them (a 10 MB
post) is answered with a clear page in the patient's language before anything reads it, CSRF check
included, so nothing is parsed and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MAX_BODY_BYTES = 64 * 1024
PREFIX = "/p/"


def too_large(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
    except ValueError:
        return True


class PatientBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path.startswith(PREFIX) and too_large(request):
            return render(request, "patients/too_large.html", status=413)
        return self.get_response(request)
