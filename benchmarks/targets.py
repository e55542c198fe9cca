"""What ``make bench`` measures. Each feature adds its key pages and background jobs here.

A page is measured as a signed-in user of the given role (None: anonymous). Its URL is built
from the filled database, so ids are real. A job does its work against the benchmark
database (in-process, or through the running server at ``ctx["base_url"]``) and returns how
many items it handled.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # "rep", "manager", "admin" or None
    url: Callable[[dict], str]


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[dict], int]
    #: Untimed preparation and cleanup around ``run``.
    setup: Callable[[dict], None] | None = None
    teardown: Callable[[dict], None] | None = None
    #: What the job should reach, printed beside the result (never asserted in tests).
    target: str = ""
    #: Another job (run before it) whose rate this one is printed as a share of.
    share_of: str = ""


FLOOR = Page("floor: /healthz (SELECT 1)", None, lambda ctx: "/healthz")

#: The frame: a signed-in page with no data (session, user, base template). Every page's
#: median is compared with it, measured just before.
FRAME = Page("signed in, no data (no-role home)", "no_role", lambda ctx: "/")

PAGES: list[Page] = [
    Page("home (rep)", "rep", lambda ctx: "/"),
    Page("home (manager)", "manager", lambda ctx: "/"),
    Page("home (admin)", "admin", lambda ctx: "/"),
    Page("team page (rep)", "rep", lambda ctx: f"/teams/{ctx['rep'].team_id}/"),
    Page("team list (admin)", "admin", lambda ctx: "/teams/"),
    Page("prospect list (rep, default)", "rep", lambda ctx: "/prospects/"),
    Page("prospect list (rep, filtered)", "rep",
         lambda ctx: "/prospects/?stale=on&stage=exploring&sort=-touch"),
    Page("prospect list (rep, searched)", "rep", lambda ctx: "/prospects/?owner=all&q=dana"),
    Page("prospect list (manager, team)", "manager", lambda ctx: "/prospects/"),
    Page("prospect list (admin, all)", "admin", lambda ctx: "/prospects/?owner=all"),
    Page("prospect list (admin, 1 person)", "admin", lambda ctx: "/prospects/?q=whitfield4243"),
    Page("prospect list (admin, 10k match)", "admin", lambda ctx: "/prospects/?q=whitfield"),
    Page("prospect page (rep)", "rep", lambda ctx: f"/prospects/{ctx['prospect']}/"),
    Page("merge a duplicate, find (rep)", "rep",
         lambda ctx: f"/prospects/{ctx['prospect']}/merge/"),
    Page("delete a prospect, confirm (rep)", "rep",
         lambda ctx: f"/prospects/{ctx['prospect']}/delete/"),
    Page("account page (rep)", "rep", lambda ctx: f"/prospects/accounts/{ctx['account']}/"),
    Page("account list (rep)", "rep", lambda ctx: "/prospects/accounts/"),
    Page("add a prospect (admin)", "admin", lambda ctx: "/prospects/new/"),
    Page("follow-up queue (rep)", "rep", lambda ctx: "/concierge/"),
    Page("follow-up queue (rep, busy)", "busy_rep", lambda ctx: "/concierge/"),
    Page("empathy maps (manager)", "manager", lambda ctx: "/empathy-maps/"),
    Page("empathy maps (admin, all 20k)", "admin", lambda ctx: "/empathy-maps/"),
    Page("review queue (manager)", "manager", lambda ctx: "/empathy-maps/reviews/"),
    Page("empathy map board (rep)", "map_owner", lambda ctx: f"/empathy-maps/{ctx['map']}/"),
    Page("empathy map review (manager)", "map_manager",
         lambda ctx: f"/empathy-maps/{ctx['map']}/review/"),
    Page("persona map, 10k members (manager)", "manager",
         lambda ctx: f"/empathy-maps/personas/{ctx['persona']}/"),
    Page("find a person, as typed (rep)", "rep", lambda ctx: "/prospects/find/?q=whit"),
    Page("find a person, as typed (admin, broad)", "admin", lambda ctx: "/prospects/find/?q=an"),
    Page("my earnings (rep)", "rep", lambda ctx: "/commissions/earnings/"),
    Page("API tokens (rep)", "rep", lambda ctx: "/accounts/api-tokens/"),
    Page("webhooks (admin)", "admin", lambda ctx: "/webhooks/"),
    Page("statements (manager, period)", "manager",
         lambda ctx: f"/commissions/statements/?period={ctx['statements_period']}"),
    # Django admin: the raw data, at full size (the admin is a superuser).
    Page("admin: prospects (100k)", "admin", lambda ctx: "/admin/prospects/prospect/"),
    Page("admin: prospects, searched", "admin",
         lambda ctx: "/admin/prospects/prospect/?q=whitfield4243"),
    Page("admin: prospects, one team", "admin",
         lambda ctx: f"/admin/prospects/prospect/?team__id__exact={ctx['rep'].team_id}"),
    Page("admin: a prospect", "admin",
         lambda ctx: f"/admin/prospects/prospect/{ctx['prospect']}/change/"),
    Page("admin: accounts (20k)", "admin", lambda ctx: "/admin/prospects/account/"),
    Page("admin: conversations (1M)", "admin", lambda ctx: "/admin/prospects/conversation/"),
    Page("admin: conversations, one person", "admin",
         lambda ctx: f"/admin/prospects/conversation/?q={quote(ctx['prospect_email'])}"),
    Page("admin: engagements (200k)", "admin", lambda ctx: "/admin/prospects/engagement/"),
    Page("admin: follow-ups (500k)", "admin", lambda ctx: "/admin/concierge/followup/"),
    Page("admin: follow-ups, scheduled", "admin",
         lambda ctx: "/admin/concierge/followup/?status__exact=scheduled"),
    Page("admin: a follow-up", "admin",
         lambda ctx: f"/admin/concierge/followup/{ctx['followup']}/change/"),
    Page("admin: map entries (300k)", "admin", lambda ctx: "/admin/empathy_maps/entry/"),
    Page("admin: empathy maps (20k)", "admin", lambda ctx: "/admin/empathy_maps/empathymap/"),
    Page("insights (manager)", "manager", lambda ctx: "/insights/"),
    Page("insights (rep)", "rep", lambda ctx: "/insights/"),
    Page("insights (admin, all teams)", "admin", lambda ctx: "/insights/"),
    Page("climb room (buyer)", None, lambda ctx: f"/room/{ctx['room_token']}/"),
    Page("account page with room activity (rep)", "rep",
         lambda ctx: f"/prospects/accounts/{ctx['room_account']}/"),
]  # fmt: skip


def post_throughput(base_url: str, path: str, bodies, headers_for, seconds: float, threads: int):
    """Requests per second that ``threads`` clients get through in ``seconds``."""
    parts = urlsplit(base_url)
    done = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(offset: int):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        n = offset
        while time.monotonic() < stop:
            body = bodies(n)
            conn.request("POST", path, body=body, headers=headers_for(body))
            response = conn.getresponse()
            response.read()
            if response.status not in (200, 201):
                raise SystemExit(f"{path} answered {response.status}")
            n += threads
            with lock:
                done.append(1)
        conn.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(done)


def inbound_throughput(ctx: dict) -> int:
    from prospects.models import FormSource

    source = FormSource.objects.filter(name="Bench form").first()
    if source is None:
        source = FormSource(name="Bench form", team_id=ctx["rep"].team_id)
        source.secret_issue()
        source.save()
    secret = source.secret.encode()  # decrypted once, as a form tool keeps it
    run = int(time.time())

    def body(n: int) -> bytes:
        return json.dumps({
            "email": f"inbound{run}-{n}@bench-inbound.example", "first_name": "In",
            "last_name": str(n),
            "company": f"Company {n % 20000}", "question": "How long does onboarding take?",
            "asset": {"title": "Guide 1", "kind": "guide"},
        }).encode()  # fmt: skip

    def headers(raw: bytes) -> dict:
        timestamp = str(int(time.time()))
        signature = hmac.new(secret, f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
        return {
            "Content-Type": "application/json",
            "X-Empathy-Source": str(source.pk),
            "X-Empathy-Timestamp": timestamp,
            "X-Empathy-Signature": f"sha256={signature}",
        }

    try:
        return post_throughput(ctx["base_url"], "/api/inbound/engagements/", body, headers, 10, 4)
    finally:
        cleanup("@bench-inbound.example")


def cleanup(email_suffix: str) -> None:
    """Jobs remove what they created, so a reused database measures the same data."""
    from django.db import connection

    from prospects.models import Account, Prospect

    Prospect.objects.filter(email__endswith=email_suffix).delete()
    Account.objects.filter(prospects__isnull=True, owner__isnull=True).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE prospects_prospect")


def api_get_throughput(ctx: dict, user_key: str, path: str) -> int:
    """GETs of ``path`` with a personal access token of ``ctx[user_key]``: 4 clients, 10 s."""
    from api.models import ApiToken

    token, raw = ApiToken.issue(user=ctx[user_key], name="bench")
    parts = urlsplit(ctx["base_url"])
    done = []
    stop = time.monotonic() + 10

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", path, headers={"Authorization": f"Bearer {raw}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
            done.append(1)
        conn.close()

    workers = [threading.Thread(target=client) for _ in range(4)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        token.delete()
    return len(done)


def floor_throughput(ctx: dict) -> int:
    parts = urlsplit(ctx["base_url"])
    done = []
    stop = time.monotonic() + 10

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            done.append(1)
        conn.close()

    workers = [threading.Thread(target=client) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(done)


CSV_ROWS = 50_000


def _csv_import_file(title: str) -> str:
    """50,000 people in a HubSpot export's columns (mapped by the suggestions), a tenth of
    them at each of 5,000 companies."""
    lines = ["First Name,Last Name,Email,Company Name,Job Title,Contact owner"]
    lines += [
        f"Csv,{n},csv-{n}@import{n % 5000}.bench-csv.example,Import Co {n % 5000},{title},"
        for n in range(CSV_ROWS)
    ]
    return "\n".join(lines)


def _csv_import(ctx: dict, title: str) -> ProspectImportCounts:
    """Check the file as a worker does for a large upload, then import it; both timed."""
    from prospects import imports
    from prospects.models import ProspectImport

    job = imports.import_receive(user=ctx["rep"], filename="bench.csv",
                                 raw=_csv_import_file(title).encode())  # fmt: skip
    job.mark(ProspectImport.Status.PREVIEWING)  # the suggested mapping, confirmed
    imports.preview_run(job.pk)  # the check a worker runs for a large upload
    job.refresh_from_db()
    assert job.status == ProspectImport.Status.PREVIEWED and not job.errors, job.errors[:3]
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == ProspectImport.Status.DONE, job.message
    return job.created_count, job.updated_count


ProspectImportCounts = tuple[int, int]


def csv_import_new(ctx: dict) -> int:
    created, _ = _csv_import(ctx, "Buyer")
    assert created == CSV_ROWS
    return created


def csv_import_updates_setup(ctx: dict) -> None:
    """The 50,000 people are there already (imported, untimed); the file changes their title."""
    cleanup(".bench-csv.example")
    _csv_import(ctx, "Buyer")


def csv_import_updates(ctx: dict) -> int:
    _, updated = _csv_import(ctx, "Head of buying")
    assert updated == CSV_ROWS
    return updated


def csv_import_teardown(ctx: dict) -> None:
    cleanup(".bench-csv.example")


def dispatch_due(ctx: dict) -> int:
    """One worker's worth: dispatch every due follow-up (100k in the default data)."""
    from concierge import services

    return services.due_followups_dispatch()


