from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lbp_pathway import account_views, monitoring, privacy_views, views
from lbp_pathway.access import any_signed_in, public

handler403 = "lbp_pathway.views.permission_denied"
handler500 = "lbp_pathway.views.server_error"

urlpatterns = [
    path("p/questionnaire/", include("followup_measures.urls")),
    path("p/learn/", include("followup_measures.learn_urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/password/", account_views.password_change, name="password_change"),
    path(
        "accounts/password/done/",
        any_signed_in(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("accounts/two-factor/", account_views.two_factor_settings, name="two_factor_settings"),
    path("accounts/two-factor/enrol/", account_views.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        account_views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/language/", account_views.set_language, name="set_language"),
    path("accounts/session/", account_views.session_status, name="session_status"),
    path("accounts/session/keepalive/", account_views.session_keepalive, name="session_keepalive"),
    path("break-glass/<int:patient_id>/", privacy_views.break_glass, name="break_glass"),
    path("administration/", views.administration_home, name="administration_home"),
    path("administration/audit/", privacy_views.audit_log, name="audit_log"),
    path(
        "administration/audit/export.csv",
        privacy_views.audit_log_export,
        name="audit_log_export",
    ),
    path(
        "administration/break-glass/",
        privacy_views.break_glass_review,
        name="break_glass_review",
    ),
    path(
        "administration/break-glass/<int:grant_id>/reviewed/",
        privacy_views.break_glass_reviewed,
        name="break_glass_reviewed",
    ),
    path("administration/records/", include("reporting.record_urls")),
    path("administration/security/", privacy_views.security_settings, name="security_settings"),
    path(
        "administration/security/unlock/<int:failures_id>/",
        privacy_views.unlock_sign_in,
        name="unlock_sign_in",
    ),
    path(
        "administration/security/two-factor/<int:user_id>/reset/",
        privacy_views.reset_two_factor,
        name="reset_two_factor",
    ),
    path("admin/", admin.site.urls),
    path("frontdesk/", include("intake.urls")),
    path("triage/", include("triage.urls")),
    path("", include("care_episodes.urls")),
    path("manager/", include("reporting.urls")),
    path("referrals/", include("referrals.urls")),
    path("notifications/", include("reminders.urls")),
    # The FHIR R4 API for partner systems (bearer tokens only; fhir_api/).
    path("fhir/", include("fhir_api.urls")),
    path("p/", include("patients.urls")),
]
