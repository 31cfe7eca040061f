"""Signals for higher layers: `cases` cannot import the channels, so it announces.

`answer_approved` is sent after the approving transaction commits, with `answer=`; the intake
app sends the answer back through the case's channel. `cases_registered` is sent after new
cases are committed, with `case_ids=`; the triage app analyses their texts and the deadlines
app starts their clocks. `status_changed` is sent inside the transaction of a status change.
"""

from django.dispatch import Signal

answer_approved = Signal()

# Sent after the transaction that registered cases commits, with `case_ids=` (a list): the
# triage app reads their texts (at once for one case, in the task queue for many).
cases_registered = Signal()

# Sent by every status change (`services._common._transition`) inside its transaction, the
# case row locked, with `case=`, `before=` and `after=` (Status), `at=`, `by=`, `comment=`: the
# deadlines app stops, pauses and starts the case's clocks in the same transaction, so a
# status and its clocks never disagree. Receivers must stay cheap: this is the hot path.
status_changed = Signal()

# Sent by `approve_answer` inside its transaction before the answer is approved, with
# `answer=` and `by=`: a receiver that finds the answer unfit to go out (the feedback app's
# brush-off check, where the municipality makes it binding) raises `CaseError` to refuse.
answer_approving = Signal()

# Sent after the transaction that recorded an answer as delivered commits (`record_answer_sent`,
# once per answer), with `answer=`: the feedback app asks the citizen to rate a final answer.
answer_sent = Signal()
