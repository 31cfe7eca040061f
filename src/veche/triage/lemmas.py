"""Russian text as a string of lemmas, the input of the topic classifier's word features.

The lemma of a word is its most likely pymorphy3 normal form, taken from the same cached
analyzer full-text search uses (`veche.cases.search.normal_forms`), so one process holds one
dictionary and one word → forms cache. Numbers become «0»: house and flat numbers say
nothing about the topic, and one token keeps the vocabulary of hashed features small.
"""

import re

from veche.cases.search import normal_forms

TOKEN = re.compile(r"[a-zа-яё]+|\d+", re.IGNORECASE)


def lemma(word: str) -> str:
    if word.isdigit():
        return "0"
    return normal_forms(word)[0]


def lemmatize(text: str) -> str:
    """«Сломаны качели во дворах» → «сломать качель в двор»."""
    return " ".join(lemma(w) for w in TOKEN.findall(text))
