from django.urls import path

from reporting import record_views

app_name = "records"
urlpatterns = [
    path("", record_views.find_patient, name="find_patient"),
    path("<int:patient_id>/", record_views.export_record, name="export"),
]
