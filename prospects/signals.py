"""Events other apps react to (the concierge app starts playbooks from them).

Both are sent *after* the transaction that recorded the event commits, with ids only, so a
receiver can enqueue a Celery task safely. Receivers must not hold business logic.
"""

from django.dispatch import Signal

#: sent with ``engagement_id`` and ``prospect_created`` (bool)
engagement_recorded = Signal()
#: sent with ``conversation_id``
conversation_logged = Signal()
