from django.urls import include, path

from committee import views

app_name = "committee"
urlpatterns = [
    # The expert's secret ballot and defence score sheets.
    path("vote/", views.vote_list, name="vote"),
    path("defence/<int:pk>/", views.defence_session, name="defence_session"),
    # Every committee step, by subject and name (committee.actions).
    path("steps/<str:subject>/<int:subject_id>/<str:action>/", views.step, name="step"),
    # The prefecture office.
    path("office/", views.office, name="office"),
    path("office/experts/", views.experts_page, name="experts"),
    path("office/fee-imports/<int:pk>/", views.fee_import_page, name="fee_import"),
    path("office/meetings/<int:pk>/", views.meeting_page, name="meeting"),
    path("office/certificates/<int:dossier_id>/issue/", views.certificate_issue_view, name="certificate_issue"),
    path("office/<slug:slug>/", views.board, name="board"),
    path("office/<slug:slug>/fees/", views.fees_page, name="fees"),
    path("office/<slug:slug>/paper/", views.paper_page, name="paper"),
    path("office/<slug:slug>/defence/", views.defence_page, name="defence"),
    path("office/<slug:slug>/draws/", views.draws_page, name="draws"),
    path("office/<slug:slug>/meetings/", views.meetings_page, name="meetings"),
    path("office/<slug:slug>/results/", views.results_page, name="results"),
    # Certificates: the PDF (office, holder) and the public lookup by number.
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/", views.certificate_lookup, name="certificate_lookup"),
    # Blind review, the fraud register and statistics.
    path("", include("committee.urls_review")),
]
