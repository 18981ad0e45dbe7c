"""What a gate decided: one CheckResult per configured check, in a ``gate`` result document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from edgekit.errors import EXIT_CHECK_FAILED, EXIT_OK
from edgekit.files.json_fields import Fields, items
from edgekit.results.document import ResultDocument

__all__ = ["CHECK_VERDICTS", "CheckResult", "GateResult"]

#: ``skip``: the check could not apply here and was allowed not to (an optional tool is missing,
#: an absolute budget for another device class).
CHECK_VERDICTS = ("pass", "warn", "fail", "skip")


@dataclass(frozen=True)
class CheckResult:
    """One check of one model: its verdict, the verdict line, and the evidence behind it."""

    model: str
    check: str
    kind: str
    verdict: str
    #: One line saying what was decided and why (JUnit's failure message, pytest's failure text).
    line: str
    #: A short summary of the evidence for the one-glance table ("ratio 1.31 [1.25, 1.38], 12 rounds").
    summary: str = ""
    #: The numbers behind the verdict (ratio, interval, rounds, deciding metric, sizes).
    evidence: dict[str, Any] = field(default_factory=dict)
    #: True for absolute latency budgets: a figure from one machine, not a same-job comparison.
    noisy: bool = False
    #: What makes the verdict less trustworthy than usual (a crowded machine during a timing).
    warnings: tuple[str, ...] = ()
    #: Wall time the check took (JUnit's ``time``).
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.verdict not in CHECK_VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {', '.join(CHECK_VERDICTS)}")

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "check": self.check,
            "kind": self.kind,
            "verdict": self.verdict,
            "line": self.line,
            "summary": self.summary,
            "evidence": self.evidence,
            "noisy": self.noisy,
            "warnings": list(self.warnings),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            data["model"],
            data["check"],
            data["kind"],
            data["verdict"],
            data["line"],
            data.get("summary", ""),
            dict(data.get("evidence", {})),
            bool(data.get("noisy", False)),
            tuple(str(w) for w in data.get("warnings", ())),
            float(data.get("seconds", 0.0)),
        )


@dataclass(kw_only=True)
class GateResult(ResultDocument):
    """Everything one ``gate`` decided; what ``--json`` writes and the reports render."""

    KIND: ClassVar[str] = "gate"
    FIELDS: ClassVar[Fields] = {
        "config": "string",
        "verdict": "string?",
        "models": "object?",
        "warnings": "array<string>?",
        "checks": items(
            {
                "model": "string",
                "check": "string",
                "kind": "string",
                "verdict": "string",
                "line": "string",
                "summary": "string?",
                "evidence": "object?",
                "noisy": "boolean?",
            }
        ),
    }

    config: str
    checks: list[CheckResult]
    #: Models the gate covered, by name: model path, baseline as configured.
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: The commit the gate ran on (id, branch, dirty, times), as pytest-benchmark records it.
    commit: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Wall time of all checks together."""
        return sum(check.seconds for check in self.checks)

    @property
    def verdict(self) -> str:
        """fail when any check failed, warn when any warned, else pass."""
        verdicts = {check.verdict for check in self.checks}
        return "fail" if "fail" in verdicts else "warn" if "warn" in verdicts else "pass"

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if check.failed]

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, 1 when a check failed."""
        return EXIT_CHECK_FAILED if self.failed_checks else EXIT_OK

    def body(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "verdict": self.verdict,
            "models": self.models,
            "warnings": list(self.warnings),
            "commit": dict(self.commit),
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_body(cls, document: dict[str, Any], arrays: dict[str, np.ndarray]) -> GateResult:
        return cls(
            config=document["config"],
            checks=[CheckResult.from_dict(check) for check in document["checks"]],
            models=dict(document.get("models", {})),
            warnings=list(document.get("warnings", [])),
            commit=dict(document.get("commit", {})),
            **cls.header_fields(document),
        )
