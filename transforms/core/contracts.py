"""Data contracts (ODCS v3 YAML in ``data_contracts/``): the single source of every table's schema.

Each contract is parsed with the ``open_data_contract_standard`` pydantic model (so an invalid
contract fails on load), then read into small typed objects the rest of the code uses: the Arrow
schema and key of a Delta table, the PII class and DPA data category of each column, the quality
rules (applied row by row before writing, and as great-expectations suites after), retention and
erasure. Pure Python: no Dagster here.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import yaml
from open_data_contract_standard.model import OpenDataContractStandard

from transforms.core.settings import REPO_ROOT
from transforms.core.yaml_files import read_yaml

CONTRACTS_DIR = REPO_ROOT / "data_contracts"
TS = pa.timestamp("us", tz="UTC")

#: Delta physical type -> Arrow type written by the pipeline.
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "double": pa.float64(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
    "timestamp": TS,
    # Word timestamps of a transcript segment (redaction cuts text and audio by these times).
    "array<struct<word:string,start_s:double,end_s:double,probability:double>>": pa.list_(
        pa.struct(
            [
                pa.field("word", pa.string(), nullable=False),
                pa.field("start_s", pa.float64(), nullable=False),
                pa.field("end_s", pa.float64(), nullable=False),
                pa.field("probability", pa.float64(), nullable=False),
            ]
        )
    ),
}
PII_CLASSES = ("direct_identifier", "indirect", "special_category", "none")
#: DPA §4.3 categories of personal data (plus technical metadata).
DATA_CATEGORIES = (
    "identification data",
    "professional contact data",
    "connection data",
    "voice recordings",
    "conversation content",
    "professional performance data",
    "scripts and evaluations",
    "technical metadata",
)

#: What a table's rows (or a column) are, for retention: each category has one period, the same in
#: every contract that uses it (``docs/retention.md``).
RETENTION_CATEGORIES = (
    "content",
    "evaluation",
    "quarantine",
    "processing_log",
    "anonymised",
    "marts",
)
_PERIOD_RE = re.compile(r"^P([1-9][0-9]*)([DY])$")


class ContractError(ValueError):
    """A contract is invalid, or a table, schema or registry disagrees with it."""


@dataclass(frozen=True, order=True)
class Period:
    """An ISO 8601 retention period in whole days (``P180D``) or calendar years (``P3Y``).

    Days and years only: a month has no fixed length, so ``P6M`` would give a cutoff that depends
    on the calendar arithmetic used; 180 days is never longer than six calendar months.
    """

    days: int = 0
    years: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(str(text))
        if not match:
            raise ValueError("must be an ISO 8601 period in days or years, e.g. P180D or P3Y")
        n = int(match.group(1))
        return cls(days=n) if match.group(2) == "D" else cls(years=n)

    def before(self, instant: datetime) -> datetime:
        """``instant`` minus the period (29 February minus a year is 28 February)."""
        if self.years:
            day = instant.day
            while True:
                try:
                    return instant.replace(year=instant.year - self.years, day=day)
                except ValueError:
                    day -= 1
        return instant - timedelta(days=self.days)

    @property
    def approx_days(self) -> int:
        """For comparing periods (a year counts 365 days)."""
        return self.days + 365 * self.years

    def __str__(self) -> str:
        return f"P{self.years}Y" if self.years else f"P{self.days}D"


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: str
    physical_type: str
    required: bool
    description: str
    pii_class: str
    data_category: str
    primary_key_position: int | None = None
    partition_position: int | None = None
    #: Set where the column's retention differs from its row's (e.g. a quote in an evaluation).
    retention_category: str | None = None
    #: The column holds the location of an object (recording, playback copy, quarantined bytes)
    #: that retention and erasure delete with it.
    object_uri: bool = False

    @property
    def personal(self) -> bool:
        return self.pii_class != "none"


@dataclass(frozen=True)
class Rule:
    """One quality rule. ``kind``: not_null, valid_values, pattern, range, unique or pair."""

    name: str
    kind: str
    description: str
    column: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    severity: str = "error"
    #: ``quarantine``: rows breaking it are set aside before writing; ``block``: the batch's
    #: asset check fails and stops downstream assets (rules about the batch, not one row).
    on_failure: str = "quarantine"

    @property
    def row_level(self) -> bool:
        return self.kind != "unique" and self.on_failure == "quarantine"

    def violations(self) -> pl.Expr:
        """True on rows that break the rule (null values are the not_null rule's business)."""
        a = self.args
        if self.kind == "not_null":
            return pl.col(self.column).is_null()
        if self.kind == "pair":
            left, right = pl.col(a["column_A"]), pl.col(a["column_B"])
            ok = left >= right if a.get("or_equal") else left > right
            return ok.not_().fill_null(False)
        col = pl.col(self.column)
        if self.kind == "valid_values":
            return col.is_in(a["validValues"]).not_().fill_null(False)
        if self.kind == "pattern":
            return col.str.contains(a["pattern"]).not_().fill_null(False)
        if self.kind == "range":
            bad = pl.lit(False)
            for key, op in (
                ("minimum", col.__lt__),
                ("exclusiveMinimum", col.__le__),
                ("maximum", col.__gt__),
                ("exclusiveMaximum", col.__ge__),
            ):
                if key in a:
                    bad = bad | op(a[key])
            return bad.fill_null(False)
        raise ContractError(f"rule {self.name}: {self.kind} is not a row-level rule")


@dataclass(frozen=True)
class Contract:
    id: str
    name: str  # "<layer>.<table>", e.g. silver.transcripts
    path: Path
    description: str
    purpose: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    properties: dict[str, Any]
    odcs: OpenDataContractStandard

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def owner(self) -> str:
        return self.properties["owner"]

    @property
    def retention(self) -> dict[str, str]:
        return self.properties["retention"]

    @property
    def retention_category(self) -> str:
        return self.retention["retentionCategory"]

    @property
    def retention_period(self) -> Period:
        return Period.parse(self.retention["retentionPeriod"])

    @property
    def retention_anchor(self) -> str | None:
        """The column the period runs from; ``call_uid`` means the call's start
        (``bronze.calls.started_at``). None only for marts without a time column."""
        return self.retention.get("retentionAnchor")

    @property
    def erasure(self) -> dict[str, str]:
        return self.properties["erasure"]

    @property
    def asset_key(self) -> list[str]:
        return list(self.properties["assetKey"])

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def key(self) -> tuple[str, ...]:
        keyed = [c for c in self.columns if c.primary_key_position]
        return tuple(c.name for c in sorted(keyed, key=lambda c: c.primary_key_position or 0))

    @property
    def partition_by(self) -> tuple[str, ...]:
        parts = [c for c in self.columns if c.partition_position]
        return tuple(c.name for c in sorted(parts, key=lambda c: c.partition_position or 0))

    def arrow_schema(self) -> pa.Schema:
        fields = []
        for c in self.columns:
            if c.physical_type not in ARROW_TYPES:
                raise ContractError(
                    f"{self.path.name}: column {c.name}: physicalType {c.physical_type!r} is not "
                    f"one of {sorted(ARROW_TYPES)}"
                )
            fields.append(pa.field(c.name, ARROW_TYPES[c.physical_type], nullable=not c.required))
        return pa.schema(fields)

    @property
    def stats_excluded(self) -> tuple[str, ...]:
        """Personal-data columns kept out of Delta data-skipping statistics.

        Keys and partition columns stay in: they are surrogate ids, MERGE prunes files on them,
        and erasure deletes by them (the predicate is written into ``_delta_log`` anyway).
        """
        keep = set(self.key) | set(self.partition_by)
        return tuple(c.name for c in self.columns if c.personal and c.name not in keep)

    def row_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.row_level)


