from django.urls import path

from care_episodes import views

app_name = "care_episodes"
urlpatterns = [
    path("physio/", views.physio_home, name="physio_home"),
    path("physician/", views.physician_home, name="physician_home"),
]
