"""django-oauth-toolkit's scopes backend: a client may ask only for the scopes its PartnerClient
allows (all of them when it asks for none); a client without a PartnerClient gets no scope."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import SettingsScopes

from fhir_api.models import PartnerClient


def allowed_scopes(application: Any) -> list[str]:
    if application is None:
        return []
    partner = PartnerClient.objects.filter(application_id=application.pk).first()
    return partner.scope_list if partner is not None else []


class PartnerScopes(SettingsScopes):  # type: ignore[misc]  # untyped library
    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return allowed_scopes(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return allowed_scopes(application)
