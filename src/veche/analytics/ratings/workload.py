"""Workload beside the rating: per block and per department, what came in during the period,
what is open now and what of it is overdue now, and open cases per staff member.

A case is routed to a department, not to a person (cases have no assignee), so the cases
cannot be split between people; «на сотрудника» divides a department's open cases by the
people who hold a department role there (`executor`, `department_head`), which is what the
МЦУ needs to compare loads. A block's figures are its departments' (the block a department
belongs to now), and a block's staff are counted once even when they serve two of its
departments. Everything is limited to what the actor may see (`scope_q`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Sum

from veche.analytics.indicators import Actor, Filters, Period, overdue_now, rollups, scope_q
from veche.cases.models import Case
from veche.cases.workflow import OPEN_STATUSES
from veche.org.access import DEPARTMENT_ROLES
from veche.org.models import Department, Membership
from veche.org.selectors import actor_scope

NO_DEPARTMENT = "исполнитель не назначен"
NO_BLOCK = "вне блоков"


@dataclass(frozen=True)
class Load:
    key: int | None
    name: str
    received: int = 0
    open_now: int = 0
    overdue_now: int = 0
    staff: int = 0
    block: str = ""

    @property
    def open_per_staff(self) -> float | None:
        return self.open_now / self.staff if self.staff else None

    @property
    def overdue_percent(self) -> float | None:
        return 100 * self.overdue_now / self.open_now if self.open_now else None

    @property
    def busy(self) -> bool:
        return bool(self.received or self.open_now or self.overdue_now)


@dataclass(frozen=True)
class Workload:
    blocks: list[Load]
    departments: list[Load]
    total: Load


def workload(
    actor: Actor, municipality_id: int, period: Period, filters: Filters, now: datetime
) -> Workload:
    received = _by_department(
        rollups(actor, municipality_id, period, filters)
        .values("department_id")
        .annotate(n=Sum("received"))
    )
    open_cases = Case.objects.filter(
        scope_q(actor), filters.q(), municipality_id=municipality_id,
        status__in=OPEN_STATUSES,
    )  # fmt: skip
    open_now = _by_department(open_cases.values("department_id").annotate(n=Count("pk")))
    overdue = _by_department(
        overdue_now(actor, municipality_id, filters, now)
        .values("department_id")
        .annotate(n=Count("pk"))
    )
    departments = _departments(actor, municipality_id, filters, {*received, *open_now, *overdue})
    staff = _staff(municipality_id, departments)
    rows = [
        Load(
            d.pk, str(d), received.get(d.pk, 0), open_now.get(d.pk, 0), overdue.get(d.pk, 0),
            len(staff.get(d.pk, ())), d.block.name if d.block else NO_BLOCK,
        )
        for d in departments
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r.open_now, -r.received, r.name.lower()))
    unassigned = Load(None, NO_DEPARTMENT, received.get(None, 0), open_now.get(None, 0),
                      overdue.get(None, 0))  # fmt: skip
    if unassigned.busy:
        rows.append(unassigned)
    blocks = _blocks(departments, rows, staff)
    total = Load(
        None, "Всего", sum(r.received for r in rows), sum(r.open_now for r in rows),
        sum(r.overdue_now for r in rows), len(set().union(*staff.values())),
    )  # fmt: skip
    return Workload(blocks, rows, total)


def _by_department(rows: Iterable[dict[str, Any]]) -> dict[int | None, int]:
    found: dict[int | None, int] = defaultdict(int)
    for row in rows:
        found[row["department_id"]] += int(row["n"] or 0)
    return dict(found)


def _departments(
    actor: Actor, municipality_id: int, filters: Filters, busy: set[int | None]
) -> list[Department]:
    """The visible departments that had cases, and the active ones that had none (an idle
    department is news too), within the department and block filters."""
    rows = Department.objects.filter(municipality_id=municipality_id).select_related("block")
    if filters.departments:
        rows = rows.filter(pk__in=filters.departments)
    if filters.blocks:
        rows = rows.filter(block_id__in=filters.blocks)
    found = [d for d in rows if d.is_active or d.pk in busy]
    return [d for d in found if _visible(actor, municipality_id, d)]


def _visible(actor: Actor, municipality_id: int, department: Department) -> bool:
    scope = actor_scope(actor)
    return (
        municipality_id in scope.municipality_ids()
        or department.pk in scope.department_ids()
        or department.block_id in scope.block_ids()
    )


def _staff(municipality_id: int, departments: list[Department]) -> dict[int, set[int]]:
    """The active people holding a department role, per department."""
    pairs = Membership.objects.filter(
        municipality_id=municipality_id,
        role__in=DEPARTMENT_ROLES,
        department_id__in=[d.pk for d in departments],
        user__is_active=True,
    ).values_list("department_id", "user_id")
    found: dict[int, set[int]] = defaultdict(set)
    for department_id, user_id in pairs:
        if department_id is not None:
            found[department_id].add(user_id)
    return found


def _blocks(
    departments: list[Department], rows: list[Load], staff: dict[int, set[int]]
) -> list[Load]:
    """The departments' loads summed per block; the block's people counted once."""
    block_of = {d.pk: (d.block_id, d.block.name if d.block else NO_BLOCK) for d in departments}
    people: dict[int | None, set[int]] = defaultdict(set)
    totals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[int | None, str] = {}
    for row in rows:
        if row.key is None:
            continue
        block_id, name = block_of[row.key]
        names[block_id] = name
        people[block_id] |= staff.get(row.key, set())
        for i, value in enumerate((row.received, row.open_now, row.overdue_now)):
            totals[block_id][i] += value
    found = [
        Load(
            block_id,
            names[block_id],
            received=totals[block_id][0],
            open_now=totals[block_id][1],
            overdue_now=totals[block_id][2],
            staff=len(people[block_id]),
        )
        for block_id in names
    ]
    found.sort(key=lambda r: (r.key is None, -r.open_now, r.name.lower()))
    return found
