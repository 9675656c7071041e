"""A tenant's KPI report: one self-contained HTML page quality managers open in a browser.

Read from the tenant's published database (so it can only show that tenant's rows), drawn with
matplotlib as inline SVG: no script, no font or style sheet from a network, nothing to install
to view it. Agents appear under their pseudonymous ids, with aggregates only: no call, transcript
or caller detail. The same database gives the same bytes (no clock in the page, fixed SVG ids),
so publishing twice changes nothing.

Every number on the page is a column of a mart, read as it is: this module selects, filters and
orders rows, it never aggregates (the KPIs are defined once, in dbt; a test fails on an
aggregate here). ``read_report`` reads those rows into a ``ReportData``; the page is drawn from
it alone, so a test compares what the page shows with the marts' rows.

The page scores people, so it opens with the contract's notice (``transforms.kpis.notices``):
the scores can be wrong and carry bias, a person validates any decision about an employee, and
what still waits for a reviewer is shown as such, for the tenant and agent by agent.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import matplotlib

from transforms.kpis import notices

matplotlib.use("svg")
from matplotlib.figure import Figure

#: Agents shown in the ranking (the best and the lowest halves).
RANKED_AGENTS = 20
#: agg_conversation_distribution's measures, in the order the talk and silence chart draws them.
SHARES = (
    ("agent_talk_share", "agent share of talk time"),
    ("silence_share", "silence share of the call"),
)
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


Row = dict[str, Any]

# --------------------------------------------------------------------------- what the page shows


@dataclass(frozen=True)
class Tile:
    label: str
    #: The agg_tenant_kpis columns it shows.
    columns: tuple[str, ...]
    #: As the page shows it.
    text: str


@dataclass(frozen=True)
class ReportData:
    """The marts' rows the page is drawn from, as read (no value is computed here)."""

    #: agg_tenant_kpis' row of the tenant (None before its first call).
    headline: Row | None
    #: agg_tenant_weekly, by week.
    weeks: list[Row] = field(default_factory=list)
    #: agg_agent_kpis: the agents shown, best first (all, or the best and the lowest halves).
    agents: list[Row] = field(default_factory=list)
    #: agg_criterion_kpis with a compliance rate, lowest first.
    compliance: list[Row] = field(default_factory=list)
    #: agg_criterion_kpis reviewed by a person, by criterion.
    calibration: list[Row] = field(default_factory=list)
    #: agg_conversation_distribution, by measure and bin.
    distribution: list[Row] = field(default_factory=list)

    def value(self, column: str) -> Any:
        return None if self.headline is None else self.headline[column]

    @property
    def tiles(self) -> list[Tile]:
        v = self.value
        aht = v("avg_handle_time_s")
        return [
            Tile("Calls received", ("calls_received",), _num(v("calls_received"))),
            Tile("Calls scored", ("calls",), _num(v("calls"))),
            Tile("Coverage", ("coverage_rate",), _pct(v("coverage_rate"))),
            Tile("Mean QA score", ("avg_final_score",), _num(v("avg_final_score"), "{:.1f}")),
            Tile("Pass rate", ("final_pass_rate",), _pct(v("final_pass_rate"))),
            Tile("Critical error rate", ("critical_fail_rate",), _pct(v("critical_fail_rate"))),
            Tile(
                "Average handle time",
                ("avg_handle_time_s",),
                "–" if aht is None else f"{aht / 60:.1f} min",
            ),
            Tile("Verdicts sent to review", ("review_share",), _pct(v("review_share"))),
            Tile(
                "Waiting for a reviewer",
                ("verdicts_pending_review", "disputes_open"),
                f"{_num(v('verdicts_pending_review'))} (+{_num(v('disputes_open'))} disputes)",
            ),
            Tile(
                "Cohen's kappa (AI vs people)", ("cohens_kappa",), _num(v("cohens_kappa"), "{:.2f}")
            ),
        ]


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value, fmt: str = "{:,.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def agent_label(agent: Row) -> str:
    """An agent's line in the ranking: id and the calls its mean QA score is over."""
    return f"{agent['agent_id']} ({agent['calls_with_final_score']} calls)"


