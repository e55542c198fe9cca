"""The project's settings with a broker retry budget, as Celery's default of 100 attempts
is, only small: shows in seconds what an outage longer than the budget does to a worker."""

from empathy_crm.settings import *  # noqa: F403

CELERY_BROKER_CONNECTION_MAX_RETRIES = 2
