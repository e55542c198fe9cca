from __future__ import annotations

from celery import shared_task

from prospects import imports


@shared_task(name="prospects.import_run", ignore_result=True)
def prospect_import_run(import_id: int) -> None:
    imports.import_run(import_id)
