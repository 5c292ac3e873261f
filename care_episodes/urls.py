from django.urls import path

from care_episodes import review_views, views

app_name = "care_episodes"
urlpatterns = [
    path("physio/", views.physio_home, name="physio_home"),
    path("physio/episodes/<int:episode_id>/", views.episode_detail, name="episode_detail"),
    path("physio/episodes/<int:episode_id>/take/", views.take_episode, name="take_episode"),
    path("physio/episodes/<int:episode_id>/assessment/", views.assessment_edit, name="assessment"),
    path("physio/episodes/<int:episode_id>/outcomes/", views.outcome_add, name="outcome_add"),
    path("physio/episodes/<int:episode_id>/plan/", views.plan_edit, name="plan"),
    path("physio/episodes/<int:episode_id>/handout/", views.handout, name="handout"),
    path("physio/episodes/<int:episode_id>/handout.pdf", views.handout_pdf, name="handout_pdf"),
    path("physio/episodes/<int:episode_id>/follow-up/", views.follow_up_edit, name="follow_up"),
    path("physio/episodes/<int:episode_id>/discharge/", views.discharge, name="discharge"),
    path("physio/episodes/<int:episode_id>/status/", views.change_status, name="change_status"),
    path("physio/episodes/<int:episode_id>/note/", views.note_draft, name="note_draft"),
    path("physio/episodes/<int:episode_id>/visits/new/", views.visit_edit, name="visit_add"),
    path(
        "physio/episodes/<int:episode_id>/visits/<int:visit_id>/",
        views.visit_edit,
        name="visit_edit",
    ),
    path("physio/notes/<int:note_id>/", views.note_edit, name="note_edit"),
    path("physio/notes/<int:note_id>/addendum/", views.note_addendum, name="note_addendum"),
    path("notes/<int:note_id>.pdf", views.note_pdf, name="note_pdf"),
    path("physician/", views.physician_home, name="physician_home"),
    path("physician/notes/<int:note_id>/", views.physician_note_detail, name="physician_note"),
    path("physician/episodes/<int:episode_id>/", views.physician_episode, name="physician_episode"),
    path("lead/", review_views.lead_home, name="lead_home"),
    path("lead/episodes/<int:episode_id>/", review_views.case_review, name="case_review"),
    path(
        "physio/episodes/<int:episode_id>/case-review/",
        review_views.request_case_review,
        name="request_case_review",
    ),
]
