"""A detected piece of personal information: where it is, what it is, how sure we are."""

from __future__ import annotations

from dataclasses import dataclass

from piwarden import entities
from piwarden.detect.address import address_grade
from piwarden.entities import EntityType, Grade


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` holds a value of ``type`` (code-point offsets, end exclusive)."""

    start: int
    end: int
    type: str
    score: float
    recognizer: str = ""
    # how the value was disguised (full-width, Chinese numerals, ...: ``detect/evasion.py``), and
    # the value as the recognizers read it; empty and None for a value written plainly
    evasion: tuple[str, ...] = ()
    normalized: str | None = None

    @property
    def entity(self) -> EntityType:
        return entities.get(self.type)

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def grade(self, text: str | None = None) -> Grade:
        """The span's grade: its type's, except an ADDRESS of divisions alone (浙江省杭州市), L1.

        ``text`` is the text the span was found in; without it the type's grade.
        """
        if self.type == "ADDRESS" and text is not None:
            return address_grade(text[self.start : self.end])
        return self.entity.grade

    def to_dict(self, text: str | None = None, *, classify: bool = False, source: str | None = None,
                ) -> dict[str, object]:
        """The detection spec's JSON form; ``text`` adds the value, ``classify`` the grading.

        ``source``: the text the span was found in, for grading by value (an ADDRESS) when the
        value itself is not shown; ``text`` serves when given.
        """
        out: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "type": self.type,
            "score": round(self.score, 4),
        }
        if self.evasion:
            out["evasion"] = list(self.evasion)
        if classify:
            e = self.entity
            out.update(category=e.category.value, sensitive=e.sensitive, grade=f"L{int(self.grade(text or source))}")
        if text is not None:
            out["value"] = text[self.start : self.end]
            if self.normalized is not None:
                out["normalized"] = self.normalized
        return out