def score_label(agent: Row) -> str:
    """The agent's mean QA score as the ranking prints it at the end of its bar."""
    return f"{agent['avg_final_score']:.1f}"


def pending_label(agent: Row) -> str:
    """After the score: the agent's verdicts still waiting for a person ("" when none)."""
    return notices.agent_pending(agent["verdicts_pending_review"])


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> list[Row]:
    cursor = con.execute(sql, parameters)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_report(con: duckdb.DuckDBPyConnection, tenant_id: str) -> ReportData:
    """The rows of ``tenant_id`` the page shows, from its published database."""
    t = [tenant_id]
    headline = _rows(con, "select * from agg_tenant_kpis where tenant_id = ?", t)
    half = RANKED_AGENTS // 2
    return ReportData(
        headline=headline[0] if headline else None,
        weeks=_rows(
            con, "select * from agg_tenant_weekly where tenant_id = ? order by week_start", t
        ),
        # ranked agents: the best and the lowest halves when there are more than RANKED_AGENTS
        agents=_rows(
            con,
            "select * from agg_agent_kpis where tenant_id = ? "
            "and (score_rank <= ? or score_rank > agents_ranked - ?) order by score_rank",
            [tenant_id, half, half],
        ),
        compliance=_rows(
            con,
            "select * from agg_criterion_kpis where tenant_id = ? and compliance_rate is not null "
            "order by compliance_rate, scorecard_id, criterion_id",
            t,
        ),
        calibration=_rows(
            con,
            "select * from agg_criterion_kpis where tenant_id = ? and reviewed_verdicts > 0 "
            "order by criterion_id, scorecard_id",
            t,
        ),
        distribution=_rows(
            con,
            "select * from agg_conversation_distribution where tenant_id = ? "
            "order by measure, bin_index",
            t,
        ),
    )


def write_report(database: Path, out: Path, tenant_id: str, display_name: str) -> Path:
    """Render the report of the tenant whose published database is ``database`` into ``out``."""
    with duckdb.connect(str(database), read_only=True) as con:
        data = read_report(con, tenant_id)
    out.write_text(render(data, tenant_id, display_name), encoding="utf-8")
    return out


def render(data: ReportData, tenant_id: str, display_name: str) -> str:
    """The page, drawn from ``data`` alone."""
    figures = [(chart, _svg(chart, data)) for chart in CHARTS]
    pending = notices.pending_review(*(data.value(c) for c in notices.PENDING_COLUMNS))
    return _page(tenant_id, display_name, data.tiles, figures, data.value("last_input_at"), pending)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str
    draw: Callable[[ReportData, Figure], bool]
    #: What the chart says while it has nothing to draw.
    empty: str = "No scored call yet"
    #: Room around the axes (left, bottom, right, top), fixed: matplotlib's constrained layout
    #: cost a third of a publish at a million calls.
    margins: tuple[float, float, float, float] = (0.09, 0.22, 0.98, 0.86)


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


def _score_trend(data: ReportData, fig: Figure) -> bool:
    weeks = data.weeks
    if not weeks:
        return False
    ax = fig.subplots()
    x = _week_axis(ax, [w["week_start"] for w in weeks])
    ax.bar(x, [w["avg_final_score"] or 0 for w in weeks], color=ACCENT, alpha=0.85,
           label="mean QA score")  # fmt: skip
    ax.plot(
        x, [None if w["final_pass_rate"] is None else 100 * w["final_pass_rate"] for w in weeks],
        color=WARN, marker="o", markersize=3, label="pass rate (%)",
    )  # fmt: skip
    ax.set_ylim(0, 105)
    ax.set_ylabel("QA score / pass rate (%)")
    fig.legend(frameon=False, loc="upper center", ncols=2)
    return True


