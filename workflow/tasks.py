"""Scheduled work: the 48-hour return deadline (notice 四(三)) and its reminder."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from workflow.services import return_deadlines_process


# Every five minutes: a dossier is abandoned at most five minutes after its deadline, and a resubmission
# arriving in that gap is still refused by the engine, which checks the deadline itself.
@db_periodic_task(crontab(minute="*/5"))
def return_deadlines_enforce() -> dict[str, list[int]]:
    return return_deadlines_process()
