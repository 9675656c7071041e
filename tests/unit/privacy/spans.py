"""What the redaction finds in a sentence, as the rule tests read it (shared by the recall rounds'
test modules)."""

from __future__ import annotations

from transforms.privacy.pii import find_pii


def spans(text: str, language: str) -> list[tuple[str, str]]:
    """Each predicted span's words (lower case) and entity."""
    return [(text[s.start : s.end].lower(), s.entity) for s in find_pii(text, language)]


def names(text: str, language: str) -> list[str]:
    """The words of each predicted name, lower case."""
    return [t for t, e in spans(text, language) if e == "NAME"]


def covered(text: str, language: str, part: str, entity: str | None = None) -> bool:
    """``part`` lies inside a predicted span (of ``entity`` when given)."""
    at = text.lower().index(part.lower())
    return any(
        s.start <= at and at + len(part) <= s.end and (entity is None or s.entity == entity)
        for s in find_pii(text, language)
    )