def _agent_ranking(data: ReportData, fig: Figure) -> bool:
    agents = data.agents
    if not agents:
        return False
    ax = fig.subplots()
    positions = list(range(len(agents)))[::-1]  # the best on top
    bars = ax.barh(positions, [a["avg_final_score"] for a in agents], color=ACCENT)
    ax.set_yticks(positions, [agent_label(a) for a in agents])
    for agent, tick in zip(agents, ax.get_yticklabels(), strict=True):
        tick.set_gid(f"agent-rank-{agent['score_rank']}")
    for agent, bar in zip(agents, bars, strict=True):
        text = ax.annotate(
            score_label(agent), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0), textcoords="offset points", va="center", fontsize=7, color=INK,
        )  # fmt: skip
        text.set_gid(f"agent-rank-{agent['score_rank']}-score")
        if pending_label(agent):  # after the score, in the warning colour
            mark = ax.annotate(
                pending_label(agent), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(22, 0), textcoords="offset points", va="center", fontsize=7, color=WARN,
            )  # fmt: skip
            mark.set_gid(f"agent-rank-{agent['score_rank']}-pending")
    # room right of 100 for the score, and for the pending mark when an agent has one
    ax.set_xlim(0, 140 if any(pending_label(a) for a in agents) else 105)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("mean QA score (0-100)")
    ax.tick_params(axis="y", labelsize=7)
    return True


def _criterion_compliance(data: ReportData, fig: Figure) -> bool:
    rows = data.compliance
    if not rows:
        return False
    ax = fig.subplots()
    labels = [
        _short(
            f"{r['criterion_name'] or r['criterion_id']}{' (critical)' if r['is_critical'] else ''}"
        )
        for r in rows
    ]
    positions = list(range(len(rows)))  # two criteria of one name stay two bars
    ax.barh(positions, [100 * r["compliance_rate"] for r in rows],
            color=[WARN if r["is_critical"] else ACCENT for r in rows])  # fmt: skip
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("final verdicts met, of those applicable (%)")
    return True


def _talk_silence(data: ReportData, fig: Figure) -> bool:
    if not data.distribution:
        return False
    axes = fig.subplots(1, len(SHARES), sharey=True)
    for ax, (measure, label), color in zip(axes, SHARES, (ACCENT, MUTED), strict=True):
        bins = [r for r in data.distribution if r["measure"] == measure]
        ax.bar([100 * r["bin_start"] for r in bins], [r["calls"] for r in bins],
               width=[100 * (r["bin_end"] - r["bin_start"]) for r in bins], align="edge",
               color=color)  # fmt: skip
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"{label} (%)")
    axes[0].set_ylabel("calls")
    return True


def _review_queue(data: ReportData, fig: Figure) -> bool:
    weeks = data.weeks
    if not weeks or not (data.value("verdicts_sent_to_review") or data.value("disputes_open")):
        return False
    ax = fig.subplots()
    x = _week_axis(ax, [w["week_start"] for w in weeks])
    reviewed = [w["verdicts_sent_to_review_decided"] for w in weeks]
    ax.bar(x, reviewed, color=MUTED, label="sent to review, reviewed")
    ax.bar(x, [w["verdicts_pending_review"] for w in weeks], bottom=reviewed, color=WARN,
           label="sent to review, still waiting")  # fmt: skip
    ax.plot(x, [w["disputes_open"] for w in weeks], color=INK, marker="o", markersize=3,
            label="agent disputes open")  # fmt: skip
    ax.set_ylabel("verdicts (calls of that week)")
    fig.legend(frameon=False, loc="upper center", ncols=3)
    return True


