from django.urls import path

from followup_measures import views

app_name = "followup_measures"
urlpatterns = [
    path("<str:token>/", views.answer, name="answer"),
]
