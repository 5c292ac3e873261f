from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("episode/<int:episode_id>/", views.episode_referrals, name="episode_referrals"),
    path("episode/<int:episode_id>/new/<slug:kind>/", views.create_referral, name="create"),
    path("suggestion/<int:suggestion_id>/decide/", views.decide_suggestion, name="decide"),
    path("<int:referral_id>/", views.referral_detail, name="detail"),
    path("<int:referral_id>/status/", views.move_referral, name="move"),
    path("<int:referral_id>/report/", views.attach_report, name="attach_report"),
    path("<int:referral_id>/report/file/", views.report_file, name="report_file"),
    path("<int:referral_id>/letter/", views.letter, name="letter"),
    path("<int:referral_id>/letter.pdf", views.letter_pdf, name="letter_pdf"),
]
