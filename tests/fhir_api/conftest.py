"""Partner clients with real OAuth tokens (django-oauth-toolkit's token endpoint), and a world with one
record of every kind the FHIR API serves."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest
from django.test import Client
from oauth2_provider.models import get_application_model

from care_episodes import services as care_services
from fhir_api.models import AUDIT_READ, READ, REFERRAL_STATUS, REFERRAL_WRITE, PartnerClient
from intake import services as intake_services
from lbp_pathway.audit import as_actor
from tests.care_episodes.factories import OutcomeFactory
from tests.privacy.factories import AccessWorld
from tests.triage.factories import facts
from triage import services as triage_services

Application = get_application_model()
ALL_SCOPES = " ".join([READ, REFERRAL_WRITE, REFERRAL_STATUS, AUDIT_READ])


@dataclass
class Partner:
    client_id: str
    secret: str
    application: object
    partner: PartnerClient


def make_partner(name: str, scopes: str, **links) -> Partner:
    secret = f"{name}-secret-0123456789abcdef"
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    partner = PartnerClient.objects.create(application=application, scopes=scopes, **links)
    return Partner(application.client_id, secret, application, partner)


def get_token(client: Client, partner: Partner, scope: str | None = None) -> dict:
    basic = base64.b64encode(f"{partner.client_id}:{partner.secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    response = client.post("/fhir/auth/token", data, HTTP_AUTHORIZATION=f"Basic {basic}")
    return {"status": response.status_code, **response.json()}


def local(url: str) -> str:
    """An absolute URL the API gave (links, attachments) as the test client's path."""
    return "/fhir" + url.split("/fhir", 1)[1]


def api_for(partner: Partner) -> Api:
    token = get_token(Client(), partner)
    assert token["status"] == 200, token
    return Api(token["access_token"])


class Api:
    """A partner system calling /fhir/ with its bearer token."""

    def __init__(self, token: str) -> None:
        self.client = Client(raise_request_exception=True)
        self.token = token

    def _auth(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str, **params):
        return self.client.get(path, params, **self._auth())

    def post(self, path: str, body: dict):
        return self.client.post(
            path, json.dumps(body), content_type="application/fhir+json", **self._auth()
        )

    def patch(self, path: str, body):
        return self.client.patch(
            path, json.dumps(body), content_type="application/json-patch+json", **self._auth()
        )


@pytest.fixture
def partner_api(db):
    def make(scopes: str = READ, name: str = "partner", **links) -> Api:
        links.setdefault("sees_every_patient", True)  # the clinic's own system, unless told
        partner = make_partner(name, scopes, **links)
        token = get_token(Client(), partner)
        assert token["status"] == 200, token
        return Api(token["access_token"])

    return make


START_BACK_HIGH = ["agree"] * 8 + ["extremely"]


@pytest.fixture
def world(db):
    """One of each: patient, practitioners, sites, a destination and a referral sent there, an
    incoming referral, an appointment, STarT Back answers and score, outcomes, the self-management
    and follow-up plans, a signed consultation note."""
    w = AccessWorld()
    physio = as_actor(w.physio)
    w.assessed()
    OutcomeFactory(episode=w.episode, timepoint="discharge", nprs=2, rmdq=3, odi=12.0, psfs=7.5)
    w.plan()
    care_services.save_follow_up(
        w.episode, actor=physio, care_model="physiotherapy_course", sessions=4, interval_weeks=2
    )
    triage_services.record_triage(w.episode, facts(), START_BACK_HIGH, actor=physio)
    w.note = w.signed_note()
    w.sent_referral = w.referral()
    w.booking = w.appointment()
    w.incoming = intake_services.refer_patient(
        patient=w.patient,
        physician=w.physician,
        reason="Low back pain for six weeks",
        urgency="routine",
        actor=as_actor(w.physician),
    )
    return w
