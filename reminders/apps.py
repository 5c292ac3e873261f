from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        from lbp_pathway import monitoring
        from reminders.monitoring import OutboxCollector, outbox_health

        monitoring.register_collector(OutboxCollector())
        monitoring.register_health_detail(outbox_health)
