from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lbp_pathway import views
from lbp_pathway.access import any_signed_in, public

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        public(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "accounts/password/",
        any_signed_in(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        any_signed_in(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("administration/", views.administration_home, name="administration_home"),
    path("admin/", admin.site.urls),
    path("frontdesk/", include("intake.urls")),
    path("triage/", include("triage.urls")),
    path("", include("care_episodes.urls")),
    path("manager/", include("care_episodes.dashboard_urls")),
    path("referrals/", include("referrals.urls")),
    path("notifications/", include("reminders.urls")),
]
