from django.urls import path

from intake import group_views, views

app_name = "intake"
urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/book/", views.calendar_book, name="calendar_book"),
    path("calendar/move/", views.calendar_move, name="calendar_move"),
    path("patients/", views.patient_search, name="patient_search"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<int:patient_id>/waitlist/", views.waitlist_add, name="waitlist_add"),
    path("book/", views.slot_search, name="slot_search"),
    path("book/confirm/", views.booking_confirm, name="booking_confirm"),
    path("appointments/<int:pk>/status/", views.appointment_status, name="appointment_status"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("referrals/", views.referral_worklist, name="referral_worklist"),
    path("refer/", views.refer_patient, name="refer_patient"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("waitlist/<int:pk>/done/", views.waitlist_done, name="waitlist_done"),
    path("day-sheet/", views.day_sheet, name="day_sheet"),
    path("groups/", group_views.session_list, name="group_sessions"),
    path("groups/<int:pk>/", group_views.session_detail, name="group_session"),
    path("groups/<int:pk>/book/", group_views.session_book, name="group_session_book"),
    path(
        "groups/<int:pk>/attendance/",
        group_views.session_attendance,
        name="group_session_attendance",
    ),
    path("appointments/<int:pk>/mode/", group_views.appointment_mode, name="appointment_mode"),
]
