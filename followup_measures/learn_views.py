"""Education pages for patients (/p/learn/): public, the same for everyone, no patient data."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from followup_measures import education
from lbp_pathway.access import public


def _index(request: HttpRequest, stratum: str) -> HttpResponse:
    language = education.language_of(get_language())
    first, others = education.topics_for(stratum, language)
    words = education.words()
    return render(
        request,
        "followup_measures/learn_index.html",
        {"first": first, "others": others, "words": words, "intro": words[stratum or "index"]},
    )


@public
def index(request: HttpRequest) -> HttpResponse:
    return _index(request, "")


@public
def for_stratum(request: HttpRequest, stratum: str) -> HttpResponse:
    if stratum not in education.BY_STRATUM:
        raise Http404("No such page.")
    return _index(request, stratum)


@public
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    language = education.language_of(get_language())
    page = education.page(slug, language)
    if page is None:
        raise Http404("No such page.")
    return render(
        request,
        "followup_measures/learn_page.html",
        {"page": page, "words": education.words()},
    )
