from __future__ import annotations

from celery import shared_task

from prospects import imports


@shared_task(name="prospects.import_run", ignore_result=True)
def prospect_import_run(import_id: int) -> None:
    imports.import_run(import_id)


@shared_task(name="prospects.import_preview", ignore_result=True)
def prospect_import_preview(import_id: int) -> None:
    imports.preview_run(import_id)
