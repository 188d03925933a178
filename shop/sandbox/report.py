"""The conformance report of a sandbox run: each step, pass or fail, why, and how long."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field


class StepFailed(Exception):
    """A step found something a real buyer would not accept; the message says what."""


@dataclass
class Step:
    name: str
    passed: bool
    detail: str
    ms: int


@dataclass
class Report:
    """Every step of one journey, in order."""

    profile: str
    shop_url: str
    steps: list[Step] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.passed for step in self.steps)

    def step_named(self, name: str) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    def as_dict(self) -> dict[str, object]:
        return {"profile": self.profile, "shop_url": self.shop_url, "passed": self.passed,
                "steps": [asdict(step) for step in self.steps]}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        width = max((len(step.name) for step in self.steps), default=10)
        lines = [f"Sandbox run: profile {self.profile} against {self.shop_url}"]
        for step in self.steps:
            mark = "PASS" if step.passed else "FAIL"
            detail = step.detail.replace("\n", "\n" + " " * (width + 17))
            lines.append(f"  {mark}  {step.name:<{width}}  {step.ms:>6} ms  {detail}")
        failed = sum(not step.passed for step in self.steps)
        verdict = "PASSED" if self.passed else f"FAILED ({failed} of {len(self.steps)} steps)"
        lines.append(f"Result: {verdict}")
        return "\n".join(lines)

    @contextmanager
    def step(self, name: str) -> Iterator[Callable[[str], None]]:
        """Time a step; the body calls ``done(detail)``; StepFailed or any error fails it.

        Errors other than StepFailed are recorded with their type and re-raised as
        StepFailed, so that the caller can stop the journey at the first broken step.
        """
        started = time.monotonic()
        details: list[str] = []

        def done(detail: str) -> None:
            details.append(detail)

        try:
            yield done
        except StepFailed as failure:
            self._add(name, False, str(failure), started)
            raise
        except Exception as error:  # a bug or an unexpected answer: report it, never crash
            self._add(name, False, f"{type(error).__name__}: {error}", started)
            raise StepFailed(str(error)) from error
        self._add(name, True, "; ".join(details) or "ok", started)

    def _add(self, name: str, passed: bool, detail: str, started: float) -> None:
        ms = int((time.monotonic() - started) * 1000)
        self.steps.append(Step(name, passed, detail, ms))

    def fail(self, name: str, detail: str) -> None:
        """Record a failed step without running it (e.g. a check that found problems)."""
        self.steps.append(Step(name, False, detail, 0))
