"""What a batch came to: counts a CLI sums and a Celery task returns as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Rejection:
    """One product that was not indexed, and why. ``position`` is its line or batch index."""

    position: int | None
    id: str | None
    reason: str


@dataclass
class BatchResult:
    received: int = 0
    indexed: int = 0
    unchanged: int = 0  # same content as the indexed copy: nothing translated or embedded
    stale: int = 0  # an older version than the indexed one: ignored on purpose
    deleted: int = 0
    embedded: int = 0  # texts that went through the encoder (cache misses)
    rejected: list[Rejection] = field(default_factory=list)
    failed: list[Rejection] = field(default_factory=list)  # the cluster refused; dead-lettered

    def merge(self, other: BatchResult) -> BatchResult:
        for name in ("received", "indexed", "unchanged", "stale", "deleted", "embedded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected)
        self.failed.extend(other.failed)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> BatchResult:
        return cls(**{**data, "rejected": [Rejection(**r) for r in data.get("rejected", [])],
                      "failed": [Rejection(**r) for r in data.get("failed", [])]})
