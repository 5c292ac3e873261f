from django.urls import path

from care_episodes import dashboards

app_name = "dashboards"
urlpatterns = [
    path("", dashboards.manager_home, name="manager_home"),
    path("report/", dashboards.monthly_report, name="monthly_report"),
]
