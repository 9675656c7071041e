"""One definition per KPI: the tenant's report and ``ccr kpis`` show the marts' columns as they
are. Nothing outside dbt aggregates a KPI: not in their SQL (``avg(``, ``sum(``, ``count(``,
``group by``, a window, ``distinct``), not with Polars or numpy, not with Python's ``sum``.

The check reads the modules' source (every string literal, f-strings included, and every call),
so it catches an aggregate however the code runs. ``min``/``max`` builtins stay allowed: the
report uses them for axis limits only. ``ccr kpis`` also prints the pipeline's state from the
Delta tables (rows ingested, quarantined, transcribed, the transcription's speed): those lines
are not KPIs, live in the one function named below, and that function must read no mart.
"""

from __future__ import annotations

import ast
import re

import pytest

from transforms.core.settings import REPO_ROOT

#: The modules that show KPIs, and the functions of each allowed to aggregate non-KPI rows.
GUARDED = {
    "transforms/kpis/report.py": frozenset(),
    "orchestration/cli/kpis.py": frozenset({"pipeline_lines"}),
}

#: Aggregate and window functions of DuckDB SQL, and the clauses that group or rank rows.
SQL_AGGREGATE = re.compile(
    r"\b(avg|sum|count|min|max|mean|median|mode|product|stddev\w*|std|var\w*|quantile\w*|"
    r"percentile\w*|bool_or|bool_and|bit_or|bit_and|arg_?max|arg_?min|max_by|min_by|list|"
    r"array_agg|string_agg|group_concat|first|last|any_value|histogram|approx_\w+|entropy|"
    r"kurtosis\w*|skewness|corr|covar\w*|regr_\w+|fsum|favg|sumkahan|kahan_sum|sum_no_overflow|"
    r"row_number|rank|dense_rank|percent_rank|cume_dist|ntile|lag|lead|first_value|last_value|"
    r"nth_value)\s*\(|\bgroup\s+by\b|\bover\s*\(|\bhaving\b|\bqualify\b|\bdistinct\b|"
    r"\bpivot\b|\bwindow\s+\w+\s+as\b",
    re.IGNORECASE,
)
#: Methods that aggregate or rank rows (Polars expressions and frames, pyarrow compute).
AGGREGATING_METHODS = frozenset(
    {
        "sum", "mean", "median", "min", "max", "std", "var", "quantile", "count", "len",
        "n_unique", "approx_n_unique", "value_counts", "unique_counts", "mode", "product",
        "agg", "group_by", "groupby", "group_by_dynamic", "rolling", "over", "pivot",
        "cum_sum", "cum_count", "cum_max", "cum_min", "cum_prod", "rank", "describe",
        "sum_horizontal", "mean_horizontal", "arg_max", "arg_min", "first", "last",
        "top_k", "bottom_k", "entropy", "hist", "histogram", "aggregate",
    }
)  # fmt: skip
#: Modules whose functions compute statistics.
STATISTICS_MODULES = frozenset({"np", "numpy", "statistics", "pc", "pyarrow.compute", "math"})
MART = re.compile(r"\b(fct|agg|dim)_\w+")
SQL_SOURCE = re.compile(r"\b(?:from|join)\s+([\w.\"]+)", re.IGNORECASE)


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with ``?`` for each placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "?" for v in node.values)
    return None


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    inner = {
        id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values
    }  # an f-string's parts are read with it, not again alone
    found = []
    for node in ast.walk(tree):
        text = _text(node)
        if text is not None and id(node) not in inner:
            found.append((node.lineno, text))
    return found


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _calls(tree: ast.AST, exempt: frozenset[str]) -> list[tuple[int, str]]:
    """Aggregating calls outside the ``exempt`` functions."""
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in exempt
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in skipped:
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "sum":
            found.append((node.lineno, "sum(...)"))
        elif isinstance(func, ast.Attribute):
            owner = _dotted(func.value)
            if owner in STATISTICS_MODULES and func.attr not in ("floor", "ceil", "isnan"):
                found.append((node.lineno, f"{owner}.{func.attr}(...)"))
            elif func.attr in AGGREGATING_METHODS:
                found.append((node.lineno, f".{func.attr}(...)"))
    return found


def aggregations(source: str, exempt: frozenset[str] = frozenset()) -> list[str]:
    """Where ``source`` (a module's code) aggregates: ``line N: what``, in line order."""
    tree = ast.parse(source)
    found = [
        (line, f"SQL {match.group(0).strip()!r}")
        for line, text in _strings(tree)
        for match in SQL_AGGREGATE.finditer(text)
    ]
    found += _calls(tree, exempt)
    return [f"line {line}: {what}" for line, what in sorted(found)]


