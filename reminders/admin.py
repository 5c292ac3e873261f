from typing import TYPE_CHECKING

from django.contrib import admin

from reminders.models import Delivery, Notification, Reminder

# ModelAdmin is generic only for the type checker (Django's class takes no subscript at run time).
if TYPE_CHECKING:
    _ReminderModelAdmin = admin.ModelAdmin[Reminder]
    _DeliveryModelAdmin = admin.ModelAdmin[Delivery]
    _NotificationModelAdmin = admin.ModelAdmin[Notification]
else:
    _ReminderModelAdmin = _DeliveryModelAdmin = _NotificationModelAdmin = admin.ModelAdmin


@admin.register(Reminder)
class ReminderAdmin(_ReminderModelAdmin):
    list_display = ("key", "kind", "channel", "status", "due_at", "sent_at", "attempts")
    list_filter = ("status", "kind", "channel")
    search_fields = ("key",)
    raw_id_fields = ("patient", "user", "about_patient")


@admin.register(Delivery)
class DeliveryAdmin(_DeliveryModelAdmin):
    list_display = ("key", "channel", "status", "attempts", "started_at", "finished_at")
    list_filter = ("status", "channel")


@admin.register(Notification)
class NotificationAdmin(_NotificationModelAdmin):
    list_display = ("title", "user", "created_at", "read_at")
