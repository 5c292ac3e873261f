from django.urls import path

from reporting import views as dashboards

app_name = "dashboards"
urlpatterns = [
    path("", dashboards.manager_home, name="manager_home"),
    path("report/", dashboards.monthly_report, name="monthly_report"),
]
