"""Pages of the publishing app: the register of official pages with their checks, the content
plan as a month calendar, a post with its approval and publication record, the checks page.
Thin: parse, call one service or selector, render."""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from veche.cases.errors import CaseError, ErrorCode
from veche.org.models import Municipality
from veche.publishing.checks import missing_mandatory, page_checks
from veche.publishing.comments import comment_to_case, unanswered_comments
from veche.publishing.forms import PageForm, PostForm, TemplatePlanForm, first_error
from veche.publishing.models import OfficialPage, PageComment, Post
from veche.publishing.report import monthly_xlsx
from veche.publishing.selectors import (
    may_approve,
    may_work,
    month_grid,
    visible_pages,
    visible_posts,
    visible_templates,
)
from veche.publishing.services import approve_post, plan_from_template, plan_post, resolve_uncertain
from veche.web.http import AuthedRequest

ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}
MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


def _municipality(request: AuthedRequest) -> Municipality:
    if request.municipality is None:
        raise Http404("Нет муниципального образования")
    return request.municipality


def _zone(request: AuthedRequest) -> ZoneInfo:
    return ZoneInfo(_municipality(request).time_zone)


def _error(request: AuthedRequest, exc: CaseError, back: str) -> HttpResponse:
    if request.htmx:
        return HttpResponse(exc.message, status=ERROR_STATUS[exc.code])
    messages.error(request, exc.message)
    return redirect(back)


