from django.urls import path

from followup_measures import learn_views

app_name = "learn"
urlpatterns = [
    path("", learn_views.index, name="index"),
    path("for/<slug:stratum>/", learn_views.for_stratum, name="for_stratum"),
    path("<slug:slug>/", learn_views.topic, name="topic"),
]
