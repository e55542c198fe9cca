"""The climb room in a real browser, on a phone (390 px): readable without scrolling
sideways, no script and nothing fetched from elsewhere, accessible (axe-core); Dana asks a
question and marks her step done with the page's own forms."""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from people.demo import DEMO_PASSWORD
from rooms import services
from rooms.models import PlanStep, Room, RoomQuestion, TeamBrand
from tests.factories import AccountFactory, ContentAssetFactory, ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def room_world(rep, team):
    TeamBrand.objects.create(team=team, colour="plum")
    account = AccountFactory(name="Harbor Logistics", owner=rep, industry="Logistics",
                             climb_goal="Give dispatchers one view of every shipment by Q3.",
                             climb_position="Piloting with one depot.")  # fmt: skip
    dana = ProspectFactory(owner=rep, account=account, first_name="Dana", last_name="Whitfield")
    marcus = ProspectFactory(owner=rep, account=account, first_name="Marcus", last_name="Oyelaran")
    room = services.room_open(account=account, by=rep)
    checklist = ContentAssetFactory(title="Depot-by-depot pilot checklist")
    services.question_choose(room=room, text="How do we roll this out without a revolt?",
                             answer="Start with one depot and its most sceptical dispatcher.",
                             asset=checklist)  # fmt: skip
    story = ContentAssetFactory(title="How Northwind rolled out depot by depot", kind="case_study")
    services.story_choose(room=room, asset=story)
    PlanStep.objects.create(room=room, title="Pick the pilot depot", owner_prospect=dana,
                            status="done")  # fmt: skip
    PlanStep.objects.create(room=room, title="Security review with IT", owner_prospect=dana,
                            target_date="2026-12-04")  # fmt: skip
    PlanStep.objects.create(room=room, title="Send the training plan", owner_rep=rep,
                            target_date="2026-12-08")  # fmt: skip
    link = services.member_invite(room=room, prospect=dana, by=rep, email=False)
    services.member_invite(room=room, prospect=marcus, by=rep, email=False)
    return {"room": room, "account": account, "token": link.token}


def test_dana_uses_her_room_on_a_phone(chromium, live_server, room_world, axe, screenshot):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    hosts, scripts = set(), []
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto(f"/room/{room_world['token']}/")
    assert page.get_by_role("heading", name="Your climb").is_visible()
    assert page.get_by_text("Nothing else is recorded").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing scrolls sideways on a phone"
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    screenshot(page, "room-buyer-390")

    page.get_by_label("Your question", exact=True).fill("Who trains new dispatchers?")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your question is with").is_visible()
    assert RoomQuestion.objects.filter(text="Who trains new dispatchers?").exists()
    page.get_by_role("button", name="Mark done “Security review with IT”").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 of 3 steps done").is_visible()

    page.get_by_role("link", name="How do we roll this out without a revolt?").click()
    page.wait_for_load_state()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("button", name="Yes, it helped").click()
    page.wait_for_load_state()
    assert page.get_by_text("You said: yes").is_visible()
    assert hosts == {urlsplit(live_server.url).netloc}, "no third-party requests"
    assert scripts == [], "no JavaScript needed"
    context.close()


def test_the_demo_room_and_the_reps_page_look_right(chromium, live_server, axe, screenshot):
    """Brightpath Clinics in the demo, as Grace sees it and as Priya does (the README's
    picture is the first)."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    token = re.findall(r"/room/([A-Za-z0-9_-]{43})/", out.getvalue())[-1]
    room = Room.objects.get(account__name="Brightpath Clinics")
    for width in (1366, 390):
        context = chromium.new_context(base_url=live_server.url,
                                       viewport={"width": width, "height": 900})  # fmt: skip
        page = context.new_page()
        page.goto(f"/room/{token}/")
        assert page.get_by_text("2 of 4 steps done").is_visible()
        screenshot(page, "climb-room" if width == 1366 else f"climb-room-{width}")
        page.emulate_media(media="print")
        screenshot(page, f"climb-room-print-{width}")
        page.emulate_media(media="screen")
        page.goto("/")
        page.get_by_label("Username").fill("priya")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.goto(room.get_absolute_url())
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
        screenshot(page, f"climb-room-rep-{width}")
        page.goto(room.account.get_absolute_url())
        assert page.get_by_text("Rosa asked “Who trains new staff when people leave?”").is_visible()
        # The room's panel (the faded people of the buying group above it are not ours).
        results = axe.run(page, context="#climb-room")
        assert results.violations_count == 0, results.generate_report()
        context.close()
