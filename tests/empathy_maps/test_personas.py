from __future__ import annotations

from django.urls import reverse

from empathy_maps import services
from empathy_maps.models import EmpathyMap, Persona
from tests.factories import ConversationFactory, ProspectFactory


def make_persona(client, user, name="Ops leads") -> Persona:
    client.force_login(user)
    client.post(reverse("empathy_maps:persona_list"), {"name": name})
    return Persona.objects.get(name=name)


def test_creating_a_persona_gives_it_a_curated_map(client, rep):
    persona = make_persona(client, rep)
    assert persona.owner == rep
    assert EmpathyMap.objects.get(persona=persona).owner == rep
    assert (
        "Give the persona a name"
        in client.post(reverse("empathy_maps:persona_list"), {"name": " "}, follow=True).text
    )


def test_members_by_email_or_by_filter_only_within_scope(client, rep, outside_prospect):
    mine = ProspectFactory(owner=rep, email="dana@x.example", stage="deciding")
    ProspectFactory(owner=rep, stage="deciding")
    ProspectFactory(owner=rep, stage="exploring")
    persona = make_persona(client, rep)
    url = reverse("empathy_maps:persona_members", args=[persona.pk])
    client.post(url, {"emails": f"DANA@x.example, {outside_prospect.email}"})
    assert list(persona.members.all()) == [mine]
    response = client.post(url, {"owner": "all", "stage": "deciding"}, follow=True)
    assert "Added 1 prospect to Ops leads" in response.text
    assert persona.members.count() == 2
    assert outside_prospect not in persona.members.all()


def test_persona_map_counts_how_many_members_share_an_entry(client, rep, teammate):
    members = [ProspectFactory(owner=rep) for _ in range(3)]
    for prospect in members[:2]:
        empathy_map = services.map_for_prospect(prospect=prospect, author=rep)
        services.entry_add(
            empathy_map=empathy_map, quadrant="feels", text="Worried the rollout will fail", by=rep
        )
    third = services.map_for_prospect(prospect=members[2], author=rep)
    services.entry_add(
        empathy_map=third, quadrant="feels", text="worried the rollout will FAIL", by=rep
    )
    services.entry_add(empathy_map=third, quadrant="gains", text="A calmer Monday", by=rep)
    ConversationFactory(
        prospect=members[0], questions="How long does onboarding take?", frustrations=""
    )
    ConversationFactory(
        prospect=members[1], questions="How long does onboarding take?", frustrations="Budget"
    )
    persona = make_persona(client, rep)
    persona.members.add(*members)
    page = client.get(reverse("empathy_maps:persona_detail", args=[persona.pk]))
    feels = {q: rows for q, _, rows in page.context["grouped"]}["feels"]
    assert [row["people"] for row in feels] == [3]
    assert "3 of 3" in page.text
    assert page.context["questions"][0]["people"] == 2
    assert page.context["frustrations"][0]["example"] == "Budget"


def test_personas_follow_the_owners_scope(client, rep, teammate, outsider):
    persona = make_persona(client, rep)
    url = reverse("empathy_maps:persona_detail", args=[persona.pk])
    client.force_login(teammate)
    assert client.get(url).status_code == 200
    assert (
        client.post(
            reverse("empathy_maps:persona_members", args=[persona.pk]), {"emails": "x@y.z"}
        ).status_code
        == 404
    )
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_persona_page_query_count_does_not_grow_with_members(
    client, rep, django_assert_max_num_queries
):
    persona = make_persona(client, rep)
    url = reverse("empathy_maps:persona_detail", args=[persona.pk])
    persona.members.add(ProspectFactory(owner=rep))
    client.get(url)  # the first view counts; later views read the stored counts
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    persona.members.add(*[ProspectFactory(owner=rep) for _ in range(20)])
    services.persona_recount(persona)
    with django_assert_max_num_queries(12) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_counts_are_refreshed_in_the_background(client, rep, django_capture_on_commit_callbacks):
    from empathy_maps.tasks import persona_recount

    prospect = ProspectFactory(owner=rep, email="p@x.example")
    persona = make_persona(client, rep)
    url = reverse("empathy_maps:persona_detail", args=[persona.pk])
    client.get(url)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(
            reverse("empathy_maps:persona_members", args=[persona.pk]), {"emails": "p@x.example"}
        )
    assert len(callbacks) == 1, "adding members schedules a recount"
    empathy_map = services.map_for_prospect(prospect=prospect, author=rep)
    services.entry_add(empathy_map=empathy_map, quadrant="gains", text="A calmer Monday", by=rep)
    assert "A calmer Monday" not in client.get(url).text, "counts are stored, not live"
    persona_recount(persona.pk)  # what the worker runs
    page = client.get(url).text
    assert "A calmer Monday" in page and "1 of 1" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, follow=True)
    assert "Recounting in the background" in response.text and len(callbacks) == 1


def test_persona_counts_group_wordings_that_say_the_same_and_read_in_plain_english(client, rep):
    members = [ProspectFactory(owner=rep) for _ in range(3)]
    wordings = [
        "Worried the rollout will fail",
        "worried that the rollout could FAIL!",
        "Worried the rollout fails",
    ]
    for prospect, said in zip(members, wordings, strict=True):
        empathy_map = services.map_for_prospect(prospect=prospect, author=rep)
        services.entry_add(empathy_map=empathy_map, quadrant="feels", text=said, by=rep)
    services.entry_add(
        empathy_map=EmpathyMap.objects.get(prospect=members[0]), quadrant="gains",
        text="A calmer Monday", by=rep,
    )  # fmt: skip
    ConversationFactory(prospect=members[0], questions="How long does onboarding take?")
    ConversationFactory(prospect=members[1], questions="how long will the onboarding take")
    ConversationFactory(prospect=members[2], questions="What does it cost?")
    persona = make_persona(client, rep)
    persona.members.add(*members)
    page = client.get(reverse("empathy_maps:persona_detail", args=[persona.pk])).text
    assert ">3 of 3 people</span>" in page, "three wordings of one worry"
    assert ">1 of 3 people</span>" in page
    assert 'How long does onboarding take? <span class="muted small">(2 people)</span>' in page
    assert 'What does it cost? <span class="muted small">(1 person)</span>' in page
    assert "(1 people)" not in page

    alone = make_persona(client, rep, name="Just one")
    alone.members.add(members[2])
    page = client.get(reverse("empathy_maps:persona_detail", args=[alone.pk])).text
    assert ">1 of 1 person</span>" in page and "1 member ·" in page
