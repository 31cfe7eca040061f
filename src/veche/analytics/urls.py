from django.urls import path

from veche.analytics.views import dashboard, growth, heatmap, ratings, slices

app_name = "analytics"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("cases/", dashboard.cases_behind_page, name="cases"),
    path("slices/", slices.slice_page, name="slices"),
    path("slices/save/", slices.save_view, name="save_view"),
    path("slices/<int:pk>/delete/", slices.delete_view, name="delete_view"),
    path("map/", heatmap.map_page, name="map"),
    path("map/cells/", heatmap.map_cells, name="map_cells"),
    path("growth/", growth.growth_page, name="growth"),
    path("ratings/", ratings.ratings_page, name="ratings"),
    path("ratings/policy/", ratings.policy_page, name="rating_policy"),
]
