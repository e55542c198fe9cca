"""The app's pages of the API: a user's personal access tokens, and the docs."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api import webhooks
from api.models import ApiToken, WebhookEndpoint
from empathy_crm import crypto
from empathy_crm.access import Role, role_required
from empathy_crm.models import OutboxEvent
from people.models import Team

SHOW_ONCE = "api_token_show_once"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="What will use it?",
        help_text="A name to tell it apart, e.g. “Zapier” or “Warehouse sync”.",
    )


@login_required
@never_cache
def token_list(request):
    """Your tokens: make one (shown once), see when each was last used, revoke one."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, raw = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        request.session[SHOW_ONCE] = {"token": token.pk, "raw": crypto.encrypt(raw)}
        messages.success(request, f"Token “{token.name}” made.")
        return redirect("api_tokens")
    new = None
    waiting = request.session.pop(SHOW_ONCE, None)
    if waiting:
        try:
            new = {"token": waiting["token"], "raw": crypto.decrypt(waiting["raw"])}
        except (crypto.InvalidToken, KeyError, TypeError):
            new = None
    tokens = list(ApiToken.objects.filter(user=request.user))
    return render(request, "api/tokens.html", {
        "form": form, "tokens": tokens, "new": new,
        "new_token": next((t for t in tokens if new and t.pk == new["token"]), None),
    })  # fmt: skip


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, f"Token “{token.name}” revoked: it stopped working now.")
    return redirect("api_tokens")


def docs(request):
    """Swagger UI over /api/v1/schema/, from our own static files (no CDN). Its stylesheet
    draws its icons as data: SVG images, which this page alone allows."""
    response = render(request, "api/docs.html")
    policy = {**settings.SECURE_CSP, "img-src": ["'self'", "data:"]}
    response["Content-Security-Policy"] = "; ".join(
        " ".join([directive, *sources]) for directive, sources in policy.items()
    )
    return response


# --- Webhooks (admins) --------------------------------------------------------------------

WEBHOOK_SHOW_ONCE = "webhook_secret_show_once"


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500,
        label="URL",
        assume_scheme="https",
        help_text="Where we POST each event, e.g. https://hooks.example.com/crm",
    )
    topics = forms.MultipleChoiceField(
        choices=OutboxEvent.Topic.choices, widget=forms.CheckboxSelectMultiple, label="Events"
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "topics", "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["team"].empty_label = "Every team"

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Use an http:// or https:// address.")
        return url


@role_required(Role.ADMIN)
@never_cache
def webhook_list(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        secret = endpoint.secret_issue()
        endpoint.created_by = request.user
        endpoint.save()
        request.session[WEBHOOK_SHOW_ONCE] = {"endpoint": endpoint.pk,
                                              "secret": crypto.encrypt(secret)}  # fmt: skip
        messages.success(request, f"{endpoint.url} will hear of the events you chose.")
        return redirect("webhook_detail", endpoint.pk)
    endpoints = WebhookEndpoint.objects.select_related("team")
    return render(request, "api/webhooks.html", {"form": form, "endpoints": endpoints})


@role_required(Role.ADMIN)
@never_cache
def webhook_detail(request, pk: int):
    """An endpoint, its secret once (just made), and its delivery log, newest first."""
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("team"), pk=pk)
    if request.method == "POST":
        endpoint.is_active = not endpoint.is_active
        endpoint.save(update_fields=["is_active"])
        messages.success(request, "Resumed." if endpoint.is_active else "Paused.")
        return redirect("webhook_detail", endpoint.pk)
    secret = None
    waiting = request.session.pop(WEBHOOK_SHOW_ONCE, None)
    if waiting and waiting.get("endpoint") == endpoint.pk:
        try:
            secret = crypto.decrypt(waiting["secret"])
        except (crypto.InvalidToken, KeyError, TypeError):
            secret = None
    labels = dict(OutboxEvent.Topic.choices)
    return render(request, "api/webhook_detail.html", {
        "endpoint": endpoint, "secret": secret, "deliveries": webhooks.endpoint_log(endpoint),
        "topics": [labels.get(topic, topic) for topic in endpoint.topics],
    })  # fmt: skip
