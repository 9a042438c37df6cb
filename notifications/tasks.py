"""Celery tasks for the outbox. Tasks take ids, never ORM objects."""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable

from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

from core.db import utcnow
from core.extensions import db
from notifications.delivery import deliver_message, due_message_ids
from notifications.notifiers import notifiers_for

log = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver(message_id: int) -> str:
    return deliver_message(db.session, message_id, None, current_app.config, notifiers_for(current_app.config))


@shared_task(name="notifications.deliver_many", ignore_result=True)
def deliver_many(message_ids: list[int]) -> int:
    """The messages several requests committed at about the same moment (see dispatch)."""
    notifiers = notifiers_for(current_app.config)
    return sum(deliver_message(db.session, message_id, None, current_app.config, notifiers) == "sent"
               for message_id in message_ids)


@shared_task(name="notifications.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    return relay(db.session)


def relay(session: Session) -> int:
    """Deliver every due message; the periodic safety net behind the after-commit fast path."""
    notifiers = notifiers_for(current_app.config)
    sent = 0
    for message_id in due_message_ids(session, utcnow()):
        sent += deliver_message(session, message_id, None, current_app.config, notifiers) == "sent"
    return sent


def dispatch(message_ids: Iterable[int]) -> None:
    """Called after a commit. Eager mode delivers now; otherwise the broker gets a task per message.

    A broker outage is logged and otherwise ignored: the rows are safe in the database and
    the relay delivers them when it next runs.
    """
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        # The committing session cannot run SQL inside its own after_commit hook.
        try:
            with Session(db.engine) as session:
                notifiers = notifiers_for(current_app.config)
                for message_id in message_ids:
                    deliver_message(session, message_id, None, current_app.config, notifiers)
        except Exception:  # noqa: BLE001 - the change is committed; the relay retries delivery
            log.exception("immediate delivery failed; the relay will retry")
        return
    task = celery.tasks["notifications.deliver_many"]  # this app's Celery, not whichever is current
    # Off the request's critical path: a slow, paused or stopped broker never delays or fails an answer
    # whose transaction has committed. Anything not published here is picked up by the relay.
    _publisher.put(task, list(message_ids))


class _Publisher:
    """One thread per process publishes what the requests committed: whatever has gathered within LINGER
    seconds of the first goes as one task, so under load one publish (the costly part: kombu, a Redis round
    trip, a fifth of a web worker's CPU when done per request) serves many requests, and when the broker
    stalls the requests do not wait for it. A mail leaves at most LINGER later than it would have."""

    LINGER = 0.1
    BATCH = 20  # messages per task: a worker sends them one after another, others take the next task

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[tuple[object, list[int]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def put(self, task: object, message_ids: list[int]) -> None:
        self._waiting.put((task, message_ids))
        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            with self._lock:  # a forked web worker starts its own thread
                if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                    self._pid = os.getpid()
                    self._thread = threading.Thread(target=self._run, name="outbox-publish", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._waiting.get()
            time.sleep(self.LINGER)
            self._publish(self._gathered([first]))

    def _gathered(self, items: list[tuple[object, list[int]]]) -> dict[object, list[int]]:
        """`items` and whatever else is waiting, as the ids per task."""
        while True:
            try:
                items.append(self._waiting.get_nowait())
            except queue.Empty:
                break
        batches: dict[object, list[int]] = {}
        for task, ids in items:
            batches.setdefault(task, []).extend(ids)
        return batches

    def _publish(self, batches: dict[object, list[int]]) -> None:
        for task, ids in batches.items():
            for start in range(0, len(ids), self.BATCH):
                chunk = ids[start:start + self.BATCH]
                try:
                    task.apply_async((chunk,), retry=False)  # type: ignore[attr-defined]
                except Exception as exc:  # noqa: BLE001 - broker down: the relay catches up
                    log.warning("broker unavailable, outbox %s waits for the relay: %s", chunk, exc)

    def flush(self) -> None:
        """At exit (a worker restarted by gunicorn): publish what is still waiting rather than leave it to the
        relay's next round."""
        self._publish(self._gathered([]))


_publisher = _Publisher()
atexit.register(_publisher.flush)
