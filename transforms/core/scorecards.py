"""Scorecards: the versioned YAML schema, its validation, and which card scores which call.

A scorecard file holds one version of one scorecard (``<id>-v<version>.yaml``). A change of wording,
weight or rule is a new file with a new ``version``: scores are keyed by (call, scorecard id,
version, transcript model), so old scores stay and two versions can be compared call by call.
Every validation error is a ``ScorecardError`` naming the file and the field path, e.g.
``standard-v2.yaml: sections[0].criteria[2].weight: must be a positive number``.

``_assignments.yaml`` in the same folder says which scorecard scores a tenant's calls (per
campaign, else the tenant default, else the tenant registry's ``scorecard``) and which version
of each scorecard is *active*: the one KPIs use and new calls are scored with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from transforms.core.yaml_files import read_yaml

#: The similarity (0-100) a phrasing must reach to count as said; a scorecard may override it
#: (the reasons for 85: ``transforms.score.matching``).
MATCH_THRESHOLD = 85.0
CRITERION_KINDS = ("phrase_said", "phrase_not_said", "metric_threshold", "event_order")
PHRASE_KINDS = ("phrase_said", "phrase_not_said")
SPEAKERS = ("agent", "customer", "any")
#: Metrics a ``metric_threshold`` criterion may test (columns of silver.call_metrics).
METRICS = (
    "agent_talk_share",
    "customer_talk_share",
    "silence_share",
    "longest_silence_s",
    "dead_air_count",
    "dead_air_s",
    "overtalk_count",
    "overtalk_s",
    "agent_interruptions",
    "agent_words_per_minute",
    "time_to_first_agent_word_s",
    "long_hold_count",
    "long_hold_s",
)
NA_CONDITIONS = ("duration_below_s", "campaign_in", "campaign_not_in", "phrase_said")
#: Default: evidence transcribed with confidence below this goes to a person (exp of Whisper's
#: mean token log-probability; espeak test speech sits at 0.55-0.9, garbled audio below 0.4).
REVIEW_BELOW_CONFIDENCE = 0.45
ASSIGNMENTS_FILE = "_assignments.yaml"
_TOP_FIELDS = {
    "id",
    "version",
    "name",
    "description",
    "pass_threshold",
    "match_threshold",
    "review_below_confidence",
    "sections",
}
_CRITERION_FIELDS = {
    "id",
    "name",
    "kind",
    "speaker",
    "weight",
    "critical",
    "window",
    "phrases",
    "metric",
    "min",
    "max",
    "order",
    "na_when",
    "description",
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LANG = re.compile(r"^[a-z]{2,3}$")


class ScorecardError(ValueError):
    """A scorecard or assignment file that cannot be used; the message names file and field."""


@dataclass(frozen=True)
class PhraseCondition:
    """Some phrasing said (by ``speaker``) anywhere in the call."""

    speaker: str
    phrases: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class NotApplicable:
    """When a criterion does not apply to a call (it then counts neither for nor against)."""

    duration_below_s: float | None = None
    campaign_in: tuple[str, ...] = ()
    campaign_not_in: tuple[str, ...] = ()
    phrase_said: PhraseCondition | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    kind: str
    weight: float
    section_id: str
    speaker: str = "agent"
    critical: bool = False
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    first_s: float | None = None
    last_s: float | None = None
    metric: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    order: tuple[str, ...] = ()
    na_when: NotApplicable | None = None

    def phrasings(self, language: str | None) -> list[tuple[str, str]]:
        """(phrasing, language) pairs: the call's language if the card has it, else all."""
        return phrasings_for(self.phrases, language)


@dataclass(frozen=True)
class Section:
    id: str
    name: str


@dataclass(frozen=True)
class Scorecard:
    id: str
    version: str
    name: str
    pass_threshold: float
    match_threshold: float
    review_below_confidence: float
    sections: tuple[Section, ...]
    criteria: tuple[Criterion, ...]
    description: str = ""

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


def phrasings_for(
    phrases: Mapping[str, Sequence[str]], language: str | None
) -> list[tuple[str, str]]:
    """(phrasing, language) pairs: the call's language if it has phrasings, else every language
    (a call in an unexpected language is still matched rather than scored as silence)."""
    langs = [language] if language in phrases else list(phrases)
    return [(p, lang) for lang in langs for p in phrases[lang]]


# ------------------------------------------------------------------------- validation


def _fail(where: str, message: str) -> ScorecardError:
    return ScorecardError(f"{where}: {message}")


