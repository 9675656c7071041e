"""great-expectations 1.x suites generated from the data contracts, run on a Polars frame.

``dagster-ge`` needs GX < 1, so this wraps GX 1.x directly: an ephemeral context, a pandas
dataframe data source, an ExpectationSuite built from the contract's rules, a ValidationDefinition.
Results keep counts only: GX's ``partial_unexpected_list`` holds the offending *values* (phone
pseudonyms, transcript text) and must never reach logs or Dagster metadata.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.core.contracts import Contract, Rule

_LOCK = threading.Lock()
_CONTEXT: Any = None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    expectation: str
    column: str | None
    success: bool
    blocking: bool  # severity error
    element_count: int | None
    unexpected_count: int | None


@dataclass(frozen=True)
class SuiteResult:
    table: str
    rows: int
    results: tuple[RuleResult, ...]

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def blocking_failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success and r.blocking]

    def summary(self) -> dict[str, Any]:
        """Counts per failed rule (no values): safe for Dagster metadata and logs."""
        return {
            r.rule: {"unexpected": r.unexpected_count, "of": r.element_count}
            for r in self.results
            if not r.success
        }


def _context() -> Any:
    """One ephemeral GX context per process (importing GX costs seconds; no files, no network:
    the installed GX 1.24 ships no analytics client, and the context says so too)."""
    global _CONTEXT
    if _CONTEXT is None:
        import great_expectations as gx

        ctx = gx.get_context(mode="ephemeral")
        ctx.config.analytics_enabled = False
        ctx.variables.progress_bars = {"globally": False}
        _CONTEXT = ctx
    return _CONTEXT


def expectations(contract: Contract) -> list[Any]:
    """The GX expectations of a contract: exact column set plus one per quality rule."""
    import great_expectations as gx

    gxe = gx.expectations
    out: list[Any] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=[c.name for c in contract.columns],
            exact_match=True,
            meta={"rule": "columns_match_contract", "severity": "error"},
        )
    ]
    for rule in contract.rules:
        meta = {"rule": rule.name, "severity": rule.severity}
        out.append(_expectation(gxe, rule, meta))
    return out


def _expectation(gxe: Any, rule: Rule, meta: dict[str, str]) -> Any:
    a = rule.args
    if rule.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, meta=meta)
    if rule.kind == "valid_values":
        return gxe.ExpectColumnValuesToBeInSet(
            column=rule.column, value_set=a["validValues"], meta=meta
        )
    if rule.kind == "pattern":
        return gxe.ExpectColumnValuesToMatchRegex(column=rule.column, regex=a["pattern"], meta=meta)
    if rule.kind == "range":
        return gxe.ExpectColumnValuesToBeBetween(
            column=rule.column,
            min_value=a.get("minimum", a.get("exclusiveMinimum")),
            max_value=a.get("maximum", a.get("exclusiveMaximum")),
            strict_min="exclusiveMinimum" in a,
            strict_max="exclusiveMaximum" in a,
            meta=meta,
        )
    if rule.kind == "unique":
        cols = a["columns"]
        if len(cols) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=cols[0], meta=meta)
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=cols, meta=meta)
    if rule.kind == "pair":
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=a["column_A"],
            column_B=a["column_B"],
            or_equal=bool(a.get("or_equal")),
            meta=meta,
        )
    raise ValueError(f"rule {rule.name}: no expectation for kind {rule.kind}")


def validate(contract: Contract, frame: pl.DataFrame, batch: str = "batch") -> SuiteResult:
    """Run the contract's suite on ``frame`` (e.g. the rows one call batch wrote)."""
    import great_expectations as gx

    with _LOCK:  # the ephemeral context's registries are not thread-safe
        ctx = _context()
        name = f"{contract.name}:{batch}"
        source = ctx.data_sources.add_or_update_pandas(name)
        asset = source.add_dataframe_asset(contract.name)
        definition = asset.add_batch_definition_whole_dataframe("rows")
        suite = gx.ExpectationSuite(name=name, expectations=expectations(contract))
        suite = ctx.suites.add_or_update(suite)
        run = gx.ValidationDefinition(data=definition, suite=suite, name=name)
        run = ctx.validation_definitions.add_or_update(run)
        # GX's pandas engine wants numpy-backed columns; Arrow timestamps with a zone convert.
        result = run.run(batch_parameters={"dataframe": frame.to_pandas()}, result_format="BASIC")
        ctx.validation_definitions.delete(name)
        ctx.suites.delete(name)
        ctx.data_sources.delete(name)
    rules = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        rules.append(
            RuleResult(
                rule=cfg.meta["rule"],
                expectation=cfg.type,
                column=cfg.kwargs.get("column"),
                success=bool(r.success),
                blocking=cfg.meta.get("severity", "error") == "error",
                element_count=res.get("element_count"),
                unexpected_count=res.get("unexpected_count"),
            )
        )
    return SuiteResult(contract.name, frame.height, tuple(rules))