@login_required
@require_GET
def page_list(request: AuthedRequest) -> HttpResponse:
    pages = visible_pages(request.user)
    muni = _municipality(request)
    return render(
        request,
        "publishing/pages.html",
        {
            "tab": "pages",
            "checks": page_checks(pages, now=timezone.now()),
            "may_work": may_work(request.user, muni),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def page_new(request: AuthedRequest) -> HttpResponse:
    return _page_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def page_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    page = visible_pages(request.user).filter(pk=pk).first()
    if page is None:
        raise Http404("Нет такой страницы")
    return _page_form(request, page)


def _page_form(request: AuthedRequest, page: OfficialPage | None) -> HttpResponse:
    muni = page.municipality if page is not None else _municipality(request)
    if not may_work(request.user, muni):
        return HttpResponse("Нет прав на реестр страниц этого МО.", status=403)
    form = PageForm(request.POST or None, instance=page)
    form.fields["department"].queryset = muni.departments.all()  # type: ignore[attr-defined]
    if request.method == "POST":
        if form.is_valid():
            saved = form.save(commit=False)
            saved.municipality = muni
            saved.save()
            form.save_m2m()
            messages.success(request, "Страница сохранена.")
            return redirect("publishing:pages")
        return render(
            request, "publishing/page_form.html", {"form": form, "page": page}, status=400
        )
    return render(request, "publishing/page_form.html", {"form": form, "page": page})


@login_required
@require_GET
def plan(request: AuthedRequest) -> HttpResponse:
    zone = _zone(request)
    today = timezone.now().astimezone(zone).date()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    posts = visible_posts(request.user).filter(page__municipality=_municipality(request))
    page_id = request.GET.get("page", "")
    if page_id.isdigit():
        posts = posts.filter(page_id=int(page_id))
    previous = (first.replace(day=1) - date.resolution).replace(day=1)
    following = (first.replace(day=28) + 4 * date.resolution).replace(day=1)
    return render(
        request,
        "publishing/plan.html",
        {
            "tab": "plan",
            "weeks": month_grid(posts, first.year, first.month, zone),
            "title": f"{MONTHS[first.month - 1].capitalize()} {first.year}",
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "today": today,
            "pages": visible_pages(request.user).filter(municipality=_municipality(request)),
            "page_id": int(page_id) if page_id.isdigit() else None,
            "zone": zone,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request: AuthedRequest) -> HttpResponse:
    muni = _municipality(request)
    if not may_work(request.user, muni):
        return HttpResponse("Нет прав планировать посты этого МО.", status=403)
    pages = visible_pages(request.user).filter(municipality=muni, is_active=True)
    form = PostForm(request.POST or None, pages=pages, zone=_zone(request))
    templates = visible_templates(request.user).filter(municipality=muni)
    template_form = TemplatePlanForm(templates=templates, zone=_zone(request))
    context: dict[str, Any] = {"form": form, "template_form": template_form, "tab": "plan"}
    if request.method == "POST":
        if not form.is_valid():
            context["error"] = first_error(form)
            return render(request, "publishing/post_form.html", context, status=400)
        try:
            post = plan_post(
                form.cleaned_data["page"],
                text=form.cleaned_data["text"],
                scheduled_at=form.cleaned_data["scheduled_at"],
                by=request.user,
                now=timezone.now(),
            )
        except CaseError as exc:
            context["error"] = exc.message
            return render(request, "publishing/post_form.html", context, status=400)
        messages.success(request, "Пост запланирован, ждёт согласования.")
        return redirect("publishing:post", pk=post.pk)
    return render(request, "publishing/post_form.html", context)


@login_required
@require_POST
def post_from_template(request: AuthedRequest) -> HttpResponse:
    muni = _municipality(request)
    templates = visible_templates(request.user).filter(municipality=muni)
    form = TemplatePlanForm(request.POST, templates=templates, zone=_zone(request))
    if not form.is_valid():
        return HttpResponse(first_error(form), status=400)
    try:
        posts = plan_from_template(
            form.cleaned_data["template"],
            scheduled_at=form.cleaned_data["scheduled_at"],
            by=request.user,
            now=timezone.now(),
        )
    except CaseError as exc:
        return _error(request, exc, "publishing:post_new")
    messages.success(request, f"Запланировано постов: {len(posts)}.")
    return redirect("publishing:plan")


def _post(request: AuthedRequest, pk: int) -> Post:
    post = visible_posts(request.user).filter(pk=pk).first()
    if post is None:
        raise Http404("Нет такого поста")
    return post


@login_required
@require_GET
def post_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    return render(
        request,
        "publishing/post.html",
        {
            "tab": "plan",
            "post": post,
            "publications": post.publications.all(),
            "may_approve": may_approve(request.user, post.page.municipality),
            "zone": ZoneInfo(post.page.municipality.time_zone),
        },
    )


@login_required
@require_POST
def post_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    try:
        approve_post(post, by=request.user, now=timezone.now())
    except CaseError as exc:
        return _error(request, exc, f"/publishing/posts/{pk}/")
    messages.success(request, "Пост согласован и выйдет в назначенное время.")
    return redirect("publishing:post", pk=pk)


@login_required
@require_POST
def post_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    answer = request.POST.get("published")
    if answer not in ("yes", "no"):
        return HttpResponse("Укажите, есть ли пост в канале.", status=400)
    try:
        resolve_uncertain(post, published=answer == "yes", by=request.user, now=timezone.now())
    except CaseError as exc:
        return _error(request, exc, f"/publishing/posts/{pk}/")
    return redirect("publishing:post", pk=pk)


@login_required
@require_GET
def checks(request: AuthedRequest) -> HttpResponse:
    now = timezone.now()
    pages = visible_pages(request.user)
    return render(
        request,
        "publishing/checks.html",
        {
            "tab": "checks",
            "checks": [c for c in page_checks(pages, now=now) if not c.ok],
            "mandatory": missing_mandatory(visible_templates(request.user), now=now),
            "comments": unanswered_comments(pages, now=now)[:200],
        },
    )


@login_required
@require_GET
def report(request: AuthedRequest) -> HttpResponse:
    """The month's XLSX for the regional centre; `?month=YYYY-MM`, the previous month if absent."""
    zone = _zone(request)
    today = timezone.now().astimezone(zone).date()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        date(year, month, 1)
    except ValueError:
        if request.GET.get("month"):
            return HttpResponse("Месяц — в виде ГГГГ-ММ.", status=400)
        last = today.replace(day=1) - date.resolution
        year, month = last.year, last.month
    pages = visible_pages(request.user).filter(municipality=_municipality(request))
    response = HttpResponse(
        monthly_xlsx(pages, year, month, zone),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="gospabliki-{year}-{month:02d}.xlsx"'
    return response


@login_required
@require_POST
def comment_case(request: AuthedRequest, pk: int) -> HttpResponse:
    comment = PageComment.objects.filter(page__in=visible_pages(request.user), pk=pk).first()
    if comment is None:
        raise Http404("Нет такого комментария")
    try:
        case = comment_to_case(comment, by=request.user, now=timezone.now())
    except CaseError as exc:
        return _error(request, exc, "publishing:checks")
    messages.success(request, f"Комментарий стал обращением № {case.number}.")
    return redirect("publishing:checks")
