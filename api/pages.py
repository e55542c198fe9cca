"""The app's pages of the API: a user's personal access tokens, and the docs."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.models import ApiToken
from empathy_crm import crypto

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
    """Swagger UI over /api/v1/schema/, from our own static files (no CDN)."""
    return render(request, "api/docs.html")
