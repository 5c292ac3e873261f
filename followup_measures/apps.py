from django.apps import AppConfig


class FollowupMeasuresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "followup_measures"
    verbose_name = "Outcome questionnaires by link"
