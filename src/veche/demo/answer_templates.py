"""The demo's answer templates: the few an МЦУ writes first, for its most frequent topics and
one for any topic. Each names the work, its date and who did it — the brush-off check's
criteria — and leaves the facts to fill in."""

from veche.catalog.models import AnswerTemplate, Topic
from veche.org.models import Municipality

TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    # (name, rubricator group, topic or "" for the whole group, text)
    (
        "Уборка снега выполнена",
        "Дороги",
        "Уборка дорог от снега и наледи",
        "Уважаемый заявитель! По Вашему обращению № {номер} от {дата} сообщаем: "
        "[дата] проезжая часть по адресу {адрес} очищена от снега, вывезено [объём]. "
        "Работы выполнил [подрядчик]; фотографии после уборки прилагаем. "
        "{исполнитель}, тел. {телефон_исполнителя}.",
    ),
    (
        "Ремонт запланирован",
        "Дороги",
        "",
        "Уважаемый заявитель! По обращению № {номер} от {дата} проведено обследование "
        "участка по адресу {адрес}: [что установлено]. Ремонт включён в план работ и будет "
        "выполнен до [дата]. О выполнении сообщим дополнительно. "
        "{исполнитель}, тел. {телефон_исполнителя}.",
    ),
    (
        "Вывоз мусора",
        "Мусор/Свалки/ТКО",
        "",
        "Уважаемый заявитель! По обращению № {номер} от {дата} региональный оператор "
        "[дата] вывез отходы с площадки по адресу {адрес}; график вывоза — [график]. "
        "Фотографии прилагаем. {исполнитель}, тел. {телефон_исполнителя}.",
    ),
    (
        "Промежуточный ответ",
        "",
        "",
        "Уважаемый заявитель! Ваше обращение № {номер} от {дата} по теме «{тема}» "
        "передано в {исполнитель}. Сейчас [что делается]; ответ по существу направим "
        "до [дата].",
    ),
)


def create_answer_templates(municipality: Municipality) -> list[AnswerTemplate]:
    made = []
    for name, group, topic, text in TEMPLATES:
        node = None
        if group and topic:
            node = Topic.objects.filter(parent__name=group, name=topic).first()
        elif group:
            node = Topic.objects.filter(parent=None, name=group).first()
        made.append(
            AnswerTemplate.objects.create(
                municipality=municipality, topic=node, name=name, text=text
            )
        )
    return made
