from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("episode/<int:episode_id>/", views.episode_triage, name="episode_triage"),
    path("episode/<int:episode_id>/link/", views.questionnaire_link, name="questionnaire_link"),
    path("score/", views.score, name="score"),
    path("phone/", views.phone_screen, name="phone_screen"),
    path("alert/<int:alert_id>/clear/", views.clear_alert, name="clear_alert"),
    path("q/<str:token>/", views.patient_questionnaire, name="patient_questionnaire"),
]
