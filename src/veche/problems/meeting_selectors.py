"""Reading meetings and instructions. The МЦУ sees its municipality's; a participant sees the
meeting he sat in and its instructions; an instruction is seen by its owner and its
controller, and by the staff of its department and the head of that department's block —
an executor from a department who owns an instruction sees and reports it without seeing
the municipality's cases."""

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from veche.org.access import Action as Do
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.problems.models import Instruction, Meeting


def visible_meetings(actor: User | AnonymousUser) -> QuerySet[Meeting]:
    if not isinstance(actor, User) or not actor.is_active:
        return Meeting.objects.none()
    reach = Q(municipality_id__in=actor_scope(actor).municipality_ids(Do.VIEW)) | Q(
        pk__in=Meeting.participants.through.objects.filter(user_id=actor.pk).values("meeting_id")
    )
    return Meeting.objects.filter(reach).select_related("municipality")


def visible_instructions(actor: User | AnonymousUser) -> QuerySet[Instruction]:
    if not isinstance(actor, User) or not actor.is_active:
        return Instruction.objects.none()
    scope = actor_scope(actor)
    reach = (
        Q(municipality_id__in=scope.municipality_ids(Do.VIEW))
        | Q(owner=actor)
        | Q(controller=actor)
        | Q(
            meeting_id__in=Meeting.participants.through.objects.filter(user_id=actor.pk).values(
                "meeting_id"
            )
        )
    )
    if departments := scope.department_ids(Do.VIEW):
        reach |= Q(department_id__in=departments)
    if blocks := scope.block_ids(Do.VIEW):
        reach |= Q(department__block_id__in=blocks)
    return Instruction.objects.filter(reach).select_related(
        "municipality", "meeting", "owner", "controller", "department", "problem", "roadmap"
    )


def overdue(instructions: QuerySet[Instruction], *, today: date) -> QuerySet[Instruction]:
    """Open, not reported, and past their due day."""
    return instructions.filter(
        status=Instruction.Status.OPEN, done_at__isnull=True, due_on__lt=today
    )


def awaiting_check(instructions: QuerySet[Instruction]) -> QuerySet[Instruction]:
    """Reported by the owner, not yet accepted or returned."""
    return instructions.filter(status=Instruction.Status.OPEN, done_at__isnull=False)
