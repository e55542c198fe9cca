"""Operations on prospects that touch several rows or have side effects."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Q, UniqueConstraint, When
from django.utils import timezone

from empathy_crm import outbox, zones
from empathy_crm.access import reps_of
from people.models import Team, User
from prospects import events
from prospects.models import (
    UNDO_WINDOW,
    Account,
    ContentAsset,
    Conversation,
    Engagement,
    Feeling,
    FeelingTrend,
    FormSource,
    InboundDelivery,
    Opportunity,
    Prospect,
    ProspectAlias,
    ProspectEvent,
    ProspectHistory,
)

log = logging.getLogger(__name__)

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com",
    }
)  # fmt: skip


def feeling_trend(before: int, after: int) -> str:
    if after > before:
        return FeelingTrend.RISING
    if after < before:
        return FeelingTrend.FALLING
    return FeelingTrend.STEADY


def conversation_log(
    *,
    prospect: Prospect,
    rep: User,
    feeling_before: int,
    feeling_after: int,
    occurred_at: datetime | None = None,
    channel: str = "call",
    questions: str = "",
    frustrations: str = "",
    roadblocks: str = "",
    help_given: str = "",
    wins: str = "",
    quotes: str = "",
    question_answered: bool = False,
) -> Conversation:
    """Record a helpful conversation, refresh what the prospect list filters on, and record
    the events playbooks react to: a conversation was logged, and their feeling dropped
    during it if it did. What it changes in the follow-up queue (check-ins cancelled or
    moved, the rep's next step) is ``concierge.services.conversation_record``'s to do."""
    occurred_at = occurred_at or timezone.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            prospect=prospect,
            rep=rep,
            occurred_at=occurred_at,
            channel=channel,
            questions=questions.strip(),
            frustrations=frustrations.strip(),
            roadblocks=roadblocks.strip(),
            help_given=help_given.strip(),
            wins=wins.strip(),
            quotes=quotes.strip(),
            feeling_before=feeling_before,
            feeling_after=feeling_after,
        )
        prospect_touch_refresh(prospect)
        if question_answered:
            prospect.open_question = ""
        elif conversation.questions:
            prospect.open_question = conversation.questions
        prospect.save(
            update_fields=[
                "last_helpful_touch_at",
                "last_feeling",
                "feeling_trend",
                "open_question",
                "updated_at",
            ]
        )
        key = f"conversation:{conversation.pk}"
        outbox.record(topic=outbox.Topic.CONVERSATION_LOGGED, team_id=prospect.team_id,
                      payload=conversation_payload(conversation))  # fmt: skip
        events.record(kind=ProspectEvent.Kind.CONVERSATION_LOGGED, prospect_id=prospect.pk, key=key,
                      new=True)  # fmt: skip
        if conversation.feeling_after < conversation.feeling_before:
            events.record(kind=ProspectEvent.Kind.FEELING_DROPPED, prospect_id=prospect.pk,
                          key=f"feeling:{conversation.pk}", new=True)  # fmt: skip
    return conversation


# --- What webhooks say (empathy_crm.outbox) -----------------------------------------------


def prospect_payload(prospect: Prospect) -> dict:
    return {
        "id": prospect.pk, "first_name": prospect.first_name, "last_name": prospect.last_name,
        "email": prospect.email, "title": prospect.title, "account": prospect.account_id,
        "owner": prospect.owner_id, "team": prospect.team_id, "source": prospect.source,
        "created_at": prospect.created_at.isoformat(),
    }  # fmt: skip


def conversation_payload(conversation: Conversation) -> dict:
    return {
        "id": conversation.pk, "prospect": conversation.prospect_id, "rep": conversation.rep_id,
        "occurred_at": conversation.occurred_at.isoformat(), "channel": conversation.channel,
        "feeling_before": conversation.feeling_before,
        "feeling_after": conversation.feeling_after,
    }  # fmt: skip


def opportunity_payload(opportunity: Opportunity) -> dict:
    return {
        "id": opportunity.pk, "name": opportunity.name, "account": opportunity.account_id,
        "prospect": opportunity.prospect_id, "owner": opportunity.owner_id,
        "amount": str(opportunity.amount), "status": opportunity.status,
        "closed_on": opportunity.closed_on.isoformat() if opportunity.closed_on else None,
    }  # fmt: skip


def prospect_created_record(prospect: Prospect) -> None:
    """Tell webhooks a prospect is new (in the caller's transaction)."""
    outbox.record(topic=outbox.Topic.PROSPECT_CREATED, team_id=prospect.team_id,
                  payload=prospect_payload(prospect))  # fmt: skip


def prospect_touch_refresh(prospect: Prospect) -> None:
    """Set the prospect's last touch and feeling from their latest conversation (not saved)."""
    latest = prospect.conversations.order_by("-occurred_at", "-pk").first()
    if latest is None:
        prospect.last_helpful_touch_at = None
        prospect.last_feeling = None
        prospect.feeling_trend = ""
        return
    prospect.last_helpful_touch_at = latest.occurred_at
    prospect.last_feeling = latest.feeling_after
    prospect.feeling_trend = feeling_trend(latest.feeling_before, latest.feeling_after)


def emotional_journey(prospect: Prospect) -> list[dict]:
    """Feelings over time, oldest first: before and after each conversation."""
    rows = prospect.conversations.order_by("occurred_at", "pk").values(
        "pk", "occurred_at", "feeling_before", "feeling_after"
    )
    labels = dict(Feeling.choices)
    return [
        {
            **row,
            "before_label": labels[row["feeling_before"]],
            "after_label": labels[row["feeling_after"]],
        }
        for row in rows
    ]


# --- Inbound engagements ------------------------------------------------------------------


def fit(model, field: str, value: str) -> str:
    """A value we derived (a name from an email, a title from a URL) cut to its column."""
    return value[: model._meta.get_field(field).max_length]


def account_match_or_create(
    *, email: str, company: str, owner: User | None, team_id: int | None
) -> Account | None:
    """The team's account of the person's company: matched by the email's domain (unless
    free mail), then by company name, else created. Other teams' accounts never match."""
    domain = email.rsplit("@", 1)[-1].lower()
    company = company.strip()
    if domain in FREE_MAIL_DOMAINS:
        domain = ""
    accounts = Account.objects.of_team(team_id).order_by("pk")
    if domain:
        account = accounts.exclude(domain="").filter(domain__lower=domain).first()
        if account:
            return account
    if company:
        account = accounts.filter(name__lower=company.lower()).first()
        if account:
            if domain and not account.domain:
                account.domain = domain
                account.save(update_fields=["domain"])
            return account
    if not (company or domain):
        return None
    name = company or fit(Account, "name", domain.split(".")[0].title())
    return Account.objects.create(name=name, domain=domain, owner=owner, team_id=team_id)


def asset_match_or_create(*, title: str, kind: str, url: str) -> ContentAsset | None:
    title, url = title.strip(), url.strip()
    if not (title or url):
        return None
    found = None
    if url:
        found = ContentAsset.objects.filter(url=url).first()
    if found is None and title:
        found = ContentAsset.objects.filter(title__iexact=title).first()
    if found is None:
        found = ContentAsset.objects.create(
            title=title or fit(ContentAsset, "title", url), kind=kind or ContentAsset.Kind.OTHER,
            url=url,
        )  # fmt: skip
    return found


def account_for_company(
    *, company: str, email: str, owner: User | None, team_id: int | None
) -> Account | None:
    """The team's account a rep typed when adding someone: matched by name (any case), else
    by the email's company domain, else created. None when they left it empty."""
    company = company.strip()
    if not company:
        return None
    accounts = Account.objects.of_team(team_id).order_by("pk")
    account = accounts.filter(name__lower=company.lower()).first()
    return account or account_match_or_create(
        email=email, company=company, owner=owner, team_id=team_id
    )


def owner_next_for(source: FormSource) -> User | None:
    """Round-robin among the source team's active reps (by id); the manager if it has none.

    The turn is counted in the cache (Redis with CACHE_URL, shared by every process), not on
    the source's row: a row lock held until commit made every delivery of a source wait for
    the one before it. A delivery that rolls back still used its turn.
    """
    reps = list(
        reps_of(User.objects.filter(team_id=source.team_id, is_active=True))
        .order_by("pk")
        .only("pk", "username")  # the inbound answer names the owner
    )
    if not reps:
        team = Team.objects.select_related("manager").get(pk=source.team_id)
        return team.manager
    key = f"inbound:turn:{source.pk}"
    try:
        turn = cache.incr(key)
    except ValueError:  # the first turn (or the cache was emptied)
        turn = 1 if cache.add(key, 1, timeout=None) else cache.incr(key)
    return reps[(turn - 1) % len(reps)]


class IdempotencyKeyReused(Exception):
    """The form source sent this Idempotency-Key before, with another body."""


class InboundConflict(Exception):
    """Concurrent deliveries kept colliding on the same records; the sender may retry."""


INBOUND_ATTEMPTS = 3


def inbound_engagement_record(
    *,
    form_source: FormSource,
    data: dict,
    payload: dict,
    idempotency_key: str = "",
    body_hash: str = "",
) -> tuple[dict, bool]:
    """Create or update the prospect, record the engagement and its why.

    Returns ``(response_body, replayed)``; ``replayed`` is True when ``idempotency_key`` was
    seen before with the same body (``body_hash``, the SHA-256 of the raw body), in which case
    nothing new is written and the first answer is returned. The same key with another body
    raises ``IdempotencyKeyReused``.

    Deliveries run side by side (nothing locks the source). Two that find a person or a
    company new may both create it: the second insert waits for the first transaction, then
    fails on the team's unique key; that delivery starts over and finds the record the other
    one committed. Two with the same key meet the same way on the delivery's unique key.
    """
    source = form_source  # with pk, team_id and name (prospects.api.signed_source)
    for attempt in range(1, INBOUND_ATTEMPTS + 1):
        try:
            with transaction.atomic(durable=True):
                if idempotency_key:
                    earlier = InboundDelivery.objects.filter(
                        form_source=source, idempotency_key=idempotency_key
                    ).first()
                    if earlier:
                        if earlier.request_hash and earlier.request_hash != body_hash:
                            raise IdempotencyKeyReused(idempotency_key)
                        return earlier.response_body, True
                body, engagement, created = _inbound_write(source, data, payload)
                if idempotency_key:
                    InboundDelivery.objects.create(
                        form_source=source, idempotency_key=idempotency_key,
                        request_hash=body_hash, response_body=body,
                    )  # fmt: skip
                engagement_events_record(engagement, joined=created)
            return body, False
        except IntegrityError:
            log.info("Inbound delivery collided with another (attempt %s)", attempt)
    raise InboundConflict


def _inbound_write(source: FormSource, data: dict, payload: dict) -> tuple[dict, Engagement, bool]:
    """The writes of one delivery."""
    email = data["email"].strip().lower()
    source_name = data.get("source") or fit(Engagement, "source", source.name)
    # The source's team's record of the person: another team's is not this team's business.
    team_prospects = Prospect.objects.filter(team_id=source.team_id)
    # Their record, or the record an address of theirs was merged into (in the same query).
    merged_into = ProspectAlias.objects.filter(team_id=source.team_id, email__lower=email)
    prospect = (
        team_prospects.select_for_update()
        .filter(Q(email__lower=email) | Q(pk__in=merged_into.values("prospect_id")))
        .order_by(Case(When(email__lower=email, then=0), default=1), "pk")
        .first()
    )
    created = prospect is None
    if created:
        owner = owner_next_for(source)
        account = account_match_or_create(
            email=email, company=data.get("company", ""), owner=owner, team_id=source.team_id
        )
        prospect = Prospect.objects.create(
            team_id=source.team_id,
            email=email,
            first_name=data.get("first_name", "").strip()
            or fit(Prospect, "first_name", email.rsplit("@", 1)[0]),
            last_name=data.get("last_name", "").strip(),
            title=data.get("title", "").strip(),
            account=account,
            owner=owner,
            source=source_name,
            open_question=data.get("question", "").strip(),
        )
        prospect_created_record(prospect)
    else:
        changed = []
        for field in ("first_name", "last_name", "title"):
            value = data.get(field, "").strip()
            if value and not getattr(prospect, field):
                setattr(prospect, field, value)
                changed.append(field)
        if prospect.account_id is None:
            account = account_match_or_create(
                email=email, company=data.get("company", ""), owner=prospect.owner,
                team_id=prospect.team_id,
            )  # fmt: skip
            if account:
                prospect.account = account
                changed.append("account")
        if data.get("question", "").strip():
            prospect.open_question = data["question"].strip()
            changed.append("open_question")
        if changed:
            prospect.save(update_fields=[*changed, "updated_at"])
    asset_data = data.get("asset") or {}
    asset = asset_match_or_create(
        title=asset_data.get("title", ""),
        kind=asset_data.get("kind", ""),
        url=asset_data.get("url", ""),
    )
    engagement = Engagement.objects.create(
        prospect=prospect,
        asset=asset,
        occurred_at=data.get("occurred_at") or timezone.now(),
        why=data.get("question", "").strip(),
        source=source_name,
        form_source=source,
        source_payload=payload,
    )
    body = {
        "prospect_id": prospect.pk,
        "prospect_created": created,
        "account_id": prospect.account_id,
        "engagement_id": engagement.pk,
        "asset_id": asset.pk if asset else None,
        "owner": prospect.owner.username if prospect.owner_id else None,
    }
    return body, engagement, created


def engagement_record(
    *, prospect: Prospect, asset: ContentAsset | None, occurred_at: datetime, why: str, source: str
) -> Engagement:
    """A rep records an engagement by hand (e.g. met at an event)."""
    with transaction.atomic(durable=True):
        engagement = Engagement.objects.create(
            prospect=prospect, asset=asset, occurred_at=occurred_at, why=why.strip(), source=source
        )
        if why.strip():
            Prospect.objects.filter(pk=prospect.pk).update(
                open_question=why.strip(), updated_at=timezone.now()
            )
        engagement_events_record(engagement, joined=False)
    return engagement


def engagement_events_record(engagement: Engagement, *, joined: bool) -> None:
    """The events a new engagement starts playbooks with; ``joined``: its person is new, so a
    buying group may have grown too."""
    events.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=engagement.prospect_id,
                  key=f"engagement:{engagement.pk}", new=True)  # fmt: skip
    if joined:
        group_member_event_record(engagement.prospect)


def group_member_event_record(prospect: Prospect) -> None:
    """A new member of a buying group that had people in it already (someone who starts a
    group of their own is no news to anyone)."""
    if not prospect.account_id:
        return
    others = Prospect.objects.filter(account_id=prospect.account_id).exclude(pk=prospect.pk)
    if others.exists():
        events.record(
            kind=ProspectEvent.Kind.NEW_GROUP_MEMBER,
            prospect_id=prospect.pk,
            key=f"member:{prospect.pk}",
            new=True,
        )  # a new person joins once


def opportunity_save(*, opportunity: Opportunity, status_before: str | None) -> Opportunity:
    """Save an opportunity, noting when it was won, lost or reopened (and telling webhooks
    when it was won)."""
    changed = opportunity.status != (status_before or Opportunity.Status.OPEN)
    if changed:
        opportunity.status_changed_at = timezone.now()
    with transaction.atomic():
        opportunity.save()
        if changed and opportunity.status == Opportunity.Status.WON:
            team_id = (
                Account.objects.filter(pk=opportunity.account_id)
                .values_list("team_id", flat=True)
                .first()
            )
            outbox.record(topic=outbox.Topic.OPPORTUNITY_WON, team_id=team_id,
                          payload=opportunity_payload(opportunity))  # fmt: skip
    return opportunity


def prospect_add(*, prospect: Prospect, company: str = "") -> Prospect:
    """Save a prospect a rep added by hand, in their owner's team and in the team's account
    named ``company`` (found or created), and say so (a buying group may have grown)."""
    with transaction.atomic(durable=True):
        prospect.team_id = prospect.owner.scope_team_id if prospect.owner_id else None
        if company.strip():
            prospect.account = account_for_company(
                company=company, email=prospect.email, owner=prospect.owner,
                team_id=prospect.team_id,
            )  # fmt: skip
        if not prospect.timezone:
            suggestion = timezone_suggested(email=prospect.email, account_id=prospect.account_id)
            prospect.timezone = suggestion[0] if suggestion else "UTC"
        prospect.save()
        group_member_event_record(prospect)
        prospect_created_record(prospect)
    return prospect


def timezone_suggested(
    *, email: str, account_id: int | None, exclude_pk: int | None = None
) -> tuple[str, str] | None:
    """A time zone for a person, and why: the one most of their account's other people are
    in (other than UTC, the unset default), else their email domain's country's."""
    if account_id:
        zone = (
            Prospect.objects.filter(account_id=account_id)
            .exclude(pk=exclude_pk)
            .exclude(timezone__in=["", "UTC"])
            .values("timezone")
            .annotate(n=Count("pk"))
            .order_by("-n", "timezone")
            .values_list("timezone", flat=True)
            .first()
        )
        if zone:
            return zone, "where their colleagues are"
    zone = zones.zone_for_email(email)
    if zone:
        return zone, f"from their email's .{email.rsplit('.', 1)[-1].lower()}"
    return None


# --- Merge two records of one person; delete with an undo window ---------------------------


class MergeRefused(Exception):
    """Two records that cannot be merged, with the reason in words."""


class RestoreRefused(Exception):
    """A deleted record that cannot be brought back, with the reason in words."""


#: Fields of the merged record that fill the kept one's blanks (never overwrite what it has).
MERGE_FILLS = ("last_name", "phone", "title", "account", "source", "open_question")


def _unique_sets(model, field_name: str) -> list[tuple[list[str], Q | None]]:
    """The field sets (and their conditions) that must stay unique on ``model`` and include
    ``field_name``: what moving a row to another person could collide with."""
    sets: list[tuple[list[str], Q | None]] = []
    for together in model._meta.unique_together:
        if field_name in together:
            sets.append((list(together), None))
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, UniqueConstraint) and field_name in fields:
            sets.append((list(fields), constraint.condition))
    field = model._meta.get_field(field_name)
    if field.unique:
        sets.append(([field_name], None))
    return sets


