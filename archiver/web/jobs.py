"""What the web UI's "Add pages" form queued, per server: batches of jobs (the worker's
`JobRecord`s, which the worker updates as they run) and the lines it refused, with why.

Kept in memory (the newest `KEEP` batches) until the server stops, like the worker's jobs.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from archiver.worker import JobRecord

KEEP = 50
PENDING = ("queued", "running")


@dataclass
class RefusedLine:
    line: str
    reason: str


@dataclass
class Batch:
    """One submission of the form (or one Retry)."""

    id: str
    jobs: list[JobRecord] = field(default_factory=list)
    refused: list[RefusedLine] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return any(job.status in PENDING for job in self.jobs)


class WebJobs:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._batches: OrderedDict[str, Batch] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, jobs: list[JobRecord], refused: list[RefusedLine]) -> Batch:
        batch = Batch(uuid.uuid4().hex[:16], list(jobs), list(refused))
        with self._lock:
            self._batches[batch.id] = batch
            while len(self._batches) > self.keep:
                self._batches.popitem(last=False)
        return batch

    def get(self, batch_id: str) -> Batch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def pending(self, besides: Batch | None = None) -> list[JobRecord]:
        """Jobs still queued or running, oldest first (but those of `besides`)."""
        with self._lock:
            batches = list(self._batches.values())
        return [job for batch in batches if batch is not besides for job in batch.jobs
                if job.status in PENDING]
