"""Blind review (experts), the fraud register and the statistics pages; included by committee.urls."""

from django.urls import path

from committee import views_fraud, views_review, views_stats

urlpatterns = [
    path("review/", views_review.review_list, name="review_list"),
    path("review/<int:assignment_id>/", views_review.review_dossier, name="review_dossier"),
    path("review/<int:assignment_id>/opinion/", views_review.review_opinion, name="review_opinion"),
    path("review/<int:assignment_id>/files/<int:attachment_id>.jpg", views_review.review_file, name="review_file"),
    path("fraud/", views_fraud.fraud_list, name="fraud_list"),
    path("fraud/new/", views_fraud.fraud_new, name="fraud_new"),
    path("stats/", views_stats.stats_page, name="stats"),
    path("stats/<slug:slug>.xlsx", views_stats.stats_xlsx, name="stats_xlsx"),
]
