"""The code location loads, and its asset graph is what the design says."""

import dagster as dg

from orchestration.definitions import build_definitions


def test_definitions_load_with_jobs_sensors_and_the_full_asset_graph():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "bronze/calls",
        "bronze/quarantine",
        "silver/transcripts",
        "silver/transcript_segments",
        "silver/call_metrics",
        "silver/call_scores",
        "silver/criterion_results",
        "fct_calls",
        "agg_agent_daily",
        "warehouse/kpis",
    } <= keys
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"call_batch_job", "kpi_job"}
    assert {s.name for s in defs.sensors} >= {"landing_sensor", "rebuild_kpis_after_batch"}
    # landing reaches the published warehouse through every layer
    upstream = graph.get(dg.AssetKey(["warehouse", "kpis"]))
    lineage = set()
    frontier = [upstream.key]
    while frontier:
        key = frontier.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in lineage:
                lineage.add(parent)
                frontier.append(parent)
    assert dg.AssetKey(["bronze", "calls"]) in lineage
    assert dg.AssetKey(["silver", "criterion_results"]) in lineage


def test_the_retention_job_runs_daily_and_purges_after_the_statistics():
    defs = build_definitions()
    job = defs.resolve_job_def("retention_job")
    assert job.tags["ccr/delta-writer"] == "lakehouse"  # one Delta writer at a time
    schedule = next(s for s in defs.schedules if s.name == "retention_daily")
    assert schedule.cron_schedule == "0 3 * * *" and schedule.job_name == "retention_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    graph = defs.resolve_asset_graph()
    ledger = graph.get(dg.AssetKey(["compliance", "retention_erasure"]))
    upstream, frontier = set(), [ledger.key]
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in upstream:
                upstream.add(parent)
                frontier.append(parent)
    # the statistics are computed from the published KPIs before anything is erased
    assert dg.AssetKey(["compliance", "anonymised_statistics"]) in upstream
    assert dg.AssetKey(["warehouse", "kpis"]) in upstream


def test_the_settings_resource_gives_a_step_context_outside_a_run(tmp_path, monkeypatch):
    """A notebook or a test builds it as the code location does (``dg.EnvVar`` fields, resolved
    by Dagster only inside a run): its settings are read from the environment then."""
    import os

    from orchestration.lib.resources import SettingsResource

    monkeypatch.setenv("CCR_HOME", str(tmp_path))
    monkeypatch.setenv("CCR_WHISPER_BEAM", "3")
    ctx = SettingsResource.from_env(os.environ).step_context()
    assert ctx.settings.home == str(tmp_path) and ctx.settings.whisper_beam == 3
    assert ctx.lakehouse.root == ctx.settings.lakehouse
