"""Odd input on every insights and coaching URL: never a 500, always a 404, the default
shown, or a clear error. Digits such as "²" or "１" pass ``str.isdigit()`` but are no id."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from insights.models import CoachingComment
from tests.factories import ConversationFactory, ProspectFactory

ODD = ["²", "１", "٣", "0", "-1", "99999999999999999999", "1.5", " 1", "1\x00", "", "%", "１２"]
PARAMS = ("team", "rep", "from", "to", "period", "cohort", "before", "page", "format")


def pages(conversation_pk: int, comment_pk: int) -> list[str]:
    return [
        reverse("insights:page"),
        reverse("insights:rows", args=["people"]),
        reverse("insights:rows", args=["opportunities"]),
        reverse("insights:export", args=["figures"]),
        reverse("insights:topic_list"),
        reverse("insights:coaching"),
        reverse("insights:conversation", args=[conversation_pk]),
    ]


@pytest.mark.parametrize("role", ["manager", "rep", "admin_user"])
@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("name", ["team", "rep", "page", "from"])
def test_odd_ids_and_numbers_are_a_404_or_ignored_never_a_500(
    client, request, role, name, value, rep
):
    client.force_login(request.getfixturevalue(role))
    talk = ConversationFactory(prospect=ProspectFactory(owner=rep), rep=rep)
    for url in pages(talk.pk, 0):
        status = client.get(url, {name: value}).status_code
        assert status in (200, 400, 404), (url, name, value, status)


@pytest.mark.parametrize("path", ["/insights/topics/{}/", "/insights/conversations/{}/"])
@pytest.mark.parametrize("pk", ["99999999999999999999", "2147483648", "0"])
def test_ids_out_of_range_in_the_path_are_a_404(client, manager, path, pk):
    client.force_login(manager)
    assert client.get(path.format(pk)).status_code == 404


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(PARAMS),
        st.one_of(st.sampled_from(ODD), st.text(max_size=12), st.dates().map(str)),
        max_size=4,
    ),
    which=st.sampled_from(["page", "rows", "topics", "coaching", "export"]),
)
@example(params={"team": "²"}, which="page")
@example(params={"rep": "²"}, which="coaching")
@example(params={"from": "0001-01-01", "to": "0001-01-02"}, which="page")
def test_fuzzed_parameters_never_answer_a_500(client, admin_user, manager, rep, params, which):
    urls = {
        "page": reverse("insights:page"),
        "rows": reverse("insights:rows", args=["conversations"]),
        "topics": reverse("insights:topic_list"),
        "coaching": reverse("insights:coaching"),
        "export": reverse("insights:export", args=["per_owner"]),
    }
    for user in (admin_user, manager, rep):
        client.force_login(user)
        status = client.get(urls[which], params).status_code
        assert status in (200, 400, 404), (which, params, status)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.one_of(st.sampled_from(["questions", "²", "", "wins "]), st.text(max_size=8)),
    text=st.text(max_size=30),
)
def test_fuzzed_coaching_forms_answer_a_field_error_never_a_500(client, manager, rep, field, text):
    talk = ConversationFactory(prospect=ProspectFactory(owner=rep), rep=rep)
    client.force_login(manager)
    before = CoachingComment.objects.count()
    response = client.post(
        reverse("insights:comment_add", args=[talk.pk]), {"field": field, "text": text}
    )
    assert response.status_code in (302, 400)
    assert CoachingComment.objects.count() == before + (response.status_code == 302)
