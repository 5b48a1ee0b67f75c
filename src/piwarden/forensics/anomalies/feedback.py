"""Analyst feedback on alerts: confirm or dismiss, stored in a small JSON file.

An analyst who dismisses "escalation agent cs-0042 looks customers up by phone" should not
see that reason for that agent again at the same weight, and one who confirms an insider
wants that actor's later signals to count more. Feedback is per actor (``*`` for every
actor) and optionally per reason code (a feature name such as ``keyed_no_ticket`` or a rule
such as ``rule.ticket_reuse``; omitted for every reason). Scoring multiplies each
contribution by the product of the matching factors:

- dismiss, one actor: x0.2 (per entry), every actor: x0.5;
- confirm, one actor: x2, every actor: x1.5.

The file holds actor ids and reason codes only, never PI.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piwarden.inputs import InputError, read_text

VERDICTS = ("confirm", "dismiss")
FACTORS = {("dismiss", False): 0.2, ("dismiss", True): 0.5, ("confirm", False): 2.0, ("confirm", True): 1.5}
MIN_FACTOR, MAX_FACTOR = 0.01, 8.0


class FeedbackError(ValueError):
    """A feedback file or entry that cannot be used."""


@dataclass
class Feedback:
    """Feedback entries and the weight they give each (actor, reason code)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    _cache: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path | str | None) -> Feedback:
        if path is None or not Path(path).exists():
            return cls()
        try:
            data = json.loads(read_text(path))  # the input layer: UTF-8 (BOM or not), GB18030, UTF-16
        except InputError as exc:
            raise FeedbackError(str(exc)) from None
        except ValueError:
            raise FeedbackError(f"{path}: not a feedback file (not valid JSON)") from None
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise FeedbackError(f"{path}: expected an object with an 'entries' list")
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or e.get("verdict") not in VERDICTS or not isinstance(e.get("actor"), str):
                raise FeedbackError(f"{path}: entry {i} needs 'actor' and 'verdict' (confirm or dismiss)")
        return cls(entries)

    def add(self, actor: str, verdict: str, reason: str | None = None, note: str | None = None) -> dict[str, Any]:
        if verdict not in VERDICTS:
            raise FeedbackError(f"verdict must be one of {', '.join(VERDICTS)}")
        entry: dict[str, Any] = {"actor": actor, "verdict": verdict, "reason": reason,
                                 "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        if note:
            entry["note"] = note
        self.entries.append(entry)
        self._cache.clear()
        return entry

    def save(self, path: Path | str) -> None:
        p = Path(path)
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_text(json.dumps({"v": 1, "entries": self.entries}, ensure_ascii=False, indent=1) + "\n", "utf-8")
        tmp.replace(p)

    def weight(self, actor: str, code: str) -> float:
        """The factor for one contribution: 1.0 without matching feedback."""
        key = (actor, code)
        w = self._cache.get(key)
        if w is None:
            w = 1.0
            for e in self.entries:
                if e["actor"] not in (actor, "*") or e.get("reason") not in (None, code):
                    continue
                w *= FACTORS[(e["verdict"], e["actor"] == "*")]
            w = self._cache[key] = min(max(w, MIN_FACTOR), MAX_FACTOR)
        return w

    def __bool__(self) -> bool:
        return bool(self.entries)
