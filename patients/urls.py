from django.urls import path
from django.views.i18n import set_language

from lbp_pathway.access import public
from patients import booking_views, offer_views, views

app_name = "patients"

urlpatterns = [
    path("refer/", views.refer, name="refer"),
    path("refer/thanks/", views.refer_done, name="refer_done"),
    path("refer/book/", views.refer_book, name="refer_book"),
    path("emergency/", views.emergency, name="emergency"),
    path("language/", public(set_language), name="set_language"),
    path("book/<str:token>/", booking_views.book, name="book"),
    path("book/<str:token>/done/", booking_views.book_done, name="book_done"),
    path("book/<str:token>/cancelled/", booking_views.book_cancelled, name="book_cancelled"),
    path("book/<str:token>/appointment.ics", booking_views.book_calendar, name="book_calendar"),
    path("offer/<str:token>/", offer_views.offer, name="offer"),
    path(
        "staff/patients/<int:pk>/booking-link/",
        booking_views.send_booking_link,
        name="send_booking_link",
    ),
    path("staff/self-referrals/", views.worklist, name="worklist"),
    path("staff/self-referrals/<int:pk>/", views.worklist_item, name="worklist_item"),
    path("staff/self-referrals/<int:pk>/match/", views.worklist_match, name="worklist_match"),
]
