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
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    persona.members.add(*[ProspectFactory(owner=rep) for _ in range(20)])
    with django_assert_max_num_queries(20) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
