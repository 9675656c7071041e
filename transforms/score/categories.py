"""Rule-based call topics (billing, cancellation, complaint …) from a per-tenant taxonomy.

A taxonomy file ``config/taxonomies/<tenant>.yaml`` (else ``default.yaml``) lists categories with
phrasings per language; a call gets every category with at least ``min_hits`` matching segments
(same normalisation and fuzzy threshold as scoring, see ``transforms.score.matching``). Rules, not a
model: a reviewer can see the quote that put a call in a category. Topics describe the call, not the
agent: nothing here infers anyone's emotion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from transforms.core.scorecards import MATCH_THRESHOLD, SPEAKERS, ScorecardError, phrasings_for
from transforms.core.transcript import Segment
from transforms.core.yaml_files import read_yaml
from transforms.score.matching import best_phrase, speaker_ok
from transforms.score.scoring import quote


class TaxonomyError(ScorecardError):
    """A taxonomy file that cannot be used; the message names file and field."""


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    phrases: dict[str, tuple[str, ...]]
    speaker: str = "any"
    min_hits: int = 1


@dataclass(frozen=True)
class Taxonomy:
    id: str
    version: str
    match_threshold: float
    categories: tuple[Category, ...]


def load_taxonomy(folder: str | Path, tenant_id: str) -> Taxonomy:
    """The tenant's taxonomy (``<tenant>.yaml``), else ``default.yaml``."""
    base = Path(folder)
    path = base / f"{tenant_id}.yaml"
    if not path.exists():
        path = base / "default.yaml"
    raw = read_yaml(path)
    where = str(path)
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where}: the file must be a YAML mapping")
    for name in ("id", "version", "categories"):
        if name not in raw:
            raise TaxonomyError(f"{where}: {name}: missing required field")
    cats = []
    for i, c in enumerate(raw["categories"] or []):
        at = f"{where}: categories[{i}]"
        if not isinstance(c, dict) or not {"id", "name", "phrases"} <= set(c):
            raise TaxonomyError(f"{at}: needs id, name and phrases")
        phrases = c["phrases"]
        if not isinstance(phrases, dict) or not all(
            isinstance(v, list) and v and all(isinstance(p, str) for p in v)
            for v in phrases.values()
        ):
            raise TaxonomyError(f"{at}.phrases: needs a non-empty list of phrasings per language")
        speaker = c.get("speaker", "any")
        if speaker not in SPEAKERS:
            raise TaxonomyError(f"{at}.speaker: must be one of {SPEAKERS}")
        cats.append(
            Category(
                id=str(c["id"]),
                name=str(c["name"]),
                phrases={k: tuple(v) for k, v in phrases.items()},
                speaker=speaker,
                min_hits=int(c.get("min_hits", 1)),
            )
        )
    if not cats:
        raise TaxonomyError(f"{where}: categories: needs at least one category")
    return Taxonomy(
        id=str(raw["id"]),
        version=str(raw["version"]),
        match_threshold=float(raw.get("match_threshold", MATCH_THRESHOLD)),
        categories=tuple(cats),
    )


def categorise(
    taxonomy: Taxonomy, segments: Sequence[Segment], language: str | None
) -> list[tuple[Category, int, Segment, float]]:
    """(category, hits, first matching segment, its similarity) for every category the call has."""
    found = []
    for cat in taxonomy.categories:
        phrasings = phrasings_for(cat.phrases, language)
        hits: list[tuple[Segment, float]] = []
        for seg in sorted(segments, key=lambda s: s.start_s):
            if not speaker_ok(cat.speaker, seg.speaker):
                continue
            _, sim = best_phrase(phrasings, seg.text, language)
            if sim >= taxonomy.match_threshold:
                hits.append((seg, sim))
        if len(hits) >= cat.min_hits:
            found.append((cat, len(hits), hits[0][0], hits[0][1]))
    return found


def category_rows(
    key: dict[str, Any],
    taxonomy: Taxonomy,
    segments: Sequence[Segment],
    language: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """silver.call_categories rows of one call (``key``: call_uid, tenant_id, model_id)."""
    return [
        {
            **key,
            "taxonomy_id": taxonomy.id,
            "taxonomy_version": taxonomy.version,
            "category_id": cat.id,
            "category_name": cat.name,
            "hits": hits,
            "evidence_quote": quote(seg),
            "evidence_start_s": seg.start_s,
            "evidence_speaker": seg.speaker,
            "match_score": round(sim, 1),
            "categorised_at": now,
        }
        for cat, hits, seg, sim in categorise(taxonomy, segments, language)
    ]
