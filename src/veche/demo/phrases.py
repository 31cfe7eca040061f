"""What citizens write: a problem statement framed the way each channel frames it.

Written for the demo. The shapes — short portal notes, emotional posts, formal letters with a
signature, an operator's record of a call — follow how real municipal mail reads; no sentence
is taken from any real message.
"""

import random

from veche.demo.people import Person
from veche.demo.places_text import Place
from veche.demo.problems import Problem
from veche.demo.problems.base import statements_for

ACUTE = (
    "вторые сутки", "уже третий день", "с понедельника", "со вчерашнего вечера", "уже неделю",
    "с выходных", "с самого утра", "четвёртый день",
)  # fmt: skip
CHRONIC = (
    "уже третью неделю", "больше месяца", "второй месяц", "с прошлого года", "который год",
    "уже полгода", "почти месяц", "уже две недели",
)  # fmt: skip
HISTORY = (
    "Обращались ещё месяц назад, никто не приехал.",
    "Писали уже не раз, ответ один — «запланировано».",
    "Соседи тоже жаловались, толку нет.",
    "Звонили в ЕДДС, сказали ждать.",
    "В прошлом году обещали сделать, но так ничего и не сделали.",
    "Заявку приняли, но до сих пор никто не пришёл.",
    "Звонили в управляющую компанию — обещают, но ничего не делают.",
    "Писала в группу администрации, сообщение удалили.",
)
TAILS = (
    "Сколько можно?!", "Когда это закончится?", "Безобразие.", "Куда смотрит администрация?",
    "Это вообще нормально?", "Обещали ещё весной.", "Налоги платим, а толку никакого.",
    "Опасно же!", "Ждём реакции.", "Стыдно за наш округ.", "Надеемся на помощь.",
    "Неужели нужно дождаться, пока кто-нибудь покалечится?", "Уже сил нет.",
)  # fmt: skip
REQUESTS = (
    "Прошу принять меры.", "Просим принять меры.", "Прошу устранить.",
    "Примите меры, пожалуйста.", "Прошу сообщить сроки устранения.", "Просим разобраться.",
    "Помогите, пожалуйста!", "Прошу проверить и навести порядок.", "Просим помочь.",
)  # fmt: skip
PORTAL_OPENINGS = ("Добрый день!", "Здравствуйте!", "Добрый день.", "Здравствуйте.")
PORTAL_CLOSINGS = ("Спасибо.", "Заранее спасибо!", "Фото прилагаю.", "Фотографии прилагаются.")
SOCIAL_OPENINGS = (
    "Администрация, ответьте!", "Глава, обратите внимание!", "Добрый вечер.",
    "Уважаемая администрация!", "Люди, подскажите, куда жаловаться?", "Опять двадцать пять.",
)  # fmt: skip
FORMAL_OPENINGS = ("Уважаемый глава округа!", "Уважаемая администрация!", "Главе округа.")
FORMAL_REQUESTS = (
    "Прошу Вас принять меры и сообщить о результатах.",
    "Прошу провести проверку и дать письменный ответ.",
    "Прошу взять вопрос на контроль.",
    "Прошу оказать содействие в решении данного вопроса.",
)
PHONE_REQUESTS = (
    "принять меры", "сообщить сроки устранения", "перезвонить после выполнения работ",
    "направить специалистов", "разобраться",
)  # fmt: skip
SPAM = (
    "Продам дрова берёзовые колотые, доставка по району. Звоните!",
    "Заработок в интернете от 5000 в день, пишите в личку",
    "???",
    "проверка",
    "Вы там все ничего не делаете, только деньги получаете!!!",
    "Куплю старые иконы, самовары, награды. Дорого",
    "ау",
)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _body(problem: Problem, place: Place, rng: random.Random, month: int) -> str:
    template = rng.choice(statements_for(problem, month))
    duration = rng.choice(ACUTE if problem.acute else CHRONIC)
    statement = template.format(dur=duration)
    body = capitalise(f"{place.phrase} {statement}".strip()) + "."
    if "{dur}" not in template and rng.random() < 0.2:
        body += f" И так {duration}."
    return body


