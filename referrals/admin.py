from django.contrib import admin

from referrals.models import Destination, PostalCode


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "postal_code", "accepting", "slots", "next_available_on"]
    list_filter = ["kind", "accepting"]
    search_fields = ["name", "postal_code"]


@admin.register(PostalCode)
class PostalCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "latitude", "longitude"]
    search_fields = ["code"]
