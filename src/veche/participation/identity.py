"""Who a voter is, kept only as keyed hashes.

An e-mail or a phone is normalised (so «Ivan@Mail.RU» and «ivan@mail.ru», «8 (912) 345-67-89»
and «+79123456789» are one person) and hashed with HMAC keyed by the installation's secret:
the table cannot be reversed with a dictionary of phone numbers without that key. Pure
functions, no ORM.
"""

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from veche.cases.errors import CaseError, ErrorCode

SALT = "veche.participation.identity"
CODE_DIGITS = 6
# Throw-away mailbox services: a vote confirmed through one proves nothing. A small list of
# the common ones; the МЦУ sees the rest as many voters from one address (anti-fraud flags).
DISPOSABLE_DOMAINS = frozenset(
    {
        "mailinator.com",
        "guerrillamail.com",
        "10minutemail.com",
        "temp-mail.org",
        "tempmail.com",
        "yopmail.com",
        "dropmail.me",
        "trashmail.com",
        "getnada.com",
        "sharklasers.com",
        "maildrop.cc",
        "throwawaymail.com",
    }
)
EMAIL = re.compile(r"^[^@\s]{1,64}@([a-z0-9-]{1,63}\.)+[a-z]{2,24}$")


def keyed_hash(kind: str, value: str) -> str:
    return salted_hmac(SALT, f"{kind}:{value}", algorithm="sha256").hexdigest()


def normal_email(raw: str) -> str:
    email = raw.strip().lower()
    if not EMAIL.match(email):
        raise CaseError(
            ErrorCode.INVALID, "Укажите адрес электронной почты, например ivan@mail.ru."
        )
    domain = email.rsplit("@", 1)[1]
    if domain in DISPOSABLE_DOMAINS or any(domain.endswith("." + d) for d in DISPOSABLE_DOMAINS):
        raise CaseError(
            ErrorCode.INVALID, "Одноразовые почтовые ящики не подходят для голосования."
        )
    return email


def normal_phone(raw: str) -> str:
    """A Russian mobile number as +7XXXXXXXXXX."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] != "9" or not re.fullmatch(r"[\d\s()+\-]+", raw.strip()):
        raise CaseError(
            ErrorCode.INVALID, "Укажите номер мобильного телефона, например +7 912 345-67-89."
        )
    return "+7" + digits


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def code_hash(voter_key: str, code: str) -> str:
    return keyed_hash("code", f"{voter_key}:{code}")


def code_matches(voter_key: str, code: str, stored: str) -> bool:
    cleaned = re.sub(r"\s", "", code)
    return bool(stored) and constant_time_compare(code_hash(voter_key, cleaned), stored)


def request_fingerprint(ip: str, agent: str) -> tuple[str, str]:
    return keyed_hash("ip", ip) if ip else "", keyed_hash("agent", agent[:500]) if agent else ""
