"""Signals for higher layers: `cases` cannot import the channels, so it announces.

`answer_approved` is sent after the approving transaction commits, with `answer=`; the intake
app sends the answer back through the case's channel. `cases_registered` is sent after new
cases are committed, with `case_ids=`; the triage app analyses their texts.
"""

from django.dispatch import Signal

answer_approved = Signal()

# Sent after the transaction that registered cases commits, with `case_ids=` (a list): the
# triage app reads their texts (at once for one case, in the task queue for many).
cases_registered = Signal()
