from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.template.defaultfilters import pluralize
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from empathy_crm import notifications
from empathy_crm.ids import parse_id
from empathy_crm.models import Notification


@never_cache
def healthz(request):
    """The floor endpoint: one ``SELECT 1``, used by health checks and as the bench floor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


PAGE_SIZE = 30


@login_required
def inbox(request):
    """The person's notices, newest first, unread ones marked; each opens what it is about."""
    notices = Notification.objects.filter(user=request.user)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = Notification.objects.unread().filter(user=request.user).count()
    return render(request, "inbox/inbox.html", {"page": page, "unread": unread})


@login_required
@require_POST
def notice_open(request, pk: int):
    """Mark the notice read and go to what it is about (or back to the inbox)."""
    notice = get_object_or_404(Notification, pk=pk, user=request.user)
    notice.mark_read()
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
        return redirect(notice.url)
    return redirect("inbox")


@login_required
@require_POST
def notices_read(request):
    """Mark every notice read (``?id=`` one of them), and come back to the inbox."""
    notice_id = request.POST.get("id", "")
    count = notifications.notices_read(user=request.user, notice_id=parse_id(notice_id))
    if not notice_id:
        messages.success(request, f"{count} notice{pluralize(count)} marked read.")
    return redirect("inbox")


def server_error(request):
    """A 500 page that cannot fail itself: no request context, no database."""
    return HttpResponseServerError(loader.render_to_string("500.html"))
