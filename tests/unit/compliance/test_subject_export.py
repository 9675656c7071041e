"""Audit finding 3: data-subject access. ``ccr subject export`` for a caller and for an agent, with
a published KPI file that, like the real one, holds marts without a tenant column (dim_dates):
every row about the subject, nobody else's, and a manifest naming every table and file drawn
from."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration import cli
from tests.synthetic_lakehouse import build
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS
from transforms.kpis import publish

TENANT = "globex"


def published(settings: Settings, calls: pl.DataFrame) -> Path:
    """The tenant's KPI file with the shapes of the real marts: per call, per agent and day, a
    dimension table, and a calendar with no tenant and no person in it."""
    path = publish.tenant_database(settings.warehouse, TENANT)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = calls.filter(pl.col("tenant_id") == TENANT)
    fct = mine.select("tenant_id", "call_uid", "agent_id", pl.lit(80.0).alias("score"))
    agents = mine.group_by("tenant_id", "agent_id").agg(pl.len().alias("calls"))
    qa = agents.select(
        "tenant_id", pl.lit("agent").alias("dimension"), pl.col("agent_id").alias("dimension_value")
    )
    dates = pl.DataFrame({"date_day": [date(2026, 11, 2), date(2026, 11, 3)]})
    with duckdb.connect(str(path)) as con:
        for name, frame in {
            "fct_calls": fct,
            "agg_agent_daily": agents,
            "agg_qa_kpis": qa,
            "dim_dates": dates,
        }.items():
            con.register("frame", frame.to_arrow())
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
    return path


@pytest.fixture
def lake(tmp_path) -> tuple[Settings, pl.DataFrame]:
    home = tmp_path / "home"
    settings = Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})
    built = build(settings, ["acme", TENANT], calls_per_tenant=8)
    published(settings, built.calls)
    return settings, built.calls


def run_ccr(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    saved = {k: os.environ.get(k) for k in ("CCR_HOME", "CCR_KEYS")}
    os.environ.update({"CCR_HOME": settings.home, "CCR_KEYS": settings.keys})
    try:
        with contextlib.redirect_stdout(out):
            code = cli.main(list(argv))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return code, out.getvalue()


def check_manifest(out: Path, settings: Settings) -> dict:
    """Every file listed with its digest, every table and stored file with where it came from."""
    manifest = json.loads((out / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], name
    sources = manifest["sources"]
    for name, source in sources["tables"].items():
        assert (out / source["file"]).is_file(), name
        expected = "lakehouse table" if not name.startswith("marts.") else "published KPI file"
        assert source["from"].startswith(expected), (name, source)
    stores = ("audio", "playback", "quarantine_files")
    exported = {n for n in manifest["files"] if n.split("/")[0] in stores}
    assert exported and exported == set(sources["files"])
    for name, source in sources["files"].items():
        stored = source["from"].removeprefix("lakehouse object ")
        assert (Path(settings.lakehouse) / stored).is_file(), name
    assert "marts.dim_dates" not in sources["tables"]  # no column could name the subject
    return manifest


def test_a_caller_export_holds_their_calls_and_names_its_sources(lake, tmp_path):
    settings, calls = lake
    phone = calls.filter(pl.col("tenant_id") == TENANT)["phone"][0]
    theirs = set(calls.filter(pl.col("phone") == phone)["call_uid"])
    out = tmp_path / "access-request"
    code, printed = run_ccr(
        settings, "subject", "export", "--tenant", TENANT, "--phone", phone, "--out", str(out)
    )
    assert code == 0, printed
    assert phone not in printed
    manifest = check_manifest(out, settings)
    assert manifest["sources"]["tables"]["marts.fct_calls"]["from"] == (
        f"published KPI file tenants/{TENANT}.duckdb, table fct_calls"
    )
    for name in ("bronze.calls", "silver.transcripts", "marts.fct_calls"):
        exported = pl.read_parquet(out / "tables" / f"{name}.parquet")
        assert set(exported["call_uid"]) == theirs, name
    audio = list((out / "audio").iterdir())
    assert len(audio) == len(theirs)
    stored = Lakehouse(settings.lakehouse).read(CALLS).filter(pl.col("call_uid").is_in(theirs))
    assert {p.name.split(".")[0] for p in audio} == set(stored["audio_sha256"])
    assert phone not in (out / "manifest.json").read_text()


def test_an_agent_export_holds_their_calls_and_their_kpi_rows(lake, tmp_path):
    settings, calls = lake
    agent = calls.filter(pl.col("tenant_id") == TENANT)["agent_id"][0]
    theirs = set(calls.filter(pl.col("agent_id") == agent)["call_uid"])
    out = tmp_path / "agent-request"
    code, printed = run_ccr(
        settings, "subject", "export", "--tenant", TENANT, "--agent", agent, "--out", str(out)
    )
    assert code == 0, printed
    check_manifest(out, settings)
    assert set(pl.read_parquet(out / "tables" / "bronze.calls.parquet")["call_uid"]) == theirs
    daily = pl.read_parquet(out / "tables" / "marts.agg_agent_daily.parquet")
    assert set(daily["agent_id"]) == {agent}
    qa = pl.read_parquet(out / "tables" / "marts.agg_qa_kpis.parquet")
    assert set(qa["dimension_value"]) == {agent}
    register = Path(settings.compliance_dir) / "exports.jsonl"
    (entry,) = [json.loads(line) for line in register.read_text().splitlines()]
    assert entry["scope"] == "agent" and entry["folder"] == str(out.resolve())
    assert agent not in register.read_text()
