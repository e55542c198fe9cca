"""Events other apps react to (the concierge app schedules follow-ups from them).

They are sent *inside* the transaction that records the event, so a receiver's own rows
(e.g. a trigger in an outbox table) commit or roll back with it. Receivers write rows and
defer anything else (Celery messages, email) with ``transaction.on_commit``.
"""

from django.dispatch import Signal

#: sent with ``engagement`` and ``prospect_created`` (bool)
engagement_recorded = Signal()
#: sent with ``conversation`` and ``next_step`` (a dict with kind, help_offered, on; or None)
conversation_logged = Signal()
#: sent with ``prospect`` when someone adds a prospect by hand
prospect_added = Signal()
#: sent with ``prospects``, the list a CSV import just created (updates are not sent)
prospects_imported = Signal()
