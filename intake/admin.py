"""Clinic configuration in Django's admin: sites, visit types, weekly schedules and days off.
Patient records are not registered here: they are opened through the audited front-desk pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from intake.models import (
    AppointmentType,
    AvailabilityException,
    Referrer,
    Site,
    WeeklyAvailability,
)

if TYPE_CHECKING:
    # ModelAdmin takes no type argument at run time; only mypy sees these.
    _SiteAdminBase = admin.ModelAdmin[Site]
    _AppointmentTypeAdminBase = admin.ModelAdmin[AppointmentType]
    _WeeklyAvailabilityAdminBase = admin.ModelAdmin[WeeklyAvailability]
    _AvailabilityExceptionAdminBase = admin.ModelAdmin[AvailabilityException]
    _ReferrerAdminBase = admin.ModelAdmin[Referrer]
else:
    _SiteAdminBase = _AppointmentTypeAdminBase = admin.ModelAdmin
    _WeeklyAvailabilityAdminBase = _AvailabilityExceptionAdminBase = admin.ModelAdmin
    _ReferrerAdminBase = admin.ModelAdmin


@admin.register(Site)
class SiteAdmin(_SiteAdminBase):
    list_display = ["name", "address", "postal_code", "phone"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(_AppointmentTypeAdminBase):
    list_display = ["name", "code", "duration_minutes", "is_new_assessment"]


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(_WeeklyAvailabilityAdminBase):
    list_display = ["practitioner", "site", "weekday", "start", "end"]
    list_filter = ["site", "weekday"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(_AvailabilityExceptionAdminBase):
    list_display = ["practitioner", "first_day", "last_day", "reason"]


@admin.register(Referrer)
class ReferrerAdmin(_ReferrerAdminBase):
    """The clinicians who refer (no patient data): link a clinician of the team to their account so
    the notes for the patients they refer reach their inbox."""

    list_display = ["name", "kind", "organisation", "identifier_value", "user", "partner_key"]
    list_filter = ["kind"]
    search_fields = ["name", "organisation", "identifier_value"]
    raw_id_fields = ["user"]