def _get(entry: dict[str, Any], name: str, where: str, kind: Any, *, required: bool = True) -> Any:
    if name not in entry or entry[name] is None:
        if required:
            raise _fail(f"{where}.{name}" if where else name, "missing required field")
        return None
    value = entry[name]
    # bool is an int in Python: a weight of `true` is a mistake, not 1.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise _fail(
            f"{where}.{name}" if where else name,
            f"wrong type {type(value).__name__}, expected {_type_names(kind)}",
        )
    return value


def _as_tuple(kind: Any) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _type_names(kind: Any) -> str:
    return " or ".join(k.__name__ for k in _as_tuple(kind))


def _unknown_fields(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(f"{where}.{unknown[0]}" if where else unknown[0], "unknown field (a typo?)")


def _number(entry: dict[str, Any], name: str, where: str, lo: float, hi: float) -> float | None:
    value = _get(entry, name, where, (int, float), required=False)
    if value is not None and not lo <= value <= hi:
        raise _fail(f"{where}.{name}" if where else name, f"must be between {lo:g} and {hi:g}")
    return None if value is None else float(value)


def _phrases(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, "needs a mapping of language code to a non-empty list of phrasings")
    out = {}
    for lang, phrasings in raw.items():
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise _fail(f"{where}.{lang}", "language must be an ISO 639 code such as 'fr'")
        if not isinstance(phrasings, list) or not phrasings:
            raise _fail(f"{where}.{lang}", "needs a non-empty list of phrasings")
        if not all(isinstance(p, str) and p.strip() for p in phrasings):
            raise _fail(f"{where}.{lang}", "every phrasing must be a non-empty string")
        out[lang] = tuple(phrasings)
    return out


def _na_when(raw: Any, where: str) -> NotApplicable | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, f"must be a mapping with one or more of {NA_CONDITIONS}")
    _unknown_fields(raw, set(NA_CONDITIONS), where)
    below = _get(raw, "duration_below_s", where, (int, float), required=False)
    if below is not None and below <= 0:
        raise _fail(f"{where}.duration_below_s", "must be a positive number of seconds")
    lists = {}
    for name in ("campaign_in", "campaign_not_in"):
        value = _get(raw, name, where, list, required=False) or []
        if not all(isinstance(v, str) for v in value):
            raise _fail(f"{where}.{name}", "must be a list of campaign names")
        lists[name] = tuple(value)
    phrase = None
    if "phrase_said" in raw:
        cond = _get(raw, "phrase_said", where, dict)
        at = f"{where}.phrase_said"
        _unknown_fields(cond, {"speaker", "phrases"}, at)
        speaker = cond.get("speaker", "any")
        if speaker not in SPEAKERS:
            raise _fail(f"{at}.speaker", f"must be one of {SPEAKERS}")
        phrase = PhraseCondition(speaker, _phrases(cond.get("phrases"), f"{at}.phrases"))
    return NotApplicable(
        duration_below_s=None if below is None else float(below),
        campaign_in=lists["campaign_in"],
        campaign_not_in=lists["campaign_not_in"],
        phrase_said=phrase,
    )


def _criterion(entry: Any, where: str, section_id: str) -> Criterion:
    if not isinstance(entry, dict):
        raise _fail(where, "must be a mapping")
    _unknown_fields(entry, _CRITERION_FIELDS, where)
    cid = _get(entry, "id", where, str)
    if not _ID.match(cid):
        raise _fail(f"{where}.id", "must be lower_snake_case")
    kind = _get(entry, "kind", where, str)
    if kind not in CRITERION_KINDS:
        raise _fail(f"{where}.kind", f"must be one of {CRITERION_KINDS}")
    speaker = _get(entry, "speaker", where, str, required=False) or "agent"
    if speaker not in SPEAKERS:
        raise _fail(f"{where}.speaker", f"must be one of {SPEAKERS}")
    weight = _get(entry, "weight", where, (int, float))
    if weight <= 0:
        raise _fail(f"{where}.weight", "must be a positive number")
    critical = _get(entry, "critical", where, bool, required=False) or False
    window = _get(entry, "window", where, dict, required=False) or {}
    _unknown_fields(window, {"first_s", "last_s"}, f"{where}.window")
    if len(window) > 1:
        raise _fail(f"{where}.window", "give first_s or last_s, not both")
    for name, value in window.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise _fail(f"{where}.window.{name}", "must be a positive number of seconds")
    phrases: dict[str, tuple[str, ...]] = {}
    metric = min_value = max_value = None
    order: tuple[str, ...] = ()
    if kind in PHRASE_KINDS:
        phrases = _phrases(entry.get("phrases"), f"{where}.phrases")
    elif kind == "metric_threshold":
        metric = _get(entry, "metric", where, str)
        if metric not in METRICS:
            raise _fail(f"{where}.metric", f"unknown metric; one of {METRICS}")
        min_value = _number(entry, "min", where, float("-inf"), float("inf"))
        max_value = _number(entry, "max", where, float("-inf"), float("inf"))
        if min_value is None and max_value is None:
            raise _fail(where, "a metric_threshold needs 'min' or 'max'")
    else:
        raw_order = _get(entry, "order", where, list)
        if len(raw_order) < 2 or not all(isinstance(o, str) for o in raw_order):
            raise _fail(f"{where}.order", "needs two or more criterion ids")
        order = tuple(raw_order)
    stray = [n for n in ("phrases", "metric", "min", "max", "order") if n in entry]
    allowed = {
        "phrase_said": {"phrases"},
        "phrase_not_said": {"phrases"},
        "metric_threshold": {"metric", "min", "max"},
        "event_order": {"order"},
    }[kind]
    for name in stray:
        if name not in allowed:
            raise _fail(f"{where}.{name}", f"does not apply to kind {kind!r}")
    return Criterion(
        id=cid,
        name=_get(entry, "name", where, str),
        kind=kind,
        weight=float(weight),
        section_id=section_id,
        speaker=speaker,
        critical=critical,
        phrases=phrases,
        first_s=window.get("first_s"),
        last_s=window.get("last_s"),
        metric=metric,
        min_value=min_value,
        max_value=max_value,
        order=order,
        na_when=_na_when(entry.get("na_when"), f"{where}.na_when"),
    )


