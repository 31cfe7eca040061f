"""What every page's top bar shows of the deadlines app: the person's unread reminders next
to «Сроки». Lazy: a page that does not print it (an htmx fragment) costs no query."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from veche.deadlines.notifications import unread_count


def notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
