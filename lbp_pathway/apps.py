from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LbpPathwayConfig(AppConfig):
    default = True
    name = "lbp_pathway"
    verbose_name = "LBP Pathway"

    def ready(self) -> None:
        from lbp_pathway import checks, signals  # noqa: F401


class PathwayAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site of lbp_pathway/admin_site.py (administrators only)."""

    default = False
    default_site = "lbp_pathway.admin_site.PathwayAdminSite"
