"""Keeps the analytics store right when cases are deleted (a retention job, an admin)."""

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from veche.analytics.rollups import forget
from veche.cases.models import Case


@receiver(pre_delete, sender=Case, dispatch_uid="analytics-forget-case")
def forget_deleted_case(sender: type[Case], instance: Case, **kwargs: Any) -> None:
    forget([instance.pk])
