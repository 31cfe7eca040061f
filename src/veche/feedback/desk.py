"""The feedback app's side of `veche.intake.surveys`: what the channels add to an answer, what
a rating button does, which link the public status page shows."""

from datetime import datetime

from django.utils import timezone

from veche.cases.models import Answer, Case
from veche.catalog.models import Channel
from veche.feedback import services
from veche.intake.models import Source

# Channels whose answer carries the rating link under its text: a letter goes to the citizen
# alone. Not VK (an answer may be a public reply under a post, where anyone could rate) nor
# the API (the remote system publishes the text and runs its own survey).
LINK_CHANNELS = frozenset({Channel.Code.EMAIL.value})
# Channels that ask with buttons of their own: a separate question after the answer (see
# `receivers.ask_after_sending`).
BUTTON_CHANNELS = frozenset({Channel.Code.TELEGRAM.value})


def invitation_text(link: str) -> str:
    return f"Оцените, пожалуйста, ответ — это займёт минуту: {link}"


def question_text(case: Case, link: str) -> str:
    return (
        f"Оцените, пожалуйста, ответ на обращение {case.number}: от 1 (плохо) до 5 (отлично). "
        f"Рассказать, решена ли проблема, и оставить комментарий можно по ссылке: {link}"
    )


class FeedbackDesk:
    def invitation(self, answer: Answer, *, source: Source, now: datetime) -> str:
        via = source.channel.code
        if answer.kind != Answer.Kind.FINAL or via not in LINK_CHANNELS:
            return ""
        return invitation_text(services.ask(answer, via=via, now=now))

    def rate_by_button(
        self, case_id: int, mark: int, *, source: Source, conversation: str, at: datetime
    ) -> str:
        return services.rate_by_button(
            case_id, mark, source=source, conversation=conversation, at=at
        )

    def link_for(self, case: Case) -> str:
        return services.open_link(case, now=timezone.now())
