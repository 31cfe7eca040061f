"""The citizens' side: the public form and a status page that shows progress without any
personal data. No login; every input is untrusted."""

import zoneinfo

from django.conf import settings
from django.core import signing
from django.db.models import Avg
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from veche.cases.models import Case, Event
from veche.cases.services import CaseDraft, CitizenData, attach_files, create_case
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.intake import surveys
from veche.intake.identity import verified_citizen
from veche.intake.public_forms import PublicReportForm
from veche.intake.throttle import within_limit
from veche.org.models import Municipality
from veche.problems.roadmap_selectors import public_roadmaps_for_case

STATUS_SALT = "veche.intake.status"
DEFAULT_CENTRE = (55.7558, 37.6173)

# What a citizen sees of the workflow: plain words, no internal steps.
PUBLIC_STATUS: dict[str, str] = {
    Status.NEW: "Получено",
    Status.REGISTERED: "Зарегистрировано",
    Status.ASSIGNED: "Передано исполнителю",
    Status.IN_WORK: "В работе",
    Status.INTERIM_ANSWER: "В работе, дан промежуточный ответ",
    Status.EXTENDED: "В работе, срок продлён",
    Status.ON_HOLD: "Приостановлено, ждём уточнений",
    Status.ANSWER_DRAFTED: "Готовится ответ",
    Status.ANSWER_APPROVED: "Готовится ответ",
    Status.ANSWERED: "Ответ направлен",
    Status.CLOSED: "Закрыто",
    Status.REOPENED: "Возобновлено",
    Status.REDIRECTED: "Передано в другой орган",
    Status.MERGED: "Объединено с сообщением о той же проблеме",
    Status.REJECTED: "Не принято к рассмотрению",
}


def status_token(case: Case) -> str:
    return signing.dumps(case.pk, salt=STATUS_SALT, compress=True)


def status_url(case: Case) -> str:
    return reverse("public:status", args=[status_token(case)])


def choose(request: HttpRequest) -> HttpResponse:
    municipalities = list(Municipality.objects.order_by("name"))
    if len(municipalities) == 1:
        return redirect("public:report", oktmo=municipalities[0].oktmo)
    return render(request, "intake/public/choose.html", {"municipalities": municipalities})


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, oktmo: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, oktmo=oktmo)
    _local_time(municipality)
    identity = verified_citizen(request)
    form = PublicReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if _over_limit(request):
            form.add_error(None, "Слишком много сообщений с вашего адреса. Попробуйте через час.")
            status = 429
        elif form.is_valid():
            case = _file(municipality, form.cleaned_data, identity)
            return redirect("public:done", token=status_token(case))
        else:
            status = 400
    context = {
        "municipality": municipality,
        "form": form,
        "identity": identity,
        "centre": _centre(municipality),
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_ATTRIBUTION,
    }
    return render(request, "intake/public/report.html", context, status=status)


def done(request: HttpRequest, token: str) -> HttpResponse:
    case = _case_by_token(token)
    _local_time(case.municipality)
    context = {
        "case": case,
        "municipality": case.municipality,
        "status_url": status_url(case),
        "has_contact": _has_contact(case),
    }
    return render(request, "intake/public/done.html", context)


def status(request: HttpRequest, token: str) -> HttpResponse:
    case = _case_by_token(token)
    _local_time(case.municipality)
    steps = [
        (e.at, PUBLIC_STATUS.get(e.after.get("status", ""), ""))
        for e in case.events.filter(kind=Event.Kind.STATUS_CHANGED).order_by("at", "pk")
    ]
    context = {
        "case": case,
        "municipality": case.municipality,
        "status": PUBLIC_STATUS[case.status],
        "steps": [(at, label) for at, label in steps if label],
        "department": case.department.name if case.department else "",
        "rate_url": surveys.link_for(case),
        "roadmaps": [
            (r.title, reverse("public_roadmaps:roadmap", args=[r.public_key]))
            for r in public_roadmaps_for_case(case)
        ],
    }
    response = render(request, "intake/public/status.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def _file(
    municipality: Municipality, data: dict[str, object], identity: CitizenData | None
) -> Case:
    contacts = CitizenData(
        full_name=str(data["full_name"]), email=str(data["email"]), phone=str(data["phone"])
    )
    topic = data.get("topic")
    draft = CaseDraft(
        channel=Channel.objects.get(code=Channel.Code.WEB_FORM),
        # An identified author may file a 59-ФЗ appeal; an anonymous form only a message.
        regime=Regime.APPEAL if identity else Regime.MESSAGE,
        text=str(data["text"]),
        received_at=timezone.now(),
        external_id=f"form:{data['ticket']}",
        author=identity or (contacts if any(vars(contacts).values()) else None),
        address_raw=str(data["address"]),
        lat=data["lat"],  # type: ignore[arg-type]
        lon=data["lon"],  # type: ignore[arg-type]
        topic_id=getattr(topic, "pk", None),
    )
    now = timezone.now()
    case, created = create_case(municipality, draft, by=None, now=now)
    if created:
        # Checked by the form already; a file refused now (a changed limit) keeps the message.
        attach_files(case, data["photos"], by=None, now=now)  # type: ignore[arg-type]
    return case


def _case_by_token(token: str) -> Case:
    try:
        pk = signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        raise Http404("Ссылка неверна.") from None
    related = ("topic", "department", "author", "municipality")
    case = Case.objects.select_related(*related).filter(pk=pk).first()
    if case is None:
        raise Http404("Сообщение не найдено.")
    return case


def _local_time(municipality: Municipality) -> None:
    """Citizens see the times of their own municipality (the middleware does it for staff)."""
    timezone.activate(zoneinfo.ZoneInfo(municipality.time_zone))


def _has_contact(case: Case) -> bool:
    return bool(case.author and (case.author.email or case.author.phone))


def _over_limit(request: HttpRequest) -> bool:
    """An hourly window per client address (REMOTE_ADDR: behind a reverse proxy, let the
    proxy set it from X-Forwarded-For)."""
    address = request.META.get("REMOTE_ADDR", "")
    limit = settings.PUBLIC_FORM_PER_HOUR
    return not within_limit("form", address, limit=limit, window_s=3600, now=timezone.now())


def _centre(municipality: Municipality) -> tuple[float, float]:
    found = municipality.territories.filter(lat__isnull=False, lon__isnull=False).aggregate(
        lat=Avg("lat"), lon=Avg("lon")
    )
    if found["lat"] is None:
        return DEFAULT_CENTRE
    return (found["lat"], found["lon"])
