"""URLs of the eligibility pages (included by urls.py, namespace "services")."""

from django.urls import path

from sotong.guide.eligibility import views as views_eligibility

urlpatterns: list = [
    path("eligibility/", views_eligibility.eligibility_form, name="eligibility"),
    path("eligibility/results/", views_eligibility.eligibility_results, name="eligibility_results"),
    path("eligibility/reset/", views_eligibility.eligibility_reset, name="eligibility_reset"),
    path(
        "eligibility/profile/delete/",
        views_eligibility.eligibility_profile_delete,
        name="eligibility_profile_delete",
    ),
]
