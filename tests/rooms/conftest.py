from __future__ import annotations

import re

import pytest

from rooms import services
from rooms.models import PlanStep
from tests.factories import AccountFactory, ContentAssetFactory, ProspectFactory

LINK = re.compile(r"/room/([A-Za-z0-9_-]{43})/")


def token_in(text: str) -> str:
    return LINK.search(text).group(1)


@pytest.fixture
def account(rep):
    return AccountFactory(name="Brightpath Clinics", owner=rep, industry="Healthcare",
                          climb_goal="Stop losing referrals.")  # fmt: skip


@pytest.fixture
def grace(rep, account):
    return ProspectFactory(owner=rep, account=account, first_name="Grace", last_name="Liu",
                           email="grace@brightpath.example")  # fmt: skip


@pytest.fixture
def rosa(rep, account):
    return ProspectFactory(owner=rep, account=account, first_name="Rosa", last_name="Martinez",
                           email="rosa@brightpath.example")  # fmt: skip


@pytest.fixture
def room(account, rep):
    return services.room_open(account=account, by=rep)


@pytest.fixture
def graces_link(room, grace, rep):
    return services.member_invite(room=room, prospect=grace, by=rep, email=False)


@pytest.fixture
def furnished(room, grace, rep, graces_link):
    """A room with a question answered, a story and a plan step of Grace's."""
    asset = ContentAssetFactory(title="Security review checklist")
    question = services.question_choose(room=room, text="What will compliance ask?",
                                        answer="These five things.", asset=asset)  # fmt: skip
    story = ContentAssetFactory(title="How Northwind cut onboarding", kind="case_study")
    services.story_choose(room=room, asset=story)
    step = PlanStep.objects.create(room=room, title="Security review", owner_prospect=grace)
    rep_step = PlanStep.objects.create(room=room, title="Send the contract draft", owner_rep=rep)
    return {"question": question, "step": step, "rep_step": rep_step, "story": story}
