"""Official answers: interim and final, with measures, dates, the address and the responsible
unit, most reports of finished work with photos «после» attached — and some brush-offs
(«отписки») with none of those, so the quality check has something to find."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from veche.cases.workflow import Regime
from veche.demo.people import Person
from veche.demo.phrases import capitalise
from veche.demo.problems import Problem
from veche.org.models import Department

BRUSH_OFFS = (
    "Ваше обращение рассмотрено. Информация принята к сведению.",
    "Вопрос будет рассмотрен при формировании бюджета на очередной финансовый год при наличии "
    "финансирования.",
    "Данный вопрос находится на контроле администрации округа.",
    "Работы будут выполнены в порядке очерёдности.",
    "Ваше сообщение направлено ответственным лицам для принятия мер.",
)
NOT_CONFIRMED = (
    "{date} специалистами проведён выезд на место; факты, изложенные в сообщении, не "
    "подтвердились. Материалы фотофиксации прилагаются."
)
# Said under a report of finished work when the executor attached photos (`demo.quality` attaches
# them); NOT_CONFIRMED says it too.
PHOTOS = (
    "Фотографии после выполнения работ прилагаются.",
    "Фотоматериалы прилагаются.",
    "Фото результата работ прилагаем.",
)
PHOTOS_SHARE = 0.85
MESSAGE_REFERENCES = (
    "Рассмотрев Ваше сообщение «{subject}»{where}, сообщаем следующее.",
    "По Вашему сообщению «{subject}»{where} сообщаем следующее.",
    "Ваше сообщение «{subject}»{where} рассмотрено.",
    "Информируем Вас о результатах рассмотрения сообщения «{subject}»{where}.",
)
CLOSINGS = (
    "", "", "Благодарим за обращение.", "Спасибо за Вашу активную позицию.",
    "Если проблема повторится, сообщите нам по телефону, указанному ниже.",
)  # fmt: skip
SOCIAL_THANKS = (
    "Спасибо, что сообщили!", "Если проблема повторится, напишите нам.",
    "Благодарим за неравнодушие.", "Спасибо за сигнал.", "",
)  # fmt: skip
SOCIAL_FIRST_REPLIES = (
    "{greet} Ваше сообщение передано ответственному исполнителю — {dept}. Ответ будет дан в "
    "ближайшее время.",
    "{greet} Вопрос передан специалисту, ожидайте ответа в этой ветке.",
    "{greet} Спасибо за обращение! Информацию передали в {dept}, держим на контроле.",
)


@dataclass(frozen=True)
class AnswerContext:
    problem: Problem
    regime: Regime
    social: bool  # a reply in a social network thread
    person: Person | None
    department: Department
    address: str  # the case's address, "" when it names none
    received: datetime  # local time
    at: datetime  # local time of the answer


def _d(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y")


def _fill(template: str, ctx: AnswerContext, rng: random.Random) -> str:
    done = max(ctx.received, ctx.at - timedelta(days=rng.randint(0, 3)))
    until = ctx.at + timedelta(days=rng.randint(5, 45))
    year = ctx.at.year + (1 if ctx.at.month >= 9 else 0)
    return template.format(date=_d(done), until=_d(until), year=year)


def _greeting(ctx: AnswerContext) -> str:
    person = ctx.person
    if ctx.social:
        return f"{person.first}, здравствуйте!" if person else "Здравствуйте!"
    if person is not None:
        return f"{'Уважаемая' if person.female else 'Уважаемый'} {person.polite}!"
    return "Уважаемый заявитель!"


def _street_address(ctx: AnswerContext) -> str:
    """The address when it names more than a settlement: «по адресу: с. Каменка» says nothing."""
    return ctx.address if "," in ctx.address else ""


def _reference(ctx: AnswerContext, rng: random.Random | None = None) -> str:
    """How the answer names what it answers; a final answer in one of several ways."""
    address = _street_address(ctx)
    where = f" по адресу: {address}" if address else ""
    if ctx.regime == Regime.APPEAL:
        return f"Ваше обращение от {_d(ctx.received)}{where} рассмотрено."
    if ctx.regime == Regime.INFO_REQUEST:
        return f"На Ваш запрос от {_d(ctx.received)} сообщаем следующее."
    subject = ctx.problem.subject or ctx.problem.topic[1]
    template = rng.choice(MESSAGE_REFERENCES) if rng else MESSAGE_REFERENCES[0]
    return template.format(subject=subject, where=where)


def _signature(ctx: AnswerContext) -> str:
    department = ctx.department
    return f"Ответственный: {department.name}, тел. {department.phone}."


def interim_answer(ctx: AnswerContext, rng: random.Random) -> str:
    greet = _greeting(ctx)
    if ctx.social:
        template = rng.choice(SOCIAL_FIRST_REPLIES)
        return template.format(greet=greet, dept=ctx.department.short_name)
    plans = ctx.problem.plans or ("работы запланированы, срок выполнения — до {until}",)
    plan = capitalise(_fill(rng.choice(plans), ctx, rng))
    return " ".join(
        (
            greet,
            _reference(ctx),
            f"{plan}.",
            "О результатах сообщим дополнительно.",
            _signature(ctx),
        )
    )


def final_answer(ctx: AnswerContext, rng: random.Random) -> str:
    """Mostly an answer on the merits; 8% brush-offs, 5% «не подтвердилось». A chat reply
    names the address unless it is a brush-off, which does not bother."""
    draw = rng.random()
    if draw < 0.08:
        measure = rng.choice(BRUSH_OFFS)
    elif draw < 0.13:
        measure = _fill(NOT_CONFIRMED, ctx, rng)
    elif draw < 0.2 and ctx.problem.plans:
        measure = _fill(rng.choice(ctx.problem.plans), ctx, rng) + "."
    else:
        measure = _fill(rng.choice(ctx.problem.done), ctx, rng) + "."
        if rng.random() < PHOTOS_SHARE:
            measure += " " + rng.choice(PHOTOS)
    if ctx.social:
        if _street_address(ctx) and draw >= 0.08:
            measure = f"По адресу {ctx.address}: {measure}"
        parts = (_greeting(ctx), capitalise(measure), rng.choice(SOCIAL_THANKS))
        return " ".join(p for p in parts if p)
    closing = rng.choice(CLOSINGS)
    formal = (_greeting(ctx), _reference(ctx, rng), capitalise(measure), closing, _signature(ctx))
    return " ".join(p for p in formal if p)


def has_photos(text: str) -> bool:
    """Whether the answer says photos are attached (the demo then attaches them)."""
    return any(phrase in text for phrase in PHOTOS) or "фотофиксации прилагаются" in text
