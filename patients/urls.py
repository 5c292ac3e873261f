from django.urls import path
from django.views.i18n import set_language

from lbp_pathway.access import public
from patients import views

app_name = "patients"

urlpatterns = [
    path("refer/", views.refer, name="refer"),
    path("refer/thanks/", views.refer_done, name="refer_done"),
    path("emergency/", views.emergency, name="emergency"),
    path("language/", public(set_language), name="set_language"),
    path("staff/self-referrals/", views.worklist, name="worklist"),
    path("staff/self-referrals/<int:pk>/", views.worklist_item, name="worklist_item"),
    path("staff/self-referrals/<int:pk>/match/", views.worklist_match, name="worklist_match"),
]
