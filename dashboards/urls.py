from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/refresh/", views.refresh, name="refresh"),
    path("dashboard/freshness/", views.freshness, name="freshness"),
    path("grid/", views.power_interest_grid, name="grid"),
    path("map/stakeholders/<int:pk>/", views.stakeholder_map, name="stakeholder_map"),
    path("map/stakeholders/<int:pk>.json", views.stakeholder_map_data, name="stakeholder_map_data"),
    path("map/organisations/<int:pk>/", views.organisation_map, name="organisation_map"),
    path("map/organisations/<int:pk>.json", views.organisation_map_data, name="organisation_map_data"),
    path("reports/", views.report, name="report"),
    path("exports/<slug:name>.csv", views.export, name="export"),
]