def _pointers_at(instance) -> list[tuple[type, str, str]]:
    """Every (model, field name, label) whose foreign key points at ``instance``'s model,
    hidden ones (``related_name="+"``) and the link tables of many-to-many relations (a
    persona's members) included."""
    found = []
    for rel in instance._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        model = rel.related_model
        label = model._meta.verbose_name_plural
        if model._meta.auto_created:  # a many-to-many link table: name the other side
            other = next(
                f
                for f in model._meta.fields
                if f.is_relation and f is not rel.field and f.name != "id"
            )
            label = other.related_model._meta.verbose_name_plural
        found.append((model, rel.field.name, str(label)))
    return found


def _repoint(old, new) -> dict[str, int]:
    """Point every row that points at ``old`` at ``new``, for every model that has a foreign
    key to theirs (whichever app it lives in: no import of the layers above). A row that
    would collide with one of ``new``'s under a unique rule (both have a map by the same
    author) is folded into its twin instead: its own rows move the same way, and it stays
    behind to go with ``old``. Returns how many rows moved, by what they are."""
    moved: dict[str, int] = {}
    for model, field_name, label in _pointers_at(old):
        rows = model._base_manager.filter(**{field_name: old})
        twins: dict[int, int] = {}
        for fields, condition in _unique_sets(model, field_name):
            others = [f for f in fields if f != field_name]
            scope = model._base_manager.filter(condition) if condition else model._base_manager
            taken = {
                tuple(values): pk
                for pk, *values in scope.filter(**{field_name: new}).values_list("pk", *others)
            }
            for pk, *values in scope.filter(**{field_name: old}).values_list("pk", *others):
                if None not in values and tuple(values) in taken:
                    twins[pk] = taken[tuple(values)]
        for pk, twin in twins.items():
            _repoint(model._base_manager.get(pk=pk), model._base_manager.get(pk=twin))
        count = rows.exclude(pk__in=twins).update(**{field_name: new})
        if count:
            moved[label] = moved.get(label, 0) + count
    return moved


