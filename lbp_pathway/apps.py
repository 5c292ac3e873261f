from django.apps import AppConfig


class LbpPathwayConfig(AppConfig):
    name = "lbp_pathway"
    verbose_name = "LBP Pathway"
