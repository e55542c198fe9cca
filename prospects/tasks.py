from __future__ import annotations

from celery import shared_task

from prospects import imports, services


@shared_task(name="prospects.import_run", ignore_result=True)
def prospect_import_run(import_id: int) -> None:
    imports.import_run(import_id)


@shared_task(name="prospects.import_preview", ignore_result=True)
def prospect_import_preview(import_id: int) -> None:
    imports.preview_run(import_id)


@shared_task(name="prospects.deleted_purge", ignore_result=True)
def deleted_purge() -> None:
    """People deleted longer ago than the undo window go for good (beat, every minute)."""
    services.deleted_purge()
