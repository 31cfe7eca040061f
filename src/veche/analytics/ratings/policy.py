"""The municipality's rating rules (`RatingPolicy`): reading them, who may change them, and
the one service that does."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction

from veche.analytics.indicators import Actor
from veche.analytics.models import RatingPolicy
from veche.analytics.ratings.formula import WEIGHT_FIELDS
from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope

POLICY_FIELDS = (*WEIGHT_FIELDS.values(), "min_cases", "prior_cases")


def rating_policy(municipality_id: int) -> RatingPolicy:
    """The municipality's rules, or the defaults (unsaved) when it has not set any."""
    found = RatingPolicy.objects.filter(municipality_id=municipality_id).first()
    return found or RatingPolicy(municipality_id=municipality_id)


def may_configure(actor: Actor, municipality_id: int) -> bool:
    return municipality_id in actor_scope(actor).municipality_ids(Action.CONFIGURE)


def save_rating_policy(
    municipality_id: int, values: Mapping[str, int], *, by: User
) -> RatingPolicy:
    """Set the municipality's rating rules (the row is created with the defaults first when
    the municipality had none). Only those who configure the municipality may."""
    if not may_configure(by, municipality_id):
        raise PermissionDenied(
            "Правила рейтинга меняют руководитель, заместитель и администратор МЦУ."
        )
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy fields: {sorted(unknown)}")
    with transaction.atomic(durable=True):
        policy, _ = RatingPolicy.objects.select_for_update().get_or_create(
            municipality_id=municipality_id
        )
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
    return policy