def parse_scorecard(raw: Any, source: str = "<scorecard>") -> Scorecard:
    """Validate a parsed YAML document; every error names ``source`` and the field path."""
    try:
        return _parse(raw)
    except ScorecardError as exc:
        raise ScorecardError(f"{source}: {exc}") from None


def _parse(raw: Any) -> Scorecard:
    if not isinstance(raw, dict):
        raise ScorecardError("the file must be a YAML mapping")
    _unknown_fields(raw, _TOP_FIELDS, "")
    card_id = _get(raw, "id", "", str)
    if not _ID.match(card_id.replace("-", "_")):
        raise _fail("id", "must be lower-case letters, digits, '-' or '_'")
    version = str(_get(raw, "version", "", (str, int)))
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        raise _fail("version", "must be a number such as '2' or '1.3'")
    pass_threshold = _number(raw, "pass_threshold", "", 0, 100)
    if pass_threshold is None:
        raise _fail("pass_threshold", "missing required field")
    match_threshold = _number(raw, "match_threshold", "", 50, 100)
    review = _number(raw, "review_below_confidence", "", 0, 1)
    sections_raw = _get(raw, "sections", "", list)
    if not sections_raw:
        raise _fail("sections", "needs at least one section")
    sections, criteria = [], []
    for i, sec in enumerate(sections_raw):
        at = f"sections[{i}]"
        if not isinstance(sec, dict):
            raise _fail(at, "must be a mapping")
        _unknown_fields(sec, {"id", "name", "criteria"}, at)
        sid = _get(sec, "id", at, str)
        if sid in {s.id for s in sections}:
            raise _fail(f"{at}.id", f"duplicate section id {sid!r}")
        sections.append(Section(sid, _get(sec, "name", at, str)))
        entries = _get(sec, "criteria", at, list)
        if not entries:
            raise _fail(f"{at}.criteria", "needs at least one criterion")
        for j, entry in enumerate(entries):
            crit = _criterion(entry, f"{at}.criteria[{j}]", sid)
            if crit.id in {c.id for c in criteria}:
                raise _fail(f"{at}.criteria[{j}].id", f"duplicate criterion id {crit.id!r}")
            criteria.append(crit)
    by_id = {c.id: c for c in criteria}
    for c in criteria:
        for ref in c.order:
            if ref not in by_id or by_id[ref].kind != "phrase_said":
                raise _fail(f"criterion {c.id}.order", f"{ref!r} is not a phrase_said criterion")
    return Scorecard(
        id=card_id,
        version=version,
        name=_get(raw, "name", "", str),
        description=_get(raw, "description", "", str, required=False) or "",
        pass_threshold=pass_threshold,
        match_threshold=MATCH_THRESHOLD if match_threshold is None else match_threshold,
        review_below_confidence=REVIEW_BELOW_CONFIDENCE if review is None else review,
        sections=tuple(sections),
        criteria=tuple(criteria),
    )


def load_scorecard(path: str | Path) -> Scorecard:
    """Parse and validate one scorecard file."""
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as exc:
        raise ScorecardError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
    return parse_scorecard(raw, str(path))