#: Bookkeeping that moves with a merge but means nothing to the person reading the preview.
NOT_PREVIEWED = frozenset({"prospecthistory", "prospectevent", "topicmention"})


def merge_preview(*, kept: Prospect, other: Prospect) -> list[tuple[int, str]]:
    """What merging ``other`` into ``kept`` moves: (how many, what), largest first. Reads
    only; the merge moves exactly these (a twin folds into the kept person's own)."""
    counts = []
    for model, field_name, label in _pointers_at(other):
        if model._meta.model_name in NOT_PREVIEWED:
            continue
        n = model._base_manager.filter(**{field_name: other}).count()
        if n:
            if n == 1 and not model._meta.auto_created:
                label = str(model._meta.verbose_name)
            counts.append((n, label.replace("follow up", "follow-up")))
    return sorted(counts, key=lambda c: (-c[0], c[1]))


def _describe(prospect: Prospect) -> str:
    return f"{prospect.name} <{prospect.email}>"


def prospect_merge(*, kept: Prospect, other: Prospect, by: User) -> Prospect:
    """Merge ``other`` (a duplicate) into ``kept``, in one transaction: everything that
    points at ``other`` (conversations, engagements, opportunities, follow-ups, empathy
    maps, personas, notes of any app) moves to ``kept``; ``kept``'s blank details are
    filled from ``other``; ``other``'s email becomes an alias of ``kept`` (inbound and the
    CSV import still find them by it); ``other`` is deleted; ``kept``'s history says so."""
    if kept.pk == other.pk:
        raise MergeRefused("Pick another person: a record cannot be merged into itself.")
    if kept.team_id != other.team_id:
        raise MergeRefused("These are records of two teams: each team keeps its own.")
    with transaction.atomic(durable=True):
        locked = {
            p.pk: p
            for p in Prospect.objects.select_for_update()
            .filter(pk__in=[kept.pk, other.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise MergeRefused("One of them was just deleted or merged by someone else.")
        kept, other = locked[kept.pk], locked[other.pk]
        moved = _repoint(other, kept)
        changed = ["updated_at", "last_helpful_touch_at", "last_feeling", "feeling_trend"]
        for name in MERGE_FILLS:
            attname = Prospect._meta.get_field(name).attname
            if not getattr(kept, attname) and getattr(other, attname):
                setattr(kept, attname, getattr(other, attname))
                changed.append(attname)
        prospect_touch_refresh(kept)
        kept.save(update_fields=changed)
        aliases = ProspectAlias.objects.filter(team_id=kept.team_id)
        emails = {other.email.lower()} - {kept.email.lower()}
        for email in emails:
            if not aliases.filter(email__lower=email).exists():
                ProspectAlias.objects.create(prospect=kept, team_id=kept.team_id, email=email)
        ProspectHistory.objects.create(
            prospect=kept,
            team_id=kept.team_id,
            action=ProspectHistory.Action.MERGED,
            actor=by,
            subject=_describe(other),
            note=f"{_describe(other)} was merged into {kept.name}.",
            details={"moved": moved, "merged_id": other.pk},
        )
        Prospect.all_objects.filter(pk=other.pk).delete()
    return kept


def prospect_delete(*, prospect: Prospect, by: User) -> Prospect:
    """Delete ``prospect`` with an undo window: hidden everywhere at once, brought back by
    ``prospect_restore`` within ``UNDO_WINDOW``, deleted for good by the sweep after."""
    with transaction.atomic(durable=True):
        prospect = Prospect.objects.select_for_update().get(pk=prospect.pk)
        prospect.deleted_at = timezone.now()
        prospect.deleted_by = by
        prospect.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        ProspectHistory.objects.create(
            prospect=prospect,
            team_id=prospect.team_id,
            action=ProspectHistory.Action.DELETED,
            actor=by,
            subject=_describe(prospect),
            note=f"{prospect.name} was deleted; it can be undone until "
            f"{timezone.localtime(prospect.deleted_at + UNDO_WINDOW):%H:%M}.",
        )
    return prospect


def prospect_restore(*, prospect: Prospect, by: User) -> Prospect:
    """Bring back a deleted person within the undo window."""
    with transaction.atomic(durable=True):
        prospect = Prospect.all_objects.select_for_update().get(pk=prospect.pk)
        if prospect.deleted_at is None:
            return prospect
        if prospect.deleted_at < timezone.now() - UNDO_WINDOW:
            raise RestoreRefused(f"{prospect.name} was deleted too long ago to undo.")
        twin = Prospect.objects.of_team(prospect.team_id).filter(email__iexact=prospect.email)
        if twin.exists():
            raise RestoreRefused(
                f"Someone with {prospect.email} has been added since: merge them instead."
            )
        prospect.deleted_at, prospect.deleted_by = None, None
        prospect.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        ProspectHistory.objects.create(
            prospect=prospect,
            team_id=prospect.team_id,
            action=ProspectHistory.Action.RESTORED,
            actor=by,
            subject=_describe(prospect),
            note=f"{prospect.name} was brought back.",
        )
    return prospect


def deleted_purge(*, batch: int = 200) -> int:
    """Delete for good the people deleted longer ago than the undo window (beat, every
    minute), each with a line in the history that outlives them. Returns how many."""
    cutoff = timezone.now() - UNDO_WINDOW
    total = 0
    while True:
        with transaction.atomic(durable=True):
            doomed = list(
                Prospect.all_objects.filter(deleted_at__lt=cutoff)
                .select_for_update(skip_locked=True)
                .order_by("deleted_at")[:batch]
            )
            if not doomed:
                return total
            ProspectHistory.objects.bulk_create(
                ProspectHistory(
                    team_id=p.team_id,
                    action=ProspectHistory.Action.PURGED,
                    actor=p.deleted_by,
                    subject=_describe(p),
                    note=f"{p.name} was deleted for good, with their conversations and follow-ups.",
                )
                for p in doomed
            )
            Prospect.all_objects.filter(pk__in=[p.pk for p in doomed]).delete()
        total += len(doomed)
