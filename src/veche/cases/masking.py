"""Masking of citizens' personal data for lists, exports and analytics (DOMAIN.md §8 item 17)."""

import re


def mask_name(full_name: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И. И.»."""
    parts = full_name.split()
    if not parts:
        return ""
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:3])])


def mask_phone(phone: str) -> str:
    """«+7 912 345-67-45» → «+7 9** ***-**-45»: the operator digit and the last two stay."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return "*" * len(digits)
    return f"+{digits[0]} {digits[1]}** ***-**-{digits[-2:]}"


def mask_email(email: str) -> str:
    """«ivanov@mail.ru» → «i*****@mail.ru»."""
    local, at, domain = email.partition("@")
    if not at:
        return "*" * len(email)
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def mask_address(address: str) -> str:
    """Hide house and flat numbers: «ул. Ленина, д. 5, кв. 12» → «ул. Ленина, д. *, кв. *»."""
    return re.sub(r"\d+[а-яА-Я]?(/\d+)?", "*", address)
