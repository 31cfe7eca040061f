"""«Рост»: the series that grew beyond their usual level in a week, each with what drives it
and a link to its cases in the inbox."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from veche.analytics.growth import (
    RECENT,
    SEASONAL,
    cases_query,
    growth_report,
    last_complete_week,
    report_summary,
    summary,
    week_from,
)
from veche.analytics.growth_drivers import explained
from veche.analytics.params import InvalidParams
from veche.analytics.views.common import page_municipality
from veche.problems.selectors import visible_problems
from veche.web.http import AuthedRequest, render_page


@login_required
@require_GET
def growth_page(request: AuthedRequest) -> HttpResponse:
    municipality = page_municipality(request)
    today = timezone.localdate()  # the municipality's (web middleware)
    error = ""
    try:
        week = week_from(request.GET.get("week"), today)
    except InvalidParams as invalid:
        week, error = last_complete_week(today), invalid.message
    report = growth_report(request.user, municipality.pk, week)
    inbox = reverse("cases:inbox")
    growths = explained(request.user, municipality.pk, report)
    problem_ids = {d.key for _, drivers in growths for d in drivers.problems}
    linked = set(
        visible_problems(request.user).filter(pk__in=problem_ids).values_list("pk", flat=True)
    )
    items = [
        {
            "growth": item,
            "summary": summary(item, len(report.tested)),
            "drivers": drivers,
            "cases_url": f"{inbox}?{cases_query(item, week)}",
        }
        for item, drivers in growths
    ]
    context = {
        "tab": "growth",
        "report": report,
        "report_summary": report_summary(report),
        "items": items,
        "linked_problems": linked,
        "error": error,
        "previous_week": week - timedelta(weeks=1),
        "next_week": week + timedelta(weeks=1) if week < last_complete_week(today) else None,
        "recent_weeks": ", ".join(str(k) for k in RECENT),
        "seasonal_weeks": ", ".join(str(k) for k in SEASONAL),
        "last_week": last_complete_week(today),
        "week_min": last_complete_week(today) - timedelta(weeks=520),
    }
    return render_page(request, "analytics/growth.html", "analytics/growth_list.html", context)
