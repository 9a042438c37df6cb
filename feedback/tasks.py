from __future__ import annotations

import logging

from celery import shared_task

from core.extensions import db
from feedback.services import purge_unverified

log = logging.getLogger(__name__)


@shared_task(name="feedback.purge_unverified", ignore_result=True)
def purge_unverified_task() -> int:
    count = purge_unverified()
    db.session.commit()
    if count:
        log.info("purged %d unverified submission(s)", count)
    return count


@shared_task(name="feedback.erase_expired_identities", ignore_result=True)
def erase_expired_identities_task() -> int:
    from core.clock import today
    from feedback.retention import erase_identities

    numbers = erase_identities(today())
    db.session.commit()
    if numbers:
        log.info("erased the identity of %d case(s) past retention", len(numbers))
    return len(numbers)
