"""Hostile citizen text in a real browser (issue 9): the inbox and the case card show the XSS
payloads as text; no dialog opens and no element of the payload exists. The page runs with the
Content-Security-Policy bypassed (the `page` fixture), so it is the escaping that is tested,
not the policy that would stop a script that got through. It lives beside the other browser
tests: the session's one browser is theirs (a second sync Playwright in the same thread fails)."""

from typing import Any

import pytest

from tests.e2e.conftest import log_in
from tests.personas import World, make_case
from tests.security.payloads import MARKER, XSS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# Elements the payloads would bring, and handlers carrying the marker.
INJECTED = (
    "script:not([src]), img[src='x'], svg[onload], iframe, [onerror], [onload], "
    "[onmouseover], a[href^='javascript:']"
)


def test_xss_payloads_in_the_inbox_and_the_card_stay_text(
    world: World,
    live_server: Any,
    page: Any,
) -> None:
    text = "Яма во дворе.\n" + "\n".join(XSS.values())
    case = make_case(world.municipality, text=text, department=world.housing)
    make_case(world.municipality, text=XSS["img_onerror"] + " " + XSS["svg_onload"])
    dialogs: list[str] = []

    def record(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)

    log_in(page, live_server, "operator")
    page.wait_for_selector("#inbox-results")
    inbox_hits = page.locator(INJECTED).count()
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.wait_for_selector("#case-card")
    page.wait_for_load_state("networkidle")
    page.mouse.move(400, 400)  # an injected onmouseover would fire now
    card = page.locator("#case-card").inner_text()

    assert dialogs == []
    assert inbox_hits == 0
    assert page.locator(INJECTED).count() == 0
    assert XSS["script"] in card and XSS["img_onerror"] in card
    assert page.evaluate(f"document.documentElement.innerHTML.includes('alert({MARKER})')")
