from django.urls import path

from reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/resend/", views.resend, name="resend"),
    path("patient/<int:patient_id>/", views.patient_history, name="patient_history"),
]
