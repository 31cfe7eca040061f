"""Signals for higher layers: `cases` cannot import the channels, so it announces.

`answer_approved` is sent after the approving transaction commits, with `answer=`; the intake
app sends the answer back through the case's channel.
"""

from django.dispatch import Signal

answer_approved = Signal()