def dispatch_due_teardown(ctx: dict) -> None:
    """Put them back, so the next run measures the same work (the bench's database holds no
    notices but the bench's own); not timed."""
    from django.db import connection

    from concierge.models import FollowUp
    from empathy_crm.models import Notification

    Notification.objects.filter(kind=Notification.Kind.FOLLOWUP_DUE).delete()
    FollowUp.objects.filter(source_key="bench", status="due").update(
        status="scheduled", notified_at=None
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {FollowUp._meta.db_table}")


NOTICES_DUE_AT_ONCE = 10_000


def notices_email_setup(ctx: dict) -> None:
    """10,000 notices due at once, ten for each of the 1,000 reps: 1,000 mails to send."""
    from django.db import connection
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber
    from django.utils import timezone

    from concierge.models import FollowUp
    from empathy_crm.models import Notification

    due = (
        FollowUp.objects.filter(source_key="bench", status="scheduled", due_at__lte=timezone.now())
        .annotate(nth=Window(RowNumber(), partition_by=F("assignee_id"), order_by=F("pk").asc()))
        .filter(nth__lte=10)
        .order_by("pk")
        .values_list("pk", "assignee_id")[:NOTICES_DUE_AT_ONCE]
    )
    Notification.objects.bulk_create(
        (Notification(user_id=assignee, kind=Notification.Kind.FOLLOWUP_DUE,
                      key=f"followup:{pk}", message="Check in for Bench Person")
         for pk, assignee in due),
        batch_size=5000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Notification._meta.db_table}")


def notices_email(ctx: dict) -> int:
    """Email every pending notice: one mail per rep, through Django's locmem backend, so the
    figure is our code (claims, rendering, confirmations), not an SMTP server's speed."""
    from django.core import mail
    from django.test.utils import override_settings

    from empathy_crm import notifications
    from empathy_crm.models import Notification

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mails = notifications.notices_email()
    print(f"(emailing: {mails} mails)")
    mail.outbox = []
    return Notification.objects.filter(emailed_at__isnull=False).count()


def notices_email_teardown(ctx: dict) -> None:
    from django.db import connection

    from empathy_crm.models import NoticeEmail, Notification

    Notification.objects.all().delete()  # the bench's database holds no notices but these
    NoticeEmail.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Notification._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {NoticeEmail._meta.db_table}")


def playbook_expansion_setup(ctx: dict) -> None:
    """10,000 new engagements recorded at once, as a webinar's attendees arrive."""
    from prospects.models import Prospect, ProspectEvent

    run = ctx["expansion_run"] = f"bench-exp-{int(time.time())}-"
    pks = list(
        Prospect.objects.filter(do_not_contact=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:10_000]
    )
    ctx["expansion_events"] = ProspectEvent.objects.bulk_create(
        ProspectEvent(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=pk, key=f"{run}{pk}")
        for pk in pks
    )


def playbook_expansion(ctx: dict) -> int:
    """Each expanded into its playbook's follow-ups: one Celery message each, handled as the
    worker handles it (a message takes up to 499 other waiting events with it)."""
    from concierge.tasks import prospect_events_expand

    for event in ctx["expansion_events"]:
        prospect_events_expand.run(event.pk)
    return len(ctx["expansion_events"])


def playbook_expansion_teardown(ctx: dict) -> None:
    from concierge.models import FollowUp
    from prospects.models import ProspectEvent

    FollowUp.objects.filter(source_key__startswith=ctx["expansion_run"]).delete()
    ProspectEvent.objects.filter(key__startswith=ctx["expansion_run"]).delete()


def bench_plan(name: str):
    from commissions.models import CommissionPlan

    plan = CommissionPlan.objects.filter(name=name).first()
    if plan is None:
        raise SystemExit(
            f"No “{name}” in the benchmark database: it was filled before commission plans "
            "were; make bench BENCH_ARGS=--refill"
        )
    return plan


def statement_run(ctx: dict) -> int:
    """Last quarter's statements of a plan of 50 reps with every kind of rule, recomputed
    (they are drafts: each run replaces their lines, so every run does the same work)."""
    from commissions import bench, services
    from commissions.models import StatementLine

    plan = bench_plan(bench.HELPING_PAYS)
    start = plan.effective_from  # the quarter the fill computed, however old the data is
    computed = services.statements_run(plan=plan, start=start)
    lines = StatementLine.objects.filter(statement__plan=plan, statement__period_start=start)
    print(f"(statement run: {computed} statements of {start:%Y-%m-%d}, {lines.count():,} lines)")
    return computed


def statement_run_teardown(ctx: dict) -> None:
    from django.db import connection

    from commissions.models import StatementLine

    with connection.cursor() as cursor:  # each run deletes and writes every line again
        cursor.execute(f"VACUUM ANALYZE {StatementLine._meta.db_table}")


def what_if_year(ctx: dict) -> int:
    """The proposed plan against what its 50 reps were (or would be) paid, over the last
    four quarters. Nothing is written."""
    from datetime import timedelta

    from commissions import bench, periods, services

    draft = bench_plan(bench.PROPOSED_PLAN)
    first = bench_plan(bench.OLD_PLAN).effective_from  # the fill's Q-4 …
    last_quarter = bench_plan(bench.HELPING_PAYS).effective_from  # … to Q-1
    last = periods.end_of(draft.period, last_quarter) - timedelta(days=1)
    rows = services.what_if(draft=draft, first=first, last=last)
    print(f"(what-if: {len(rows)} reps, quarters from {first:%Y-%m-%d} to {last:%Y-%m-%d})")
    return len(rows)


def insights_refresh(ctx: dict) -> int:
    """What beat runs every 15 minutes: topics, weeks and every team's comparison."""
    from insights import services
    from people.models import Team

    services.refresh_all()
    return Team.objects.count()


def persona_recount(ctx: dict) -> int:
    """What a persona's page shows, counted by its task: members' entries, questions and
    frustrations grouped by what they say."""
    from empathy_maps import services
    from empathy_maps.models import Persona

    persona = Persona.objects.order_by("pk").first()
    return services.persona_recount(persona)["members"] if persona else 0


JOBS: list[Job] = [
    Job("floor: /healthz, 4 clients, 10 s (req)", floor_throughput),
    Job("inbound endpoint, 4 clients, 10 s (req)", inbound_throughput,
        target="≥ 25% of the floor's", share_of="floor: /healthz, 4 clients, 10 s (req)"),
    Job("REST API: 50 prospects a page (rep), 4 clients, 10 s (req)",
        lambda ctx: api_get_throughput(ctx, "rep", "/api/v1/prospects/?page_size=50"),
        share_of="floor: /healthz, 4 clients, 10 s (req)"),
    Job("REST API: 50 prospects a page (admin, all), 4 clients, 10 s (req)",
        lambda ctx: api_get_throughput(ctx, "admin", "/api/v1/prospects/?page_size=50"),
        share_of="floor: /healthz, 4 clients, 10 s (req)"),
    Job("CSV import, new rows: 50k (check + save, rows)", csv_import_new,
        teardown=csv_import_teardown, target="≥ 5,000/s"),
    Job("CSV import, updates: 50k (check + save, rows)", csv_import_updates,
        setup=csv_import_updates_setup, teardown=csv_import_teardown, target="≥ 5,000/s"),
    Job("dispatch due follow-ups (1 process)", dispatch_due, teardown=dispatch_due_teardown,
        target="≥ 10,000/s"),
    Job("playbook expansion, 10k engagements", playbook_expansion,
        setup=playbook_expansion_setup, teardown=playbook_expansion_teardown,
        target="≥ 5,000/s"),
    Job(
        "email 10k due notices (locmem)",
        notices_email,
        setup=notices_email_setup,
        teardown=notices_email_teardown,
        target="≥ 20,000 notices/min",
    ),
    Job("statement run, a quarter for 50 reps", statement_run,
        teardown=statement_run_teardown, target="< 5 s"),
    Job("what-if over 12 months for all reps of a plan", what_if_year, target="< 10 s"),
    Job("insights rollups, every team (teams)", insights_refresh, target="< 15 min (its beat)"),
    Job("persona recount, 10k members (members)", persona_recount, target="< 60 s (a task)"),
]  # fmt: skip


def context() -> dict:
    """Users and records the pages are measured with, from the filled data."""
    from django.db.models import Count

    from people.models import User
    from prospects.models import Prospect

    rep = User.objects.filter(username__startswith="bench_rep_").order_by("pk").first()
    manager = User.objects.get(pk=rep.team.manager_id)
    admin = User.objects.get(username="bench_admin")
    prospect = (
        Prospect.objects.filter(owner=rep, account__isnull=False)
        .annotate(n=Count("conversations"))
        .order_by("-n")
        .values("pk", "account_id", "email")
        .first()
    )
    from concierge.models import FollowUp
    from rooms.bench import bench_room

    busy = (
        FollowUp.objects.filter(status="scheduled").values("assignee_id")
        .annotate(n=Count("pk")).order_by("-n").first()
    )  # fmt: skip
    from empathy_maps.models import EmpathyMap, Persona

    submitted = (
        EmpathyMap.objects.filter(status="submitted", prospect__isnull=False)
        .select_related("owner__team")
        .first()
    )
    from commissions.models import Statement

    statements_period = (
        Statement.objects.filter(rep__team_id=rep.team_id)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    followups = FollowUp.objects.values_list("pk", flat=True)
    followup = followups.filter(prospect_id=prospect["pk"]).first() or followups.first()
    no_role = User.objects.get_or_create(
        username="bench_no_role", defaults={"first_name": "Nora", "last_name": "Nobody"}
    )[0]
    return {
        "no_role": no_role,
        "map": submitted.pk,
        "map_owner": submitted.owner,
        "map_manager": User.objects.get(pk=submitted.owner.team.manager_id),
        "persona": Persona.objects.values_list("pk", flat=True).first(),
        "busy_rep": User.objects.get(pk=busy["assignee_id"]) if busy else rep,
        "rep": rep,
        "manager": manager,
        "admin": admin,
        "statements_period": statements_period,
        "prospect": prospect["pk"],
        "prospect_email": prospect["email"],
        "account": prospect["account_id"],
        "followup": followup,
        **bench_room(rep, besides_account=prospect["account_id"]),
    }
