"""The channel status page: is every source working, and what went wrong where."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from veche.intake.models import Delivery, ImportRun, Outbound, Source
from veche.org.access import Action
from veche.org.selectors import actor_scope
from veche.web.http import AuthedRequest


@login_required
def source_list(request: AuthedRequest) -> HttpResponse:
    municipalities = actor_scope(request.user).municipality_ids(Action.ASSIGN)
    if not municipalities:
        raise PermissionDenied("Страница доступна сотрудникам МЦУ.")
    day_ago = timezone.now() - timedelta(days=1)
    sources = (
        Source.objects.filter(municipality_id__in=municipalities)
        .select_related("channel", "municipality")
        # Two counts over two relations: subqueries, not joins (a join would multiply them).
        .annotate(
            today=_count(Delivery.objects.filter(recorded_at__gte=day_ago)),
            unsent=_count(
                Outbound.objects.exclude(state__in=[Outbound.State.SENT, Outbound.State.CANCELLED])
            ),
        )
        .order_by("-is_active", "channel__name", "name")
    )
    failed = (
        Outbound.objects.filter(
            source__municipality_id__in=municipalities, state=Outbound.State.FAILED
        )
        .select_related("case", "source")
        .order_by("-created_at")[:20]
    )
    imports = ImportRun.objects.filter(municipality_id__in=municipalities)[:10]
    context = {"sources": sources, "failed": failed, "imports": imports, "now": timezone.now()}
    return render(request, "intake/sources.html", context)


def _count(rows: "QuerySet[Delivery] | QuerySet[Outbound]") -> Coalesce:
    per_source = (
        rows.filter(source=OuterRef("pk"))
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_source, output_field=IntegerField()), 0)
