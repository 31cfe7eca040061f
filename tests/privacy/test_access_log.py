"""The access log (РСБ): every place that shows a citizen's full data writes a row, the rows
form a hash chain, and editing, inserting or deleting a row is detected (DOMAIN.md §8 item 18).
The page shows the log of one's own municipality only, filtered."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import PASSWORD, World, make_case
from veche.cases.models import Case, PersonalDataAccess
from veche.cases.services.personal_data import (
    log_exported_authors,
    reveal_author,
    verify_access_chain,
)
from veche.org.models import User
from veche.org.services import issue_api_token

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def case(world: World) -> Case:
    return make_case(world.municipality, department=world.housing)


def test_card_api_and_export_each_write_a_chained_row(world: World, case: Case) -> None:
    head = _client(world.head)
    head.post(reverse("cases:reveal", args=[case.pk]))
    _, token = issue_api_token("test-head", user=world.head)
    api = Client(headers={"authorization": f"Bearer {token}"})
    assert api.get(f"/api/v1/cases/{case.pk}/author").status_code == 200
    response = head.get(reverse("export:cases", args=["csv"]), {"pd": "1"})
    b"".join(response.streaming_content)  # type: ignore[attr-defined]

    rows = list(PersonalDataAccess.objects.order_by("pk"))
    assert [(r.user_id, r.citizen_id, r.purpose) for r in rows] == [
        (world.head.pk, case.author_id, "case_card"),
        (world.head.pk, case.author_id, "api"),
        (world.head.pk, case.author_id, "export"),
    ]
    assert all(len(r.chain_hash) == 64 for r in rows)
    assert len({r.chain_hash for r in rows}) == 3
    assert verify_access_chain().intact and verify_access_chain().rows == 3


def _three_rows(world: World, case: Case) -> list[PersonalDataAccess]:
    reveal_author(case, by=world.head)
    log_exported_authors([case], by=world.operator)
    reveal_author(case, by=world.housing_executor)
    return list(PersonalDataAccess.objects.order_by("pk"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("purpose", "case_card_x"),
        ("user_id", "observer"),
        ("at", "later"),
        ("case_ref", None),
    ],
)
def test_editing_a_row_breaks_the_chain_at_that_row(
    world: World, case: Case, field: str, value: Any
) -> None:
    rows = _three_rows(world, case)
    assert verify_access_chain().intact
    if value == "observer":
        value = world.observer.pk
    elif value == "later":
        value = rows[1].at + timedelta(seconds=1)
    PersonalDataAccess.objects.filter(pk=rows[1].pk).update(**{field: value})

    check = verify_access_chain()
    assert (check.intact, check.broken_at, check.rows) == (False, rows[1].pk, 1)


def test_deleting_a_row_in_the_middle_is_detected(world: World, case: Case) -> None:
    rows = _three_rows(world, case)
    PersonalDataAccess.objects.filter(pk=rows[1].pk).delete()
    assert verify_access_chain().broken_at == rows[2].pk


def test_a_forged_row_with_a_recomputed_hash_breaks_the_next_link(world: World, case: Case) -> None:
    rows = _three_rows(world, case)
    forged = rows[1]
    forged.purpose = "подделка"
    forged.chain_hash = forged.expected_hash(rows[0].chain_hash)
    forged.save()
    assert verify_access_chain().broken_at == rows[2].pk


def test_deleting_a_case_keeps_the_chain_intact(world: World, case: Case) -> None:
    _three_rows(world, case)
    Case.objects.filter(pk=case.pk).delete()
    assert PersonalDataAccess.objects.filter(case=None).count() == 3
    assert verify_access_chain().intact


def test_the_page_shows_the_own_municipality_filtered(world: World, case: Case) -> None:
    other = make_case(world.neighbour, department=world.neighbour_housing)
    reveal_author(case, by=world.housing_executor)
    reveal_author(case, by=world.head)
    reveal_author(other, by=world.neighbour_operator)

    page = _client(world.head).get(reverse("privacy:access_log"), {"user": "housing"})

    assert page.status_code == 200
    rows = list(page.context["page"].object_list)
    assert [(r.user_id, r.citizen_id) for r in rows] == [
        (world.housing_executor.pk, case.author_id)
    ]
    everything = _client(world.head).get(reverse("privacy:access_log"))
    assert {r.citizen_id for r in everything.context["page"].object_list} == {case.author_id}


def test_the_page_filters_by_citizen_and_dates(world: World, case: Case) -> None:
    reveal_author(case, by=world.head)
    today = timezone.localdate()
    client = _client(world.head)
    url = reverse("privacy:access_log")

    day, tomorrow = today.isoformat(), (today + timedelta(days=1)).isoformat()
    hit = client.get(url, {"citizen": str(case.author_id), "since": day, "until": day})
    miss = client.get(url, {"since": tomorrow})

    assert len(hit.context["page"].object_list) == 1
    assert len(miss.context["page"].object_list) == 0


def test_the_page_verifies_the_chain_on_request(world: World, case: Case) -> None:
    rows = _three_rows(world, case)
    client = _client(world.head)
    assert "Цепочка цела" in client.get(reverse("privacy:access_log"), {"verify": "1"}).text
    PersonalDataAccess.objects.filter(pk=rows[0].pk).update(purpose="x")
    page = client.get(reverse("privacy:access_log"), {"verify": "1"})
    assert "Цепочка нарушена" in page.text and f"№ {rows[0].pk}" in page.text


def test_a_bad_filter_is_a_400_not_a_500(world: World) -> None:
    page = _client(world.head).get(reverse("privacy:access_log"), {"since": "вчера"})
    assert page.status_code == 400


@pytest.mark.parametrize("persona", ["housing_executor", "operator", "observer", "nobody"])
def test_only_the_head_or_admin_sees_the_log(world: World, persona: str) -> None:
    page = _client(getattr(world, persona)).get(reverse("privacy:access_log"))
    assert page.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(seeded_channels: None) -> None:
    """Writers in parallel transactions: each link follows the row committed before it
    (the advisory lock; SQLite writes one IMMEDIATE transaction at a time anyway, and its
    in-memory test database reports table locks instead of waiting)."""
    import threading

    from django.db import connection

    from tests.personas import build_world

    if connection.vendor != "postgresql":
        pytest.skip("parallel writers: PostgreSQL only")

    world = build_world()
    case = make_case(world.municipality, department=world.housing)
    users = [world.head, world.operator, world.housing_executor, world.block_head]
    errors: list[BaseException] = []

    def write(user: User) -> None:
        try:
            for _ in range(10):
                reveal_author(case, by=user)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    check = verify_access_chain()
    assert (check.intact, check.rows) == (True, 40)


def test_each_municipality_has_its_own_chain(world: World, case: Case) -> None:
    other = make_case(world.neighbour, department=world.neighbour_housing)
    assert other.author_id is not None
    reveal_author(case, by=world.head)
    reveal_author(other, by=world.neighbour_operator)
    reveal_author(case, by=world.operator)
    reveal_author(other, by=world.neighbour_operator)
    theirs = list(PersonalDataAccess.objects.filter(citizen_id=other.author_id).order_by("pk"))

    # Removing a whole municipality's log (the demo's deletion) leaves the other chain whole.
    PersonalDataAccess.objects.filter(pk=theirs[0].pk).update(purpose="x")
    assert verify_access_chain([world.municipality.pk]).intact
    assert verify_access_chain([world.neighbour.pk]).broken_at == theirs[0].pk
    page = _client(world.head).get(reverse("privacy:access_log"), {"verify": "1"})
    assert "Цепочка цела" in page.text
    PersonalDataAccess.objects.filter(citizen_id=other.author_id).delete()
    assert verify_access_chain().intact


def test_the_migration_chains_rows_written_before_it(world: World, case: Case) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("veche.cases.migrations.0012_access_log_chain")
    _three_rows(world, case)
    expected = list(PersonalDataAccess.objects.order_by("pk").values_list("chain_hash", flat=True))
    PersonalDataAccess.objects.update(chain_hash="", case_ref=None)

    migration.chain_existing_rows(apps, None)

    links = list(PersonalDataAccess.objects.order_by("pk").values_list("chain_hash", flat=True))
    assert links == expected
    assert verify_access_chain().intact