def _calibration(data: ReportData, fig: Figure) -> bool:
    rows = data.calibration
    if not rows:
        return False
    ax = fig.subplots()
    positions = range(len(rows))
    ax.bar([p - 0.2 for p in positions], [r["agreement_rate"] for r in rows], 0.4, color=ACCENT,
           label="agreement")  # fmt: skip
    ax.bar(
        [p + 0.2 for p in positions],
        [r["cohens_kappa"] or 0 for r in rows],
        0.4,
        color=WARN,
        label="Cohen's kappa",
    )
    ax.set_xticks(
        list(positions),
        [f"{r['criterion_id']} ({r['reviewed_verdicts']})" for r in rows],
        rotation=30,
        ha="right",
        fontsize=7,
    )
    ax.set_xlabel("criterion (verdicts reviewed)")
    # layout only: room below 0 when a kappa is negative
    ax.set_ylim(min(0, *(r["cohens_kappa"] or 0 for r in rows)), 1)
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
        f"Agents ranked on their mean QA score (after human review), calls with a QA score in "
        f"brackets; the {RANKED_AGENTS // 2} best and the {RANKED_AGENTS // 2} lowest when there "
        "are more. In orange: the agent's AI verdicts still waiting for a reviewer, left out "
        "of the score until a person decides.",
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


def _svg(chart: Chart, data: ReportData) -> str:
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 3.2))
        left, bottom, right, top = chart.margins
        fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top, wspace=0.08)
        if not chart.draw(data, fig):
            fig.clear()
            fig.text(0.5, 0.5, chart.empty, ha="center", va="center", color=MUTED, fontsize=13)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: inline SVG in HTML


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
.notice{background:#fff7ed;border-left:5px solid #c2410c;border-radius:6px;padding:10px 16px;
margin:8px 0 14px;font-size:13px;line-height:1.45}
.notice h2{font-size:15px;margin:0 0 4px;color:#9a3412}.notice p{margin:4px 0}
#pending-review{color:#9a3412}
"""


def _notice(pending: str) -> str:
    e = html.escape
    return (
        f'<section class="notice" id="ai-notice" role="note"><h2>{e(notices.TITLE)}</h2>'
        f'<p id="notice-error-bias">{e(notices.ERROR_AND_BIAS)}</p>'
        f'<p id="notice-human-validation"><b>{e(notices.HUMAN_VALIDATION)}</b></p>'
        f'<p id="pending-review" data-columns="{" ".join(notices.PENDING_COLUMNS)}">'
        f"{e(pending)}</p></section>"
    )


def _page(tenant_id, display_name, tiles, figures, as_of, pending) -> str:
    e = html.escape
    tile_html = "".join(
        f'<div class="tile" data-columns="{e(" ".join(t.columns))}"><span>{e(t.label)}</span>'
        f"<b>{e(t.text)}</b></div>"
        for t in tiles
    )
    chart_html = "".join(
        f'<figure class="chart" id="chart-{c.key}" data-chart="{c.key}"><h2>{e(c.title)}</h2>'
        f"{svg}<figcaption>{e(c.caption)}</figcaption></figure>"
        for c, svg in figures
    )
    stamp = (
        "no call scored yet"
        if as_of is None
        else f"data up to {as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>KPI report – {e(display_name)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Call quality KPIs – {e(display_name)}</h1>"
        f"<p>Tenant {e(tenant_id)} · {e(stamp)} · agents by their pseudonymous id</p></header>"
        f"<main>{_notice(pending)}"
        f'<section class="tiles">{tile_html}</section>'
        f'<section class="charts">{chart_html}</section>'
        "<footer>Built from this tenant's published KPI database after each publish. Scores "
        "are final scores (after human review; verdicts waiting for a person left out); agents "
        "rank on their mean QA score. Every number is a column of the marts agg_tenant_kpis, "
        "agg_tenant_weekly, agg_agent_kpis, agg_criterion_kpis and "
        "agg_conversation_distribution, as it is; definitions: the KPI glossary of the dbt "
        "project.</footer></main></body></html>\n"
    )
