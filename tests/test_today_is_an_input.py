""" "Today" is an input: every decision that depends on the date takes it from the step context
(or an argument filled from it), never from the clock; the edges say which date a run is for.

``make demo`` and ``make test`` were also run with the clock a year ahead (Debian's ``faketime``,
docs/development.md); these tests pin the same behaviour without faking the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.common import SAMPLE_LANDING, SAMPLES_AS_OF
from orchestration.cli.pipeline import demo_date_line
from orchestration.defs.compliance.jobs import DATED_OPS, retention_daily
from orchestration.lib.resources import SettingsResource
from transforms.core.context import Clock, StepContext
from transforms.core.settings import REPO_ROOT, Settings
from transforms.ingest.manifest import parse_manifest

#: Ways Python code asks the clock for a date (``datetime.now(UTC)`` alone is an instant: fine
#: for a stamp). Written to catch the usual forms, not every conceivable one.
DATE_FROM_CLOCK = re.compile(
    r"\bdate\.today\(|\bdatetime\.today\(|\butcnow\(|\.now\([^()]*\)\.date\(\)|\bnow\.date\(\)"
    r"|\btime\.localtime\(|\btime\.gmtime\("
)
#: Where a date may come from the clock, and why.
CLOCK_READERS = {
    "transforms/core/context.py": "Clock: the one default for ctx.today()",
    "orchestration/cli/pipeline.py": "ccr demo names the machine's date beside the demo's own",
}
#: SQL that asks the database for the current date or time.
SQL_NOW = re.compile(
    r"\bcurrent_date\b|\bcurrent_timestamp\b|\bnow\(\)|\btoday\(\)|\bget_current_timestamp\b"
    r"|\brun_started_at\b|\bcurrent_localtimestamp\b",
    re.IGNORECASE,
)


def test_nothing_below_the_edges_takes_a_date_from_the_clock():
    found = []
    for folder in ("transforms", "orchestration"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            where = path.relative_to(REPO_ROOT).as_posix()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if DATE_FROM_CLOCK.search(line) and where not in CLOCK_READERS:
                    found.append(f"{where}:{n}: {line.strip()}")
    assert found == [], "take the date from ctx.today() or a `today` argument:\n" + "\n".join(found)


def test_the_probe_catches_the_usual_forms():
    for line in (
        "today = date.today()",
        "day = datetime.now(UTC).date()",
        "if tenant.contract_ended(now.date()):",
        "stamp = datetime.utcnow()",
    ):
        assert DATE_FROM_CLOCK.search(line), line
    assert not DATE_FROM_CLOCK.search("now = now or datetime.now(UTC)")  # a stamp


def test_no_dbt_model_asks_the_database_for_today():
    found = []
    for folder in ("models", "macros", "tests"):
        for path in sorted((REPO_ROOT / "dbt_project" / folder).rglob("*")):
            if path.suffix not in (".sql", ".yml", ".yaml"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL_NOW.search(line.split("--")[0]):
                    found.append(f"{path.relative_to(REPO_ROOT)}:{n}: {line.strip()}")
    assert found == [], "a KPI must not change with the day it is built:\n" + "\n".join(found)


def test_a_context_decides_for_its_date_and_stamps_with_its_instant(tmp_path):
    settings = Settings.from_env({"CCR_HOME": str(tmp_path)})
    before = datetime.now(UTC).date()
    assert before <= Clock().today() <= datetime.now(UTC).date()  # no date given: the clock's
    at = datetime(2030, 1, 1, 12, tzinfo=UTC)
    ctx = StepContext.of(settings, today=date(2027, 12, 1), now=at)
    assert (ctx.today(), ctx.now()) == (date(2027, 12, 1), at)
    assert StepContext.of(settings, now=at).today() == date(2030, 1, 1)  # default: the instant's
    moved = ctx.on(date(2026, 12, 1))
    assert (moved.today(), moved.now()) == (date(2026, 12, 1), at)
    assert moved.lakehouse is ctx.lakehouse and moved.log is ctx.log
    assert ctx.on(None) is ctx
    other = ctx.with_settings(settings.replace(whisper_beam=1))
    assert other.today() == date(2027, 12, 1) and other.settings.whisper_beam == 1


@pytest.mark.parametrize(
    ("as_of", "given", "expected"),
    [
        ("2026-12-01", None, date(2026, 12, 1)),  # the run's date
        ("2026-12-01", date(2027, 6, 5), date(2027, 6, 5)),  # an asset's own date first
        ("", date(2027, 6, 5), date(2027, 6, 5)),
    ],
)
def test_a_runs_date_reaches_the_step_context(tmp_path, as_of, given, expected):
    resource = SettingsResource(ccr_home=str(tmp_path), as_of=as_of)
    assert resource.step_context(today=given).today() == expected
    assert resource.settings().home == str(tmp_path)  # not a setting: the settings are unchanged


def test_without_a_date_the_run_decides_for_the_day_its_steps_run(tmp_path):
    before = datetime.now(UTC).date()
    today = SettingsResource(ccr_home=str(tmp_path)).step_context().today()
    assert before <= today <= datetime.now(UTC).date()


def test_the_daily_retention_run_decides_for_its_ticks_date_once():
    tick = datetime(2027, 12, 1, 3, tzinfo=UTC)
    request = retention_daily.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=tick)
    ).run_requests[0]
    assert request.run_key == "retention-2027-12-01"
    ops = request.run_config["ops"]
    assert set(ops) == set(DATED_OPS)
    assert {c["config"]["as_of"] for c in ops.values()} == {"2027-12-01"}
    # the same run config is valid for the job (the op names exist and take as_of)
    from orchestration.definitions import build_definitions

    job = build_definitions().resolve_job_def("retention_job")
    assert dg.validate_run_config(job, {"ops": ops})["ops"].keys() >= set(DATED_OPS)


def sample_call_days() -> list[date]:
    days = []
    for manifest in sorted(SAMPLE_LANDING.glob("*/*/manifest.*")):
        for row in parse_manifest(manifest.name, manifest.read_bytes()):
            days.append(datetime.fromisoformat(row["started_at"]).astimezone(UTC).date())
    return days


def test_the_demo_runs_for_the_day_after_the_samples_month():
    days = sample_call_days()
    assert len(days) >= 16
    last = max(days)
    month_after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    assert SAMPLES_AS_OF == month_after == date(2026, 12, 1)
    assert all(d.strftime("%Y-%m") == "2026-11" for d in days)


def test_the_demo_says_which_date_it_decides_for():
    line = demo_date_line(date(2027, 12, 1))
    assert "demo date: 2026-12-01" in line and "this machine's 2027-12-01" in line
    assert "ccr retention plan --as-of 2027-12-01" in line
    assert "this machine" not in demo_date_line(SAMPLES_AS_OF)


def test_the_docs_state_the_rule():
    text = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert '"Today" is an input' in text
    assert str(SAMPLES_AS_OF) in Path(REPO_ROOT / "README.md").read_text(encoding="utf-8")
