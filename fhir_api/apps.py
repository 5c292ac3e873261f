from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    name = "fhir_api"
    verbose_name = "FHIR API (partner systems)"
