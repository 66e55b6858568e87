"""Ingest jobs of the API: run in a background thread of the worker that took them, tracked in api.db."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from api.state import ApiState, Job
from deflectkit.core.errors import DeflectError

log = logging.getLogger(__name__)
_PROGRESS_EVERY_S = 0.5  # progress rows are writes: at most two a second per job


class JobRunner:
    def __init__(self, services, state: ApiState, metrics=None):
        self.services = services
        self.state = state
        self.metrics = metrics
        self._threads: list[threading.Thread] = []

    def start_ingest(self, paths: list[Path], actor: str) -> Job:
        job = self.state.create_job("ingest", actor)
        t = threading.Thread(target=self._run_ingest, args=(job.id, paths, actor), name=f"ingest-{job.id}", daemon=True)
        self._threads.append(t)
        t.start()
        return job

    def _run_ingest(self, job_id: str, paths: list[Path], actor: str) -> None:
        started = time.monotonic()
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_EVERY_S or (total and done >= total):
                last[0] = now
                self.state.update_job(job_id, progress={"stage": stage, "done": done, "total": total})

        self.state.update_job(job_id, status="running")
        status = "failed"
        try:
            report = self.services.ingest(paths, progress=progress, actor=actor)
            status = "succeeded"
            self.state.update_job(job_id, status=status, report=report.model_dump(mode="json"))
        except DeflectError as e:
            self.state.update_job(job_id, status=status, error=str(e))
        except Exception as e:  # noqa: BLE001 - the job records it; the worker stays up
            log.exception("ingest job failed", extra={"job_id": job_id})
            self.state.update_job(job_id, status=status, error=f"{type(e).__name__}: the ingest failed; "
                                  "see the server log for this job id.")
        finally:
            if self.metrics is not None:
                self.metrics.ingest.labels(status).observe(time.monotonic() - started)

    def join(self, timeout: float | None = None) -> None:
        for t in self._threads:
            t.join(timeout)
