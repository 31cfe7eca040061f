"""The pages of the daily work: the inbox and the case card.

Each view parses its input, calls one selector or service and renders; `render_page`
(web/http.py) picks the whole page or the htmx fragment. A case the viewer cannot see is a
404 on every URL. Lists and the card show the author masked; the full data leaves only
through `reveal`, which the service logs.
"""

from veche.cases.views.card import (
    answer,
    assign,
    attach,
    attachment,
    comment,
    detail,
    link,
    place,
    reveal,
    status,
    topic,
)
from veche.cases.views.lists import bulk_assign, inbox

__all__ = [
    "answer",
    "assign",
    "attach",
    "attachment",
    "bulk_assign",
    "comment",
    "detail",
    "inbox",
    "link",
    "place",
    "reveal",
    "status",
    "topic",
]
