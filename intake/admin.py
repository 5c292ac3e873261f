"""Clinic configuration in Django's admin: sites, visit types, weekly schedules and days off.
Patient records are not registered here: they are opened through the audited front-desk pages."""

from django.contrib import admin

from intake.models import AppointmentType, AvailabilityException, Site, WeeklyAvailability


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "postal_code", "phone"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "duration_minutes", "is_new_assessment"]


@admin.register(WeeklyAvailability)
class WeeklyAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "site", "weekday", "start", "end"]
    list_filter = ["site", "weekday"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "first_day", "last_day", "reason"]
