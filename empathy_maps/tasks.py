from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from empathy_maps import services
from empathy_maps.models import Persona

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="empathy_maps.persona_recount", ignore_result=True, **RETRY)
def persona_recount(persona_id: int) -> None:
    persona = Persona.objects.filter(pk=persona_id).first()
    if persona is not None:
        services.persona_recount(persona)


@shared_task(name="empathy_maps.personas_recount", ignore_result=True, **RETRY)
def personas_recount() -> None:
    for persona_id in Persona.objects.values_list("pk", flat=True):
        persona_recount(persona_id)
