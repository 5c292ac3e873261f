from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from referrals.models import Destination, PostalCode

if TYPE_CHECKING:
    # ModelAdmin takes no type argument at run time; only mypy sees these.
    _DestinationAdminBase = admin.ModelAdmin[Destination]
    _PostalCodeAdminBase = admin.ModelAdmin[PostalCode]
else:
    _DestinationAdminBase = _PostalCodeAdminBase = admin.ModelAdmin


@admin.register(Destination)
class DestinationAdmin(_DestinationAdminBase):
    list_display = ["name", "kind", "postal_code", "accepting", "slots", "next_available_on"]
    list_filter = ["kind", "accepting"]
    search_fields = ["name", "postal_code"]


@admin.register(PostalCode)
class PostalCodeAdmin(_PostalCodeAdminBase):
    list_display = ["code", "latitude", "longitude"]
    search_fields = ["code"]
