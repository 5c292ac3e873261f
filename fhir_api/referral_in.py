"""Referrals in over FHIR (POST ServiceRequest, or a transaction Bundle): parse and validate with
fhir.resources, map onto intake's plain values, and let intake.services receive it."""

from __future__ import annotations

from django.http import HttpRequest

from fhir_api.auth import ApiError, Client, Result, require
from fhir_api.models import REFERRAL_WRITE
from fhir_api.resources import Json


def receive(request: HttpRequest, client: Client, body: Json) -> Result:
    require(client, REFERRAL_WRITE)
    raise ApiError(501, [("", "Receiving referrals is not available yet.")], "not-supported")
