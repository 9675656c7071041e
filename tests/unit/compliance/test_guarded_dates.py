"""Audit finding 8: nothing applies retention for a date after today, from ``ccr`` or from the
Dagster UI's run config; planning may look ahead. "Today" is the step context's."""

from __future__ import annotations

import contextlib
import io
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from orchestration import cli
from orchestration.defs.compliance.assets import RetentionConfig, anonymised_statistics
from orchestration.lib.resources import SettingsResource
from tests.synthetic_lakehouse import build
from transforms.compliance import step
from transforms.compliance.actions import midnight
from transforms.compliance.erasure import Hooks
from transforms.core.context import Clock, FutureDate, StepContext
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS


@pytest.fixture
def lake(tmp_path) -> Settings:
    home = tmp_path / "home"
    settings = Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})
    build(settings, ["acme", "globex"], calls_per_tenant=4)
    return settings


def test_a_day_after_today_is_refused_unless_looking_ahead(lake):
    noon = datetime(2026, 12, 6, 12, tzinfo=UTC)
    ctx = StepContext.of(lake, now=noon)
    assert ctx.on(date(2026, 12, 6)).today() == date(2026, 12, 6)
    assert ctx.on(date(2026, 1, 1)).today() == date(2026, 1, 1)
    with pytest.raises(FutureDate, match="after today"):
        ctx.on(date(2026, 12, 7))
    assert ctx.on(date(2028, 1, 1), look_ahead=True).today() == date(2028, 1, 1)


def test_applying_a_plan_that_looked_ahead_is_refused_before_anything_goes(lake):
    """400 days ahead, every call would go: the plan may say so, applying it may not."""
    ahead = date.today() + timedelta(days=400)
    ctx = StepContext.of(lake)
    plan = step.plan(ctx.on(ahead, look_ahead=True))
    assert sum(a.rows for a in plan.work()) > 0  # planning says what would go
    stored = plan.rows("run", midnight(ahead))
    hooks = Hooks(lambda t: None, lambda t: 0, lambda: 0)
    with pytest.raises(FutureDate):
        step.apply_plan(ctx, stored, hooks)
    assert Lakehouse(lake.lakehouse).read(CALLS).height == 8


def run_ccr(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    saved = {k: os.environ.get(k) for k in ("CCR_HOME", "CCR_KEYS", "DAGSTER_HOME")}
    os.environ.update({"CCR_HOME": settings.home, "CCR_KEYS": settings.keys})
    os.environ["DAGSTER_HOME"] = str(Path(settings.home) / "dagster")
    try:
        with contextlib.redirect_stdout(out):
            code = cli.main(list(argv))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return code, out.getvalue()


def test_ccr_retention_apply_refuses_a_date_after_today_and_plan_may_look_ahead(lake):
    ahead = str(date.today() + timedelta(days=400))
    code, printed = run_ccr(lake, "retention", "apply", "--as-of", ahead)
    assert code == 2 and "after today" in printed and "nothing was run" in printed
    assert not (Path(lake.home) / "dagster").exists()  # no run was started
    assert Lakehouse(lake.lakehouse).read(CALLS).height == 8
    code, printed = run_ccr(lake, "retention", "plan", "--as-of", ahead)
    assert code == 0 and printed.startswith(f"Retention plan for {ahead}: ")


def test_the_retention_jobs_run_config_refuses_a_date_after_today(lake):
    """What the Dagster UI's launchpad sets: the first asset of the job fails the run."""
    ahead = str(date.today() + timedelta(days=400))
    resource = SettingsResource(ccr_home=lake.home, ccr_keys=lake.keys)
    with pytest.raises(dg.Failure, match="after today"):
        RetentionConfig(as_of=ahead).context(resource, None)
    result = dg.materialize(
        [anonymised_statistics],
        resources={"settings": resource},
        run_config={"ops": {"compliance__anonymised_statistics": {"config": {"as_of": ahead}}}},
        raise_on_error=False,
    )
    assert not result.success
    today = RetentionConfig(as_of=str(date.today())).context(resource, None)
    assert today.today() == date.today()


def test_today_comes_from_the_context_clock():
    later = datetime(2027, 6, 5, 9, tzinfo=UTC)
    assert Clock(at=later).today() == date(2027, 6, 5)
    ctx = StepContext.of(Settings.from_env({}), now=later)
    assert ctx.on(date(2027, 6, 5)).today() == date(2027, 6, 5)