def _maybe(rng: random.Random, share: float, options: tuple[str, ...]) -> str:
    return rng.choice(options) if rng.random() < share else ""


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def portal_text(problem: Problem, place: Place, rng: random.Random, month: int) -> str:
    """ПОС, the site's form, Open311, the API: often a short note, sometimes more."""
    body = _body(problem, place, rng, month)
    if rng.random() < 0.3:
        return body
    return _join(
        _maybe(rng, 0.4, PORTAL_OPENINGS),
        body,
        _maybe(rng, 0.25, HISTORY),
        _maybe(rng, 0.2, TAILS),
        _maybe(rng, 0.6, REQUESTS),
        _maybe(rng, 0.2, PORTAL_CLOSINGS),
    )


def social_text(problem: Problem, place: Place, rng: random.Random, month: int) -> str:
    """A post or a comment: emotional, sometimes all lower case, sometimes no address."""
    body = _body(problem, place, rng, month)
    text = _join(
        _maybe(rng, 0.35, SOCIAL_OPENINGS),
        body,
        _maybe(rng, 0.15, HISTORY),
        _maybe(rng, 0.55, TAILS),
        _maybe(rng, 0.25, REQUESTS),
    )
    if rng.random() < 0.2:
        text = text.lower()
    if rng.random() < 0.15:
        text = text.rstrip(".") + "!!!"
    return text


def formal_text(
    problem: Problem, place: Place, person: Person | None, rng: random.Random, month: int
) -> str:
    """A letter, a record of a personal reception, a 59-ФЗ form: addressed, signed."""
    intro = ""
    if person is not None and rng.random() < 0.6:
        verb = "проживающая" if person.female else "проживающий"
        intro = (
            f"Я, {person.full_name}, {verb} по адресу: {person.postal_address}, обращаюсь к Вам."
        )
    signature = (
        f"С уважением, {person.last} {person.first[0]}. {person.middle[0]}." if person else ""
    )
    return _join(
        _maybe(rng, 0.7, FORMAL_OPENINGS),
        intro,
        _body(problem, place, rng, month),
        _maybe(rng, 0.4, HISTORY),
        rng.choice(FORMAL_REQUESTS),
        signature,
    )


def phone_text(
    problem: Problem, place: Place, person: Person | None, rng: random.Random, month: int
) -> str:
    """An operator's record of a hotline call, in the third person."""
    body = _body(problem, place, rng, month)
    female = person is not None and person.female
    who = rng.choice(("Заявительница", "Звонившая", "Жительница") if female else
                     ("Заявитель", "Звонивший", "Житель"))  # fmt: skip
    who += " сообщает"
    return f"{who}: {body[:1].lower()}{body[1:]} Просит {rng.choice(PHONE_REQUESTS)}."


def email_text(
    problem: Problem, place: Place, person: Person | None, rng: random.Random, month: int
) -> str:
    signature = f"С уважением, {person.first} {person.last}" if person else ""
    phone = f"Тел. {person.phone}" if person and rng.random() < 0.4 else ""
    return _join(
        rng.choice(PORTAL_OPENINGS),
        _body(problem, place, rng, month),
        _maybe(rng, 0.3, HISTORY),
        rng.choice(REQUESTS),
        signature,
        phone,
    )


def info_request_text(problem: Problem, person: Person | None, rng: random.Random) -> str:
    """An 8-ФЗ request: a plain question about what the administration does."""
    signature = f"{person.full_name}, {person.postal_address}" if person else ""
    law = "В соответствии с Федеральным законом от 09.02.2009 № 8-ФЗ"
    request = rng.choice(problem.statements)
    return _join(f"{law} {request[:1].lower()}{request[1:]}.", signature)
