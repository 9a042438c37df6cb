"""An in-process scheduler for the embedded default (`make run`): without a broker there is no Celery beat, so
the `flask run` process runs the beat schedule's tasks itself, each on its interval, in one daemon thread.

Started only when FEEDBACK_IN_PROCESS_SCHEDULER=1 (set by the Makefile's `run` target) and REDIS_URL is unset;
never in tests (they start one with their own intervals) nor in production (Celery beat runs the same schedule).
The tasks are the beat's own (eager in this mode) and take the same locks, so an overlapping run does nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from datetime import timedelta

from flask import Flask

log = logging.getLogger(__name__)

ENV_FLAG = "FEEDBACK_IN_PROCESS_SCHEDULER"


class InProcessScheduler:
    """Runs each task of `schedule` ({name: {"task": celery task name, "schedule": timedelta}}) once at start and
    then every interval, until stopped. A failing task is logged and tried again at its next turn."""

    def __init__(self, app: Flask, schedule: Mapping[str, Mapping], tick: float = 1.0) -> None:
        self.app, self.tick = app, tick
        self.jobs = {name: (entry["task"], _seconds(entry["schedule"])) for name, entry in schedule.items()}
        self.runs: dict[str, int] = dict.fromkeys(self.jobs, 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> InProcessScheduler:
        self._thread = threading.Thread(target=self._loop, name="in-process-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        next_run = dict.fromkeys(self.jobs, time.monotonic())
        while not self._stop.is_set():
            now = time.monotonic()
            for name, (task, interval) in self.jobs.items():
                if now >= next_run[name] and not self._stop.is_set():
                    self.run(name, task)
                    next_run[name] = time.monotonic() + interval
            self._stop.wait(self.tick)

    def run(self, name: str, task: str) -> None:
        celery = self.app.extensions["celery"]
        try:
            with self.app.app_context():
                celery.tasks[task].apply(throw=True)
        except Exception:  # noqa: BLE001 - a failed turn must not end the scheduler
            log.exception("scheduled task %s (%s) failed", name, task)
        finally:
            self.runs[name] += 1


def _seconds(schedule: object) -> float:
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    raise TypeError(f"the in-process scheduler runs intervals only, not {schedule!r}")


def maybe_start(app: Flask) -> InProcessScheduler | None:
    """Start the scheduler in this process when the embedded `make run` asks for it (see the module's note)."""
    if os.environ.get(ENV_FLAG) != "1" or app.config.get("REDIS_URL") or app.config.get("TESTING"):
        return None
    scheduler = InProcessScheduler(app, app.extensions["celery"].conf.beat_schedule).start()
    app.extensions["in_process_scheduler"] = scheduler
    log.info("in-process scheduler started: %s", ", ".join(scheduler.jobs))
    return scheduler