def sql_sources(source: str) -> set[str]:
    """The tables the module's SQL (string literals starting with ``select``) reads."""
    return {
        name.strip('"')
        for _, text in _strings(ast.parse(source))
        if text.lstrip().lower().startswith("select")
        for name in SQL_SOURCE.findall(text)
    }


def _source(relative: str) -> str:
    return (REPO_ROOT / relative).read_text()


@pytest.mark.parametrize("module", sorted(GUARDED))
def test_the_report_and_ccr_kpis_never_aggregate_a_kpi(module):
    found = aggregations(_source(module), GUARDED[module])
    assert found == [], (
        f"{module} computes what a mart should hold: {found}. Add the figure to a mart in "
        "dbt_project/models/marts (formula in macros/kpi_measures.sql) and select it here."
    )


@pytest.mark.parametrize("module", sorted(GUARDED))
def test_they_read_marts_only(module):
    sources = sql_sources(_source(module))
    assert sources, module
    outside = {s for s in sources if not MART.fullmatch(s) and not s.startswith("duckdb_")}
    assert outside == set(), f"{module} reads {outside}: show the marts' columns"


def test_the_functions_allowed_to_aggregate_read_no_mart():
    for module, exempt in GUARDED.items():
        tree = ast.parse(_source(module))
        functions = {
            n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in exempt
        }
        assert set(functions) == exempt, module  # a renamed function must not widen the rule
        for name, function in functions.items():
            texts = [t for _, t in _strings(function)]
            names = {_dotted(n) for n in ast.walk(function)}
            assert not [t for t in texts if MART.search(t)], (module, name)
            assert not {n for n in names if n.split(".")[0] in ("duckdb", "con", "all_tenants")}, (
                module,
                name,
            )


# What main had before the KPIs moved into marts, and ways to hide an aggregate: each must fail.
CAUGHT = {
    "report tiles": """
def _tiles(con):
    return con.execute(
        "select avg(final_score), avg(cast(final_passed as double)), "
        "sum(verdicts_sent_to_review) / nullif(sum(verdicts), 0) from fct_calls"
    ).fetchone()
""",
    "report ranking": """
rows = con.execute(
    "select agent_id, avg(final_score) as score, count(*) as calls from fct_calls "
    "where final_score is not null group by agent_id order by score desc, agent_id"
).fetchall()
""",
    "verdict-weighted kappa in an f-string": """
kappa = con.execute(f"select {column} * reviewed_verdicts from {table} group by all").fetchone()
""",
    "ccr kpis on the AI score": """
agents = con.sql(
    "select tenant_id, agent_id, round(sum(avg_score * calls) / sum(calls), 1) "
    "from agg_agent_daily group by all order by all"
).pl()
""",
    "a window ranks": """
con.sql("select agent_id, row_number() over (order by avg_final_score desc) from agg_agent_kpis")
""",
    "distinct": """con.sql("select distinct agent_id from fct_calls")""",
    "polars mean": """frame["final_score"].mean()""",
    "polars group_by": """frame.group_by("agent_id").agg(pl.col("final_score"))""",
    "python sum": """total = sum(r["calls"] for r in rows)""",
    "numpy": """np.mean(scores)""",
    "a column list holding an aggregate": """COLUMNS = ("agent_id", "avg(final_score) as score")""",
}


@pytest.mark.parametrize("name", sorted(CAUGHT))
def test_the_guard_catches_an_aggregate(name):
    assert aggregations(CAUGHT[name]), name


def test_the_guard_lets_selecting_filtering_and_ordering_pass():
    allowed = """
rows = con.execute(
    "select * from agg_agent_kpis where tenant_id = ? "
    "and (score_rank <= ? or score_rank > agents_ranked - ?) order by score_rank",
    [tenant, half, half],
).fetchall()
ax.set_ylim(min(0, *kappas), 1)  # layout
label = f"{agent['avg_final_score']:.1f} ({agent['calls_with_final_score']} calls)"
"""
    assert aggregations(allowed) == []
    assert sql_sources(allowed) == {"agg_agent_kpis"}


def test_an_exempt_function_only_exempts_its_own_body():
    source = """
def pipeline_lines(lh):
    return lh.read(T)["duration_s"].sum()

def kpi_lines(con):
    return con.sql("select tenant_id from agg_tenant_kpis").pl()["calls"].sum()
"""
    assert aggregations(source, frozenset({"pipeline_lines"})) == ["line 6: .sum(...)"]
