"""Who may see and do what: a role table and the reach of each membership.

Pure functions over ids, no queries: `cases.selectors` turns a `Scope` into a queryset filter,
the services ask `can()` before they write. A department's staff reach their department's
cases, a block head the block's, the МЦУ its municipality, the regional centre its
municipalities (ARCHITECTURE.md, «Rules that hold everywhere»).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from veche.org.models import Role


class Action(StrEnum):
    VIEW = "view"
    VIEW_PERSONAL_DATA = "view_personal_data"
    WORK = "work"  # transitions, comments, drafts
    ASSIGN = "assign"
    APPROVE = "approve"
    CONFIGURE = "configure"  # the municipality's routing rules, gazetteer, triage settings


_READ = frozenset({Action.VIEW})
_WORK = frozenset({Action.VIEW, Action.VIEW_PERSONAL_DATA, Action.WORK})
_DISPATCH = _WORK | {Action.ASSIGN}
_LEAD = _DISPATCH | {Action.APPROVE}

_RUN = _LEAD | {Action.CONFIGURE}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.CURATOR: _LEAD,
    Role.HEAD: _RUN,
    Role.DEPUTY_HEAD: _RUN,
    Role.ADMINISTRATOR: _DISPATCH | {Action.CONFIGURE},
    Role.POS_OFFICER: _DISPATCH,
    Role.IM_OFFICER: _DISPATCH,
    Role.PUBLICS_OFFICER: _DISPATCH,
    Role.BLOCK_HEAD: _LEAD,
    Role.DEPARTMENT_HEAD: _WORK | {Action.APPROVE},
    Role.EXECUTOR: _WORK,
    Role.OBSERVER: _READ,
    Role.REGIONAL: _READ,
}

BLOCK_ROLES = frozenset({Role.BLOCK_HEAD})
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_HEAD, Role.EXECUTOR})


class Scoped(Protocol):
    """Anything that belongs to a municipality and maybe a block and a department (a case)."""

    @property
    def municipality_id(self) -> int: ...
    @property
    def block_id(self) -> int | None: ...
    @property
    def department_id(self) -> int | None: ...


@dataclass(frozen=True)
class Grant:
    role: Role
    municipality_id: int
    department_id: int | None = None
    block_id: int | None = None

    def reaches(self, obj: Scoped) -> bool:
        if obj.municipality_id != self.municipality_id:
            return False
        if self.role in DEPARTMENT_ROLES:
            return obj.department_id == self.department_id
        if self.role in BLOCK_ROLES:
            return obj.block_id == self.block_id
        return True


@dataclass(frozen=True)
class Scope:
    grants: tuple[Grant, ...]

    def can(self, action: Action, obj: Scoped) -> bool:
        return any(action in ROLE_ACTIONS[g.role] and g.reaches(obj) for g in self.grants)

    def allows_anywhere(self, action: Action) -> bool:
        return any(action in ROLE_ACTIONS[g.role] for g in self.grants)

    def municipality_ids(self, action: Action = Action.VIEW) -> frozenset[int]:
        """Municipalities where the action is allowed on every case."""
        return frozenset(
            g.municipality_id
            for g in self.grants
            if action in ROLE_ACTIONS[g.role] and g.role not in BLOCK_ROLES | DEPARTMENT_ROLES
        )

    def block_ids(self, action: Action = Action.VIEW) -> frozenset[int]:
        return frozenset(
            g.block_id
            for g in self.grants
            if g.block_id is not None and g.role in BLOCK_ROLES and action in ROLE_ACTIONS[g.role]
        )

    def department_ids(self, action: Action = Action.VIEW) -> frozenset[int]:
        return frozenset(
            g.department_id
            for g in self.grants
            if g.department_id is not None
            and g.role in DEPARTMENT_ROLES
            and action in ROLE_ACTIONS[g.role]
        )

    def any_municipality_ids(self) -> frozenset[int]:
        """Every municipality the actor has any role in (for reference data lists)."""
        return frozenset(g.municipality_id for g in self.grants)


EMPTY_SCOPE = Scope(grants=())
