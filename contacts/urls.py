from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("stakeholders/", views.stakeholder_list, name="stakeholder_list"),
    path("stakeholders/new/", views.stakeholder_create, name="stakeholder_create"),
    path("stakeholders/lookup/", views.stakeholder_lookup, name="stakeholder_lookup"),
    path("stakeholders/export.vcf", views.stakeholder_export_vcard, name="stakeholder_export_vcard"),
    path("stakeholders/duplicates/", views.stakeholder_duplicates, name="stakeholder_duplicates"),
    path("stakeholders/duplicates/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("stakeholders/duplicates/check/", views.duplicates_check, name="duplicates_check"),
    path("stakeholders/merge/", views.stakeholder_merge, name="stakeholder_merge"),
    path("stakeholders/handover/", views.stakeholder_handover, name="stakeholder_handover"),
    path("stakeholders/<int:pk>/vcard/", views.stakeholder_vcard, name="stakeholder_vcard"),
    path("stakeholders/<int:pk>/", views.stakeholder_detail, name="stakeholder_detail"),
    path("stakeholders/<int:pk>/edit/", views.stakeholder_edit, name="stakeholder_edit"),
    path("stakeholders/<int:pk>/archive/", views.stakeholder_archive, name="stakeholder_archive"),
    path("stakeholders/<int:pk>/restore/", views.stakeholder_restore, name="stakeholder_restore"),
    path(
        "stakeholders/<int:stakeholder_pk>/positions/new/", views.affiliation_edit, name="affiliation_create"
    ),
    path(
        "stakeholders/<int:stakeholder_pk>/positions/<int:pk>/",
        views.affiliation_edit,
        name="affiliation_edit",
    ),
    path("stakeholders/<int:stakeholder_pk>/objectives/", views.objective_add, name="objective_add"),
    path("objectives/<int:pk>/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/status/", views.objective_status, name="objective_status"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<int:pk>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/lookup/", views.organisation_lookup, name="organisation_lookup"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
]
