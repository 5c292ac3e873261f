"""The administrator issues a client per partner: an Application (client type confidential, grant
client credentials) with its PartnerClient inline (scopes, destination)."""

from __future__ import annotations

from django.contrib import admin
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.models import get_application_model

from fhir_api.models import PartnerClient

Application = get_application_model()


class PartnerClientInline(admin.StackedInline):  # type: ignore[type-arg]
    model = PartnerClient
    can_delete = False
    fields = ["scopes", "destination", "sees_every_patient"]


class PartnerApplicationAdmin(ApplicationAdmin):  # type: ignore[misc]  # untyped library
    inlines = [PartnerClientInline]


if admin.site.is_registered(Application):
    admin.site.unregister(Application)
admin.site.register(Application, PartnerApplicationAdmin)
