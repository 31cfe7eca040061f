"""Near-identical texts: a copy-paste campaign is one group, different problems are not."""

import random

from veche.triage.duplicates import DuplicateIndex, signature, similarity

CAMPAIGN = (
    "Уважаемая администрация! Просим отремонтировать дорогу по улице Садовой от дома 1 до "
    "дома 40. Асфальт разрушен полностью, ямы глубиной до 20 см, после дождя проехать "
    "невозможно, скорая помощь и автобус объезжают через поле. Жители обращаются уже третий "
    "год. Просим включить ремонт в план на следующий год."
)


def _variant(rng: random.Random, n: int) -> str:
    """A campaign letter as people resend it: their own flat, signature, a typo or two."""
    text = CAMPAIGN.replace("Жители", rng.choice(["Жители", "Мы, жители,", "Жильцы"]))
    if rng.random() < 0.5:
        text = text.replace("невозможно", "невозможно!!!")
    return f"{text} С уважением, житель дома {n % 40 + 1}, кв. {rng.randint(1, 120)}."


def test_a_campaign_of_50_near_identical_letters_is_one_group() -> None:
    rng = random.Random(7)
    index = DuplicateIndex()
    positions = [index.add(_variant(rng, n)) for n in range(50)]
    other = index.add("Во дворе дома 12 по улице Лесной не вывозят мусор уже неделю.")

    groups = {index.group(p) for p in positions}
    assert groups == {positions[0]}
    assert index.group(other) == other


def test_different_problems_on_the_same_street_stay_apart() -> None:
    texts = [
        "На улице Садовой у дома 5 не горят фонари, вечером темно и опасно.",
        "На улице Садовой у дома 5 глубокая яма на проезжей части, повредил колесо.",
        "На улице Садовой у дома 5 переполнены мусорные контейнеры, мусор не вывозят.",
    ]
    index = DuplicateIndex()
    positions = [index.add(t) for t in texts]

    assert len({index.group(p) for p in positions}) == 3


def test_signature_is_stable_and_similarity_tracks_overlap() -> None:
    same = signature("Нет горячей воды в доме 7.")
    assert (same == signature("НЕТ горячей воды   в доме 7!")).all()  # case, spaces, marks
    near = signature(CAMPAIGN + " Спасибо.")
    far = signature("Прошу спилить аварийное дерево во дворе школы номер 3.")
    assert similarity(signature(CAMPAIGN), near) > 0.8 > similarity(signature(CAMPAIGN), far)
