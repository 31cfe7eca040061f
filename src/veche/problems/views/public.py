"""The public page of a road map: what is being done about a problem, for the citizens who
wrote about it. No login; only a published road map (404 otherwise), and nothing personal:
departments, never officials' names, no notes, no costs, no documents, no case text."""

import uuid
import zoneinfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from veche.problems.effect import local_day, roadmap_effect, scope_cases
from veche.problems.roadmap_selectors import public_roadmap, roadmap_actions
from veche.problems.roadmaps import roadmap_progress
from veche.problems.views.effect_chart import effect_view


@require_GET
def roadmap(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    found = public_roadmap(key)
    if found is None:
        raise Http404("Страница не найдена.")
    timezone.activate(zoneinfo.ZoneInfo(found.municipality.time_zone))
    actions = [
        {
            "title": a.title,
            "department": a.department.name if a.department else "",
            "due_on": a.due_on,
            "status": a.get_status_display(),
            "done": a.status == a.Status.DONE,
            "progress": 100 if a.status == a.Status.DONE else a.progress,
        }
        for a in roadmap_actions(found).exclude(status="cancelled")
    ]
    effect = roadmap_effect(found, until=local_day(found, timezone.now()))
    context = {
        "roadmap": found,
        "municipality": found.municipality,
        "department": found.department.name if found.department else "",
        "actions": actions,
        "progress": roadmap_progress(roadmap_actions(found)),
        "messages_total": scope_cases(found).count(),
        **effect_view(effect),
    }
    response = render(request, "problems/public_roadmap.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