def _props(items: Any) -> dict[str, Any]:
    return {p.property: p.value for p in items or []}


def _rule(q: Any, column: str | None, where: str) -> Rule:
    props = _props(q.customProperties)
    common = {
        "name": q.name,
        "description": q.description or "",
        "severity": q.severity or "error",
        "on_failure": props.get("onFailure", "quarantine" if column else "block"),
    }
    if not q.name:
        raise ContractError(
            f"{where}: every quality rule needs a name (it is the quarantine reason)"
        )
    args = dict(q.arguments or {})
    if q.metric == "invalidValues":
        if "validValues" in args:
            return Rule(kind="valid_values", column=column, args=args, **common)
        if "pattern" in args:
            return Rule(kind="pattern", column=column, args=args, **common)
        if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} & set(args):
            return Rule(kind="range", column=column, args=args, **common)
    if q.metric == "duplicateValues":
        cols = args.get("properties") or ([column] if column else None)
        return Rule(kind="unique", args={"columns": cols}, **{**common, "on_failure": "block"})
    impl = q.implementation if isinstance(q.implementation, dict) else {}
    if q.type == "custom" and impl.get("expectation") == (
        "expect_column_pair_values_a_to_be_greater_than_b"
    ):
        return Rule(kind="pair", args=dict(impl["kwargs"]), **common)
    raise ContractError(
        f"{where}: quality rule {q.name!r} is not supported (use metric invalidValues with "
        "validValues/pattern/minimum/maximum, duplicateValues, or the GX column-pair custom rule; "
        "see data_contracts/README.md)"
    )


