from django.apps import AppConfig


class CareEpisodesConfig(AppConfig):
    name = "care_episodes"
    verbose_name = "Care episodes"
