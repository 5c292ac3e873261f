"""Factories for the privacy models."""

from datetime import timedelta

import factory
from django.utils import timezone

from lbp_pathway.models import AuditEvent, EmergencyAccess
from tests.factories import UserFactory


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    user = factory.SubFactory(UserFactory)
    username = factory.LazyAttribute(lambda e: e.user.username if e.user else "")
    patient_id = 1
    action = AuditEvent.Action.VIEW
    what = "Patient chart"
    path = "/physio/patients/1/"
    ip_address = "127.0.0.1"


class EmergencyAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyAccess

    user = factory.SubFactory(UserFactory)
    patient_id = 1
    reason = "Covering for Dr. Gagnon during an urgent visit"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
