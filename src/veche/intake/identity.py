"""Who the author of a public message is, when an identity provider vouches for them.

Under 547-ФЗ (DOMAIN.md §1.2) a 59-ФЗ appeal filed online needs an identified author; an
anonymous web form files informal messages («сообщения») only. This is the one place a citizen
login plugs in: an ЕСИА / OpenID Connect login view, once configured, verifies the citizen
and stores the verified claims in the session under `SESSION_KEY`; the public form then files
an appeal in that person's name. Nothing else in the form changes.
"""

from django.http import HttpRequest

from veche.cases.services import CitizenData

SESSION_KEY = "veche_verified_citizen"


def verified_citizen(request: HttpRequest) -> CitizenData | None:
    claims = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not isinstance(claims, dict) or not claims.get("full_name"):
        return None
    return CitizenData(
        full_name=str(claims["full_name"]),
        phone=str(claims.get("phone", "")),
        email=str(claims.get("email", "")),
        postal_address=str(claims.get("postal_address", "")),
        social_id=str(claims.get("subject", "")),
    )
