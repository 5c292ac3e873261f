from django.urls import path
from oauth2_provider.views import TokenView

from fhir_api import views
from fhir_api.auth import TOKEN_ONLY

app_name = "fhir"

# django-oauth-toolkit's token endpoint (client credentials): a client authenticates with its id and
# secret, never with a session, and no cookie is involved (so no CSRF token either).
token = TokenView.as_view()
token.allowed_roles = TOKEN_ONLY
token.token_only = True

# Resource types and ids are checked by the views (an unknown type is a 404 OperationOutcome).
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("auth/token", token, name="token"),
    path("", views.base_endpoint, name="base"),
    path("Binary/<str:id_>", views.binary, name="binary"),
    path("<str:resource_type>", views.type_endpoint, name="type"),
    path("<str:resource_type>/<str:id_>", views.instance_endpoint, name="instance"),
]