def parse(path: Path) -> Contract:
    raw = read_yaml(path)
    try:
        odcs = OpenDataContractStandard.model_validate(raw)
    except Exception as exc:  # pydantic's message names the field
        raise ContractError(f"{path.name}: not a valid ODCS contract: {exc}") from exc
    if not odcs.schema_ or len(odcs.schema_) != 1:
        raise ContractError(f"{path.name}: one schema object (one table) per contract")
    obj = odcs.schema_[0]
    columns, rules = [], []
    for p in obj.properties or []:
        cp = _props(p.customProperties)
        where = f"{path.name}: column {p.name}"
        if cp.get("piiClass") not in PII_CLASSES:
            raise ContractError(f"{where}: customProperties piiClass must be one of {PII_CLASSES}")
        if cp.get("dataCategory") not in DATA_CATEGORIES:
            raise ContractError(f"{where}: dataCategory must be one of {DATA_CATEGORIES}")
        columns.append(
            Column(
                name=p.name or "",
                logical_type=p.logicalType or "",
                physical_type=p.physicalType or "",
                required=bool(p.required),
                description=p.description or "",
                pii_class=cp["piiClass"],
                data_category=cp["dataCategory"],
                primary_key_position=p.primaryKeyPosition if p.primaryKey else None,
                partition_position=p.partitionKeyPosition if p.partitioned else None,
                retention_category=cp.get("retentionCategory"),
                object_uri=bool(cp.get("objectUri", False)),
            )
        )
        if p.required:
            rules.append(
                Rule(f"{p.name}_required", "not_null", "A value is required.", column=p.name)
            )
        rules.extend(_rule(q, p.name, where) for q in p.quality or [])
    rules.extend(_rule(q, None, f"{path.name}: table") for q in obj.quality or [])
    props = _props(odcs.customProperties)
    for needed in ("owner", "retention", "erasure", "assetKey"):
        if needed not in props:
            raise ContractError(f"{path.name}: customProperties needs {needed!r}")
    _check_retention(path.name, props["retention"], columns)
    return Contract(
        id=odcs.id or "",
        name=odcs.name or "",
        path=path,
        description=obj.description or "",
        purpose=odcs.description.purpose if odcs.description else "",
        columns=tuple(columns),
        rules=tuple(rules),
        properties=props,
        odcs=odcs,
    )


def _check_retention(where: str, retention: Any, columns: list[Column]) -> None:
    """Retention the code can act on: a known category, a period it parses, an anchor column
    that exists (a timestamp, or ``call_uid``: the call's start)."""
    if not isinstance(retention, dict):
        raise ContractError(f"{where}: retention must be a mapping")
    categories = [("retention.retentionCategory", retention.get("retentionCategory"))]
    categories += [(f"column {c.name}: retentionCategory", c.retention_category) for c in columns]
    for field_name, category in categories:
        if category is not None and category not in RETENTION_CATEGORIES:
            raise ContractError(f"{where}: {field_name} must be one of {RETENTION_CATEGORIES}")
    if retention.get("retentionCategory") is None:
        raise ContractError(f"{where}: retention.retentionCategory is required")
    try:
        Period.parse(retention.get("retentionPeriod"))
    except ValueError as exc:
        raise ContractError(f"{where}: retention.retentionPeriod {exc}") from None
    anchor = retention.get("retentionAnchor")
    by_name = {c.name: c for c in columns}
    if anchor is None and retention["retentionCategory"] != "marts":
        raise ContractError(f"{where}: retention.retentionAnchor is required")
    if anchor is not None and (
        anchor not in by_name
        or (anchor != "call_uid" and by_name[anchor].physical_type not in _TIME_TYPES)
    ):
        raise ContractError(
            f"{where}: retention.retentionAnchor must name a timestamp or date column of the "
            "table, or call_uid (the call's start)"
        )


_TIME_TYPES = ("timestamp", "date", "timestamp with time zone")


@cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, Contract]:
    """Every ``*.odcs.yaml`` contract by name (``silver.transcripts``, ``marts.fct_calls``)."""
    out = {}
    for path in sorted(directory.glob("*.odcs.yaml")):
        contract = parse(path)
        if f"{contract.name}.odcs.yaml" != path.name:
            raise ContractError(
                f"{path.name}: file name must be <name>.odcs.yaml ({contract.name})"
            )
        out[contract.name] = contract
    return out


def category_periods(contracts: dict[str, Contract] | None = None) -> dict[str, Period]:
    """The period of each retention category; every contract of a category must state the same
    one (a column whose category differs from its row's takes its category's period)."""
    found: dict[str, Period] = {}
    for c in (contracts or load_contracts()).values():
        period = c.retention_period
        if found.setdefault(c.retention_category, period) != period:
            raise ContractError(
                f"{c.path.name}: retention category {c.retention_category} has period "
                f"{found[c.retention_category]} in another contract, {period} here"
            )
    return found


def diff_schema(name: str, expected: pa.Schema, actual: pa.Schema, where: str) -> list[str]:
    """What differs between the contract's schema and another one, one line per column."""
    problems = []
    exp, act = {f.name: f for f in expected}, {f.name: f for f in actual}
    for col in exp.keys() - act.keys():
        problems.append(f"{name}: column {col!r} is in the contract but not in {where}")
    for col in act.keys() - exp.keys():
        problems.append(f"{name}: column {col!r} is in {where} but not in the contract")
    for col in exp.keys() & act.keys():
        e, a = exp[col], act[col]
        if not _same_type(e.type, a.type):
            problems.append(
                f"{name}: column {col!r} is {a.type} in {where}, contract says {e.type}"
            )
        elif e.nullable != a.nullable:
            problems.append(
                f"{name}: column {col!r} is {'nullable' if a.nullable else 'required'} in "
                f"{where}, contract says {'nullable' if e.nullable else 'required'}"
            )
    return sorted(problems)


def _same_type(a: pa.DataType, b: pa.DataType) -> bool:
    # Delta returns strings as large/view strings and timestamps with its own unit/zone spelling.
    strings = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)
    if any(f(a) for f in strings) and any(f(b) for f in strings):
        return True
    if pa.types.is_timestamp(a) and pa.types.is_timestamp(b):
        return (a.tz is None) == (b.tz is None)
    return a == b


def scaffold(
    layer: str, name: str, schema: pa.Schema, key: tuple[str, ...], description: str
) -> str:
    """A contract skeleton for a table still defined in Python (fill in every TODO, then load)."""
    physical = {str(t): p for p, t in ARROW_TYPES.items()}
    logical = {"string": "string", "double": "number", "int": "integer", "bigint": "integer"}
    logical |= {"boolean": "boolean", "timestamp": "timestamp"}
    props = []
    for f in schema:
        phys = physical.get(str(f.type), f"TODO ({f.type})")
        prop: dict[str, Any] = {
            "name": f.name,
            "logicalType": logical.get(phys, "TODO"),
            "physicalType": phys,
            "description": "TODO",
            "required": not f.nullable,
        }
        if f.name in key:
            prop |= {"primaryKey": True, "primaryKeyPosition": key.index(f.name) + 1}
        if f.name == "tenant_id":
            prop |= {"partitioned": True, "partitionKeyPosition": 1}
        prop["customProperties"] = [
            {"property": "piiClass", "value": "TODO: " + "|".join(PII_CLASSES)},
            {"property": "dataCategory", "value": "TODO: one of DPA §4.3"},
        ]
        props.append(prop)
    doc = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": f"ccr.{layer}.{name}",
        "name": f"{layer}.{name}",
        "version": "1.0.0",
        "status": "draft",
        "description": {"purpose": "TODO", "usage": description},
        "schema": [
            {"name": name, "physicalName": f"{layer}/{name}", "physicalType": "table"}
            | {"description": description, "properties": props}
        ],
        "customProperties": [
            {"property": "owner", "value": "team:data-platform"},
            {"property": "assetKey", "value": [layer, name]},
            {
                "property": "retention",
                "value": {"retentionPeriod": "TODO", "retentionBasis": "TODO"},
            },
            {"property": "erasure", "value": {"row": "TODO", "tenant": "TODO"}},
        ],
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":  # pragma: no cover - a developer's helper
    # python -m transforms.core.contracts  → validates every contract and prints a summary
    for c in load_contracts().values():
        print(f"{c.name:32} {len(c.columns):3} columns, {len(c.rules):3} rules, key {c.key}")
    sys.exit(0)
