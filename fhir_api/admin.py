"""The administrator issues a client per partner: an Application (client type confidential, grant
client credentials) with its PartnerClient inline (scopes, destination)."""

from __future__ import annotations

from django.contrib import admin
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from fhir_api.models import PartnerClient

Application = get_application_model()


class PartnerClientInline(admin.StackedInline):  # type: ignore[type-arg]
    model = PartnerClient
    can_delete = False
    fields = ["scopes", "destination", "sees_every_patient"]


class PartnerApplicationAdmin(ApplicationAdmin):  # type: ignore[misc]  # untyped library
    inlines = [PartnerClientInline]


# Tokens and grants are credentials, not something to browse: only the clients are administered.
for model in [
    Application,
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
admin.site.register(Application, PartnerApplicationAdmin)
