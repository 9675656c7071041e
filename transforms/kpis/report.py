"""A tenant's KPI report: one self-contained HTML page quality managers open in a browser.

Read from the tenant's published database (so it can only show that tenant's rows), drawn with
matplotlib as inline SVG: no script, no font or style sheet from a network, nothing to install
to view it. Agents appear under their pseudonymous ids, with aggregates only: no call, transcript
or caller detail. The same database gives the same bytes (no clock in the page, fixed SVG ids),
so publishing twice changes nothing.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("svg")
from matplotlib.figure import Figure

#: Agents shown in the ranking (the best and the lowest halves).
RANKED_AGENTS = 20
INK, ACCENT, WARN, MUTED = "#1f2d3d", "#2f6db5", "#c2410c", "#8a97a8"

STYLE = {
    "svg.hashsalt": "callcenterrate",  # fixed ids: the same data gives the same bytes
    "svg.fonttype": "none",  # text stays text (small, selectable), in the viewer's sans-serif
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str
    draw: Callable[[duckdb.DuckDBPyConnection, Figure], bool]
    #: What the chart says while it has nothing to draw.
    empty: str = "No scored call yet"
    #: Room around the axes (left, bottom, right, top), fixed: matplotlib's constrained layout
    #: cost a third of a publish at a million calls.
    margins: tuple[float, float, float, float] = (0.09, 0.22, 0.98, 0.86)


def write_report(database: Path, out: Path, tenant_id: str, display_name: str) -> Path:
    """Render the report of the tenant whose published database is ``database`` into ``out``."""
    with duckdb.connect(str(database), read_only=True) as con:
        tiles = _tiles(con)
        figures = [(chart, _svg(chart, con)) for chart in CHARTS]
        as_of = con.execute("select max(inputs_updated_at) from fct_calls").fetchone()[0]
    out.write_text(_page(tenant_id, display_name, tiles, figures, as_of), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- charts


def _short(label: str, width: int = 34) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _week_axis(ax, weeks: list) -> list[int]:
    """Weeks as categories (one or a year of them read the same), at most ~12 labels shown."""
    positions = list(range(len(weeks)))
    step = max(1, len(weeks) // 12)
    ax.set_xticks(positions[::step], [f"{w:%d %b}" for w in weeks][::step], rotation=45)
    ax.set_xlabel("week starting")
    ax.set_xlim(-0.6, max(len(weeks), 8) - 0.4)  # a few weeks keep narrow bars
    return positions


def _score_trend(con: duckdb.DuckDBPyConnection, fig: Figure) -> bool:
    rows = con.execute(
        "select date_trunc('week', call_date) as week, avg(final_score), "
        "avg(cast(final_passed as double)) from fct_calls group by 1 order by 1"
    ).fetchall()
    if not rows:
        return False
    ax = fig.subplots()
    x = _week_axis(ax, [r[0] for r in rows])
    ax.bar(x, [r[1] or 0 for r in rows], color=ACCENT, alpha=0.85, label="mean QA score")
    ax.plot(
        x, [None if r[2] is None else 100 * r[2] for r in rows], color=WARN, marker="o",
        markersize=3, label="pass rate (%)",
    )  # fmt: skip
    ax.set_ylim(0, 105)
    ax.set_ylabel("QA score / pass rate (%)")
    fig.legend(frameon=False, loc="upper center", ncols=2)
    return True


def _agent_ranking(con: duckdb.DuckDBPyConnection, fig: Figure) -> bool:
    rows = con.execute(
        "select agent_id, avg(final_score) as score, count(*) as calls from fct_calls "
        "where final_score is not null group by agent_id order by score desc, agent_id"
    ).fetchall()
    if not rows:
        return False
    if len(rows) > RANKED_AGENTS:  # the best and the worst
        rows = rows[: RANKED_AGENTS // 2] + rows[-RANKED_AGENTS // 2 :]
    ax = fig.subplots()
    labels = [f"{r[0]} ({r[2]} calls)" for r in rows][::-1]
    ax.barh(labels, [r[1] for r in rows][::-1], color=ACCENT)
    ax.set_xlim(0, 100)
    ax.set_xlabel("mean QA score (0-100)")
    ax.tick_params(axis="y", labelsize=7)
    return True


def _criterion_compliance(con: duckdb.DuckDBPyConnection, fig: Figure) -> bool:
    rows = con.execute(
        "select criterion_id, max(criterion_name), bool_or(is_critical), "
        "sum(met_verdicts) / nullif(sum(applicable_verdicts), 0) as rate "
        "from agg_criterion_compliance group by criterion_id order by rate nulls first, 1"
    ).fetchall()
    rows = [r for r in rows if r[3] is not None]
    if not rows:
        return False
    ax = fig.subplots()
    labels = [_short(f"{r[1] or r[0]}{' (critical)' if r[2] else ''}") for r in rows]
    ax.barh(labels, [100 * r[3] for r in rows], color=[WARN if r[2] else ACCENT for r in rows])
    ax.set_xlim(0, 100)
    ax.set_xlabel("final verdicts met, of those applicable (%)")
    return True


def _talk_silence(con: duckdb.DuckDBPyConnection, fig: Figure) -> bool:
    bins = 20  # 5-point bins; a share of exactly 1 counts in the last one
    counts = {}
    for column in ("agent_talk_share", "silence_share"):
        found = dict(
            con.execute(
                f"select cast(floor(least({column}, 0.999999) * ?) as integer), count(*) "
                f"from fct_calls where {column} is not null group by 1",
                [bins],
            ).fetchall()
        )
        counts[column] = [found.get(i, 0) for i in range(bins)]
    if not any(sum(c) for c in counts.values()):
        return False
    talk, silence = fig.subplots(1, 2, sharey=True)
    edges = [100 * i / bins for i in range(bins)]
    for ax, column, color, label in (
        (talk, "agent_talk_share", ACCENT, "agent share of talk time"),
        (silence, "silence_share", MUTED, "silence share of the call"),
    ):
        ax.bar(edges, counts[column], width=100 / bins, align="edge", color=color)
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"{label} (%)")
    talk.set_ylabel("calls")
    return True


def _review_queue(con: duckdb.DuckDBPyConnection, fig: Figure) -> bool:
    rows = con.execute(
        "select date_trunc('week', call_date) as week, sum(verdicts_sent_to_review), "
        "sum(verdicts_pending_review), sum(disputes_open) from fct_calls group by 1 order by 1"
    ).fetchall()
    if not rows or not any(r[1] or r[3] for r in rows):
        return False
    ax = fig.subplots()
    x = _week_axis(ax, [r[0] for r in rows])
    waiting = [r[2] or 0 for r in rows]
    reviewed = [(r[1] or 0) - (r[2] or 0) for r in rows]
    ax.bar(x, reviewed, color=MUTED, label="sent to review, reviewed")
    ax.bar(x, waiting, bottom=reviewed, color=WARN, label="sent to review, still waiting")
    ax.plot(x, [r[3] or 0 for r in rows], color=INK, marker="o", markersize=3,
            label="agent disputes open")  # fmt: skip
    ax.set_ylabel("verdicts (calls of that week)")
    fig.legend(frameon=False, loc="upper center", ncols=3)
    return True


def _calibration(con: duckdb.DuckDBPyConnection, fig: Figure) -> bool:
    rows = con.execute(
        "select criterion_id, sum(reviewed_verdicts), "
        "sum(agreeing_verdicts) / sum(reviewed_verdicts), "
        "sum(cohens_kappa * reviewed_verdicts) / nullif(sum(reviewed_verdicts) "
        "  filter (where cohens_kappa is not null), 0) "
        "from agg_calibration group by criterion_id order by criterion_id"
    ).fetchall()
    if not rows:
        return False
    ax = fig.subplots()
    positions = range(len(rows))
    ax.bar([p - 0.2 for p in positions], [r[2] for r in rows], 0.4, color=ACCENT, label="agreement")
    ax.bar(
        [p + 0.2 for p in positions],
        [r[3] or 0 for r in rows],
        0.4,
        color=WARN,
        label="Cohen's kappa",
    )
    ax.set_xticks(
        list(positions), [f"{r[0]} ({r[1]})" for r in rows], rotation=30, ha="right", fontsize=7
    )
    ax.set_xlabel("criterion (verdicts reviewed)")
    ax.set_ylim(min(0, *(r[3] or 0 for r in rows)), 1)
    ax.axhline(0, color=MUTED, linewidth=0.5)
    fig.legend(frameon=False, loc="upper center", ncols=2)
    return True


CHARTS = (
    Chart(
        "score-trend",
        "QA score trend",
        "Weekly mean QA score (after human review) and pass rate.",
        _score_trend,
    ),
    Chart(
        "agent-ranking",
        "Agent ranking",
        f"Mean QA score per agent (scored calls in brackets); the {RANKED_AGENTS // 2} best "
        f"and the {RANKED_AGENTS // 2} lowest when there are more.",
        _agent_ranking,
        margins=(0.3, 0.15, 0.97, 0.97),
    ),
    Chart(
        "criterion-compliance",
        "Compliance per criterion",
        "Share of the applicable final verdicts met, per criterion (critical ones in orange).",
        _criterion_compliance,
        margins=(0.37, 0.15, 0.97, 0.97),
    ),
    Chart(
        "talk-silence",
        "Talk and silence",
        "How the calls spread by the agent's share of the talk time and by the share of silence.",
        _talk_silence,
        margins=(0.12, 0.16, 0.98, 0.97),
    ),
    Chart(
        "review-queue",
        "Review queue",
        "AI verdicts sent to a person, those still waiting, and "
        "agent disputes still open, by week of the call.",
        _review_queue,
        "No verdict sent to a person",
    ),
    Chart(
        "calibration",
        "AI-vs-human calibration",
        "Where a person reviewed a verdict: how often "
        "the AI agreed, and Cohen's kappa (agreement beyond chance).",
        _calibration,
        "No verdict reviewed by a person yet",
        margins=(0.09, 0.32, 0.98, 0.86),
    ),
)


# --------------------------------------------------------------------------- page


def _svg(chart: Chart, con: duckdb.DuckDBPyConnection) -> str:
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 3.2))
        left, bottom, right, top = chart.margins
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top, wspace=0.08)
        if not chart.draw(con, fig):
            fig.clear()
            fig.text(0.5, 0.5, chart.empty, ha="center", va="center", color=MUTED, fontsize=13)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: inline SVG in HTML


def _tiles(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    k = con.execute(
        "select sum(calls_received), sum(calls), sum(calls) / nullif(sum(calls_received), 0), "
        "sum(avg_handle_time_s * calls_received) / nullif(sum(calls_received), 0) "
        "from agg_qa_kpis where dimension = 'campaign' and period = 'month'"
    ).fetchone()
    c = con.execute(
        "select avg(final_score), avg(cast(final_passed as double)), "
        "avg(cast(final_critical_failed as double)), sum(verdicts_sent_to_review) / "
        "nullif(sum(verdicts), 0), sum(verdicts_pending_review), sum(disputes_open) from fct_calls"
    ).fetchone()
    kappa = con.execute(
        "select sum(cohens_kappa * reviewed_verdicts) / nullif(sum(reviewed_verdicts) "
        "filter (where cohens_kappa is not null), 0) from agg_calibration"
    ).fetchone()[0]

    def pct(v):
        return "–" if v is None else f"{100 * v:.1f} %"

    def num(v, fmt="{:,.0f}"):
        return "–" if v is None else fmt.format(v)

    return [
        ("Calls received", num(k[0])),
        ("Calls scored", num(k[1])),
        ("Coverage", pct(k[2])),
        ("Mean QA score", num(c[0], "{:.1f}")),
        ("Pass rate", pct(c[1])),
        ("Critical error rate", pct(c[2])),
        ("Average handle time", "–" if k[3] is None else f"{k[3] / 60:.1f} min"),
        ("Verdicts sent to review", pct(c[3])),
        ("Waiting for a reviewer", f"{num(c[4])} (+{num(c[5])} disputes)"),
        ("Cohen's kappa (AI vs people)", num(kappa, "{:.2f}")),
    ]


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
color:#1f2d3d;background:#f5f7fa}
header{background:#1f2d3d;color:#fff;padding:16px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c9d3df;font-size:13px}
main{max-width:1100px;margin:0 auto;padding:16px 32px 40px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px;
margin:8px 0 20px}
.tile{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0001}
.tile b{display:block;font-size:20px;margin-top:2px}.tile span{font-size:12px;color:#56657a}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:16px}
figure.chart{background:#fff;margin:0;border-radius:6px;padding:12px 14px;
box-shadow:0 1px 2px #0001}
figure.chart h2{font-size:15px;margin:0 0 6px}figure.chart svg{width:100%;height:auto;display:block}
figcaption{font-size:12px;color:#56657a;margin-top:6px}
footer{font-size:11px;color:#56657a;margin-top:24px}
"""


def _page(tenant_id, display_name, tiles, figures, as_of) -> str:
    e = html.escape
    tile_html = "".join(
        f'<div class="tile"><span>{e(k)}</span><b>{e(v)}</b></div>' for k, v in tiles
    )
    chart_html = "".join(
        f'<figure class="chart" id="chart-{c.key}" data-chart="{c.key}"><h2>{e(c.title)}</h2>'
        f"{svg}<figcaption>{e(c.caption)}</figcaption></figure>"
        for c, svg in figures
    )
    stamp = "no call scored yet" if as_of is None else f"data up to {as_of:%Y-%m-%d %H:%M} UTC"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>KPI report – {e(display_name)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Call quality KPIs – {e(display_name)}</h1>"
        f"<p>Tenant {e(tenant_id)} · {e(stamp)} · agents by their pseudonymous id</p></header>"
        f'<main><section class="tiles">{tile_html}</section>'
        f'<section class="charts">{chart_html}</section>'
        "<footer>Built from this tenant's published KPI database after each publish. Scores "
        "are final scores (after human review; verdicts waiting for a person left out). "
        "Definitions: the KPI glossary of the dbt project.</footer></main></body></html>\n"
    )
