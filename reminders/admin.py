from django.contrib import admin

from reminders.models import Delivery, Notification, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "channel", "status", "due_at", "sent_at", "attempts")
    list_filter = ("status", "kind", "channel")
    search_fields = ("key",)
    raw_id_fields = ("patient", "user", "about_patient")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("key", "channel", "status", "attempts", "started_at", "finished_at")
    list_filter = ("status", "channel")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "created_at", "read_at")
