"""The demo staff: one user per МЦУ role, block heads, heads and executors of departments.

All share one demo password, printed by `veche demo`. The password is hashed once and the
hash reused: hashing is deliberately slow, and every demo account has the same password anyway.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from veche.demo import orgchart, places
from veche.demo.structure import Structure
from veche.org.models import Membership, Role, User

# Printed by `veche demo` on purpose: every demo login shares it.
DEMO_PASSWORD = "Krasnolesk-2026"  # noqa: S105

# (last, first, middle) names for staff: invented, in order of use.
_NAMES = (
    ("Воронцова", "Елена", "Сергеевна"), ("Лебедев", "Андрей", "Викторович"),
    ("Орлова", "Марина", "Павловна"), ("Гусева", "Ольга", "Николаевна"),
    ("Соколов", "Дмитрий", "Андреевич"), ("Киселёва", "Дарья", "Игоревна"),
    ("Фролов", "Илья", "Олегович"), ("Белов", "Сергей", "Николаевич"),
    ("Медведева", "Ирина", "Александровна"), ("Тихонов", "Павел", "Евгеньевич"),
    ("Зайцева", "Наталья", "Владимировна"), ("Громов", "Виктор", "Степанович"),
    ("Кравцова", "Анна", "Юрьевна"), ("Ершов", "Максим", "Ильич"),
    ("Полякова", "Светлана", "Борисовна"), ("Назаров", "Алексей", "Геннадьевич"),
    ("Шубина", "Татьяна", "Михайловна"), ("Комаров", "Роман", "Сергеевич"),
    ("Данилова", "Юлия", "Андреевна"), ("Рябов", "Константин", "Петрович"),
    ("Федотова", "Галина", "Ивановна"), ("Макаров", "Евгений", "Викторович"),
    ("Широкова", "Валентина", "Петровна"), ("Савин", "Артём", "Дмитриевич"),
    ("Ларионова", "Ксения", "Олеговна"), ("Борисов", "Никита", "Андреевич"),
    ("Калинина", "Любовь", "Аркадьевна"), ("Жуков", "Олег", "Валерьевич"),
    ("Титова", "Вера", "Николаевна"), ("Мельников", "Степан", "Егорович"),
    ("Осипова", "Людмила", "Сергеевна"), ("Крылов", "Игорь", "Анатольевич"),
)  # fmt: skip


@dataclass(frozen=True)
class StaffSpec:
    username: str
    position: str
    role: Role
    department: str | None = None  # orgchart key
    block: str | None = None  # orgchart block key


_CENTRE = (
    StaffSpec("curator", "Первый заместитель главы округа, куратор МЦУ", Role.CURATOR),
    StaffSpec("head", "Руководитель МЦУ", Role.HEAD),
    StaffSpec("deputy", "Заместитель руководителя МЦУ", Role.DEPUTY_HEAD),
    StaffSpec("im", "Главный специалист МЦУ, ответственный за Инцидент Менеджмент",
              Role.IM_OFFICER),
    StaffSpec("pos", "Главный специалист МЦУ, ответственный за ПОС", Role.POS_OFFICER),
    StaffSpec("publics", "Специалист МЦУ по госпабликам", Role.PUBLICS_OFFICER),
    StaffSpec("admin", "Администратор системы", Role.ADMINISTRATOR),
    StaffSpec("observer", "Глава Краснолесского муниципального округа", Role.OBSERVER),
    StaffSpec("tsur", "Аналитик Центра управления регионом", Role.REGIONAL),
)  # fmt: skip

_TERRITORIAL_STAFFED = ("berezovka", "sosnovy")


def staff_specs() -> list[StaffSpec]:
    """Every demo login, in the order they are printed."""
    specs = list(_CENTRE)
    specs.extend(
        StaffSpec(block.head, f"Заместитель главы округа, блок «{block.name}»",
                  Role.BLOCK_HEAD, block=block.key)
        for block in orgchart.BLOCKS
    )  # fmt: skip
    staffed = [d.key for b in orgchart.BLOCKS for d in b.departments if d.staffed]
    for key in [*staffed, *_TERRITORIAL_STAFFED]:
        specs.append(StaffSpec(key, "Руководитель", Role.DEPARTMENT_HEAD, department=key))
        specs.append(StaffSpec(f"{key}_isp", "Специалист", Role.EXECUTOR, department=key))
    return specs


def login_rows() -> list[tuple[str, str, str]]:
    """(login, role, where) for every demo user: what `veche demo` prints."""
    names = {d.key: d.short_name for b in orgchart.BLOCKS for d in b.departments}
    names |= {u.username: f"{u.name} ТО" for u in places.UNITS}
    blocks = {b.key: b.name for b in orgchart.BLOCKS}
    rows = []
    for spec in staff_specs():
        scope = names.get(spec.department or "", "") or blocks.get(spec.block or "", "")
        rows.append((spec.username, Role(spec.role).label, scope))
    return rows


@dataclass
class Staff:
    users: dict[str, User]

    def id(self, username: str) -> int:
        return self.users[username].pk

    def department_actor(self, department_key: str, *, head: bool = False) -> int | None:
        """The executor (or head) of a staffed department; None where the demo has nobody."""
        user = self.users.get(department_key if head else f"{department_key}_isp")
        return user.pk if user is not None else None


def create_staff(structure: Structure) -> Staff:
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for number, spec in enumerate(staff_specs()):
        users[spec.username] = _create_user(structure, spec, number, password)
    for block_spec in orgchart.BLOCKS:
        block = structure.blocks[block_spec.key]
        block.head = users[block_spec.head]
        block.save(update_fields=["head"])
    return Staff(users)


def _create_user(structure: Structure, spec: StaffSpec, number: int, password: str) -> User:
    last, first, middle = _NAMES[number % len(_NAMES)]
    department = structure.departments[spec.department] if spec.department else None
    position = spec.position
    if spec.role in (Role.DEPARTMENT_HEAD, Role.EXECUTOR) and department is not None:
        position = f"{spec.position}: {department.short_name}"
    user = User.objects.create(
        username=spec.username,
        password=password,
        last_name=last,
        first_name=first,
        middle_name=middle,
        position=position,
        email=f"{spec.username}@krasnolesskiy.example",
        is_staff=spec.role == Role.ADMINISTRATOR,
        is_superuser=spec.role == Role.ADMINISTRATOR,
    )
    in_department = spec.role in (Role.DEPARTMENT_HEAD, Role.EXECUTOR)
    Membership.objects.create(
        user=user,
        municipality=structure.municipality,
        role=spec.role,
        department=department if in_department else None,
        block=structure.blocks[spec.block] if spec.block else None,
    )
    return user