def load_scorecards(folder: str | Path) -> dict[tuple[str, str], Scorecard]:
    """Every ``*.yaml`` card of the folder by (id, version); ``_*.yaml`` files are config."""
    cards: dict[tuple[str, str], Scorecard] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        card = load_scorecard(path)
        if (card.id, card.version) in cards:
            raise ScorecardError(f"{path}: version {card.version} of {card.id!r} defined twice")
        cards[(card.id, card.version)] = card
    return cards


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def latest(cards: dict[tuple[str, str], Scorecard], scorecard_id: str) -> Scorecard:
    versions = [c for (cid, _), c in cards.items() if cid == scorecard_id]
    if not versions:
        raise ScorecardError(f"no scorecard with id {scorecard_id!r}")
    return max(versions, key=lambda c: version_key(c.version))


# ------------------------------------------------------------------------- assignment


@dataclass(frozen=True)
class Assignments:
    """Which scorecard scores a call, and which version of each scorecard is active."""

    active_versions: dict[str, str] = field(default_factory=dict)
    #: tenant -> (default scorecard id or None, campaign -> scorecard id)
    tenants: dict[str, tuple[str | None, dict[str, str]]] = field(default_factory=dict)

    def scorecard_id(self, tenant_id: str, campaign: str | None, fallback: str) -> str:
        default, campaigns = self.tenants.get(tenant_id, (None, {}))
        return campaigns.get(campaign or "", default or fallback)

    def active(self, cards: dict[tuple[str, str], Scorecard], scorecard_id: str) -> Scorecard:
        """The active version: as assigned, else the highest version on file."""
        version = self.active_versions.get(scorecard_id)
        if version is None:
            return latest(cards, scorecard_id)
        if (scorecard_id, version) not in cards:
            raise ScorecardError(
                f"{ASSIGNMENTS_FILE}: active_versions.{scorecard_id}: version {version} not on file"
            )
        return cards[(scorecard_id, version)]

    def is_active(self, cards: dict[tuple[str, str], Scorecard], card: Scorecard) -> bool:
        return self.active(cards, card.id).version == card.version


def load_assignments(
    folder: str | Path, cards: dict[tuple[str, str], Scorecard] | None = None
) -> Assignments:
    """Read ``_assignments.yaml`` (absent = tenant registry default, highest version active)."""
    path = Path(folder) / ASSIGNMENTS_FILE
    if not path.exists():
        return Assignments()
    raw = read_yaml(path) or {}
    where = str(path)
    if not isinstance(raw, dict):
        raise ScorecardError(f"{where}: the file must be a YAML mapping")
    _unknown = sorted(set(raw) - {"active_versions", "tenants"})
    if _unknown:
        raise ScorecardError(f"{where}: {_unknown[0]}: unknown field (a typo?)")
    active = {str(k): str(v) for k, v in (raw.get("active_versions") or {}).items()}
    tenants: dict[str, tuple[str | None, dict[str, str]]] = {}
    for tenant_id, entry in (raw.get("tenants") or {}).items():
        if not isinstance(entry, dict):
            raise ScorecardError(f"{where}: tenants.{tenant_id}: must be a mapping")
        campaigns = entry.get("campaigns") or {}
        if not isinstance(campaigns, dict):
            raise ScorecardError(f"{where}: tenants.{tenant_id}.campaigns: must be a mapping")
        tenants[str(tenant_id)] = (
            entry.get("default"),
            {str(k): str(v) for k, v in campaigns.items()},
        )
    result = Assignments(active, tenants)
    if cards is not None:
        known = {cid for cid, _ in cards}
        for cid in active:
            result.active(cards, cid)  # raises when the active version is not on file
        for tenant_id, (default, campaigns) in tenants.items():
            for sid in [default, *campaigns.values()]:
                if sid is not None and sid not in known:
                    raise ScorecardError(f"{where}: tenants.{tenant_id}: unknown scorecard {sid!r}")
    return result


CardKey = tuple[str, str]  # (scorecard id, version)


@dataclass(frozen=True)
class CardChoice:
    """Which card scores a tenant's calls: by campaign, else the tenant's default."""

    tenant_id: str
    cards: dict[CardKey, Scorecard]
    assignments: Assignments
    #: the tenant registry's scorecard, when ``_assignments.yaml`` names none
    fallback: str
    #: a what-if version to score with instead of the active one ("" = active)
    version: str = ""

    def card_for(self, campaign: str | None) -> Scorecard:
        scorecard_id = self.assignments.scorecard_id(self.tenant_id, campaign, self.fallback)
        if self.version:
            key = (scorecard_id, self.version)
            if key not in self.cards:
                raise ScorecardError(f"scorecard {scorecard_id} v{self.version} not on file")
            return self.cards[key]
        return self.assignments.active(self.cards, scorecard_id)
