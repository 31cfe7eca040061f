from django.urls import path

from veche.problems.views import (
    candidates,
    fast_tracks,
    instructions,
    meetings,
    problems,
    roadmaps,
)

app_name = "problems"

urlpatterns = [
    path("", problems.problem_list, name="list"),
    path("<int:pk>/", problems.problem_detail, name="detail"),
    path("<int:pk>/cases/<int:case_id>/remove/", problems.remove_case, name="remove_case"),
    path("<int:pk>/edit/", problems.problem_edit, name="edit"),
    path("<int:pk>/merge/", problems.problem_merge, name="merge"),
    path("<int:pk>/split/", problems.problem_split, name="split"),
    path("<int:pk>/cases/<int:case_id>/move/", problems.problem_move_case, name="move_case"),
    path("candidates/", candidates.candidate_list, name="candidates"),
    path("candidates/name/", candidates.name_candidate, name="name_candidate"),
    path("fast-tracks/", fast_tracks.fast_track_list, name="fast_tracks"),
    path("fast-tracks/new/", fast_tracks.fast_track_new, name="fast_track_new"),
    path("fast-tracks/<int:pk>/", fast_tracks.fast_track_detail, name="fast_track"),
    path("fast-tracks/<int:pk>/edit/", fast_tracks.fast_track_edit, name="fast_track_edit"),
    path("fast-tracks/<int:pk>/stop/", fast_tracks.fast_track_stop, name="fast_track_stop"),
    path("roadmaps/", roadmaps.roadmap_list, name="roadmaps"),
    path("roadmaps/new/", roadmaps.roadmap_new, name="roadmap_new"),
    path("roadmaps/<int:pk>/", roadmaps.roadmap_detail, name="roadmap"),
    path("roadmaps/<int:pk>/edit/", roadmaps.roadmap_edit, name="roadmap_edit"),
    path("roadmaps/<int:pk>/actions/", roadmaps.action_add, name="roadmap_action_add"),
    path(
        "roadmaps/<int:pk>/actions/<int:action_id>/",
        roadmaps.action_update,
        name="roadmap_action",
    ),
    path(
        "roadmaps/<int:pk>/actions/<int:action_id>/progress/",
        roadmaps.action_progress,
        name="roadmap_action_progress",
    ),
    path(
        "roadmaps/<int:pk>/actions/<int:action_id>/move/",
        roadmaps.action_move,
        name="roadmap_action_move",
    ),
    path(
        "roadmaps/<int:pk>/actions/<int:action_id>/delete/",
        roadmaps.action_delete,
        name="roadmap_action_delete",
    ),
    path(
        "roadmaps/<int:pk>/actions/<int:action_id>/documents/",
        roadmaps.document_add,
        name="roadmap_document_add",
    ),
    path(
        "roadmaps/<int:pk>/documents/<int:document_id>/",
        roadmaps.document,
        name="roadmap_document",
    ),
    path(
        "roadmaps/<int:pk>/documents/<int:document_id>/delete/",
        roadmaps.document_delete,
        name="roadmap_document_delete",
    ),
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path(
        "meetings/<int:pk>/instructions/",
        meetings.meeting_instruction_add,
        name="meeting_instruction_add",
    ),
    path("instructions/new/", instructions.instruction_new, name="instruction_new"),
    path("instructions/<int:pk>/", instructions.instruction_detail, name="instruction"),
    path("instructions/<int:pk>/edit/", instructions.instruction_edit, name="instruction_edit"),
    path(
        "instructions/<int:pk>/report/", instructions.instruction_report, name="instruction_report"
    ),
    path(
        "instructions/<int:pk>/accept/", instructions.instruction_accept, name="instruction_accept"
    ),
    path(
        "instructions/<int:pk>/return/", instructions.instruction_return, name="instruction_return"
    ),
    path(
        "instructions/<int:pk>/cancel/", instructions.instruction_cancel, name="instruction_cancel"
    ),
]
