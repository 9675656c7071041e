"""OpenLineage events: built from the contracts and the art. 30 record's column lineage, accepted
by the client's generated model (``tests/lineage/model.py``; the client ships no JSON schema),
sent where the standard settings say (a 0600 file by default, HTTP to a catalogue), and free of
what a failing step's error message may hold."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.lib import lineage as hooks
from orchestration.lib.resources import SettingsResource
from tests.lineage.model import Invalid, validate
from tests.lineage.receiver import receiver
from transforms.compliance import lineage as ol
from transforms.core.contracts import load_contracts
from transforms.core.settings import Settings, declared

#: A value a step's exception message could hold; it must never reach an event.
SECRET_NUMBER = "+33 6 12 34 56 78"


def _json(event) -> dict:
    from openlineage.client.serde import Serde

    return json.loads(Serde.to_json(event))


def _full_event() -> dict:
    """A COMPLETE event with every facet we emit: run (engine, parent, tags, error), job type,
    an output with schema, tags, owner, documentation, column lineage and row count, an input
    with data-quality assertions and metrics."""
    contract = load_contracts()["silver.call_scores"]
    lineage = {"score": (("file", "/srv/ccr/lakehouse/silver/criterion_results", "points"),)}
    out = ol.DatasetRef("file", "/srv/ccr/lakehouse/silver/call_scores", contract, (), lineage)
    check = ol.CheckOutcome(out, "contract", False, frozenset({contract.rules[0].name}), 7)
    parent = ol.Parent("ns", "call_batch_job", ol.run_id("dagster-run"))
    return _json(
        ol.event("FAIL", namespace="ns", job="score", run=ol.run_id("r", "s"),
                 at=datetime.now(UTC), inputs=ol.checked([check]), outputs=[ol.output(out, 2)],
                 parent=parent, tags={"tenant": "acme-telecom"}, error="ValueError")
    )  # fmt: skip


def test_an_event_with_every_facet_we_emit_structures_into_the_generated_model():
    from openlineage.client.generated.base import RunEvent
    from openlineage.client.generated.column_lineage_dataset import ColumnLineageDatasetFacet

    event = _full_event()
    structured = validate(event)
    assert isinstance(structured, RunEvent)
    facet = structured.outputs[0].facets["columnLineage"]
    assert isinstance(facet, ColumnLineageDatasetFacet)
    assert facet.fields["score"].inputFields[0].field == "points"


def _drop(*path):
    def mangle(event):
        del _at(event, *path[:-1])[path[-1]]

    return mangle


def _at(event, *path):
    for key in path:
        event = event[key]
    return event


def _put(value, *path):
    """Set ``path`` to ``value`` (a function of the whole event: a value taken from it)."""

    def mangle(event):
        _at(event, *path[:-1])[path[-1]] = value(event) if callable(value) else value

    return mangle


_OUT = ("outputs", 0)
_SCHEMA = (*_OUT, "facets", "schema")
_ASSERTION = ("inputs", 0, "inputFacets", "dataQualityAssertions", "assertions", 0)
_SCORE_LINEAGE = (*_OUT, "facets", "columnLineage", "fields", "score")


def _other_version(url: str) -> str:
    return re.sub(r"/spec/(facets/)?[0-9-]+/", r"/spec/\g<1>9-9-9/", url)


#: Ways an event can be wrong; the check must refuse every one.
MANGLED = {
    "eventTime without a time": _put("2026-11-05", "eventTime"),
    "eventTime not a date": _put("yesterday", "eventTime"),
    "runId not a UUID": _put("run-1", "run", "runId"),
    "the parent's runId not a UUID": _put("x", "run", "facets", "parent", "run", "runId"),
    "an unknown event field": _put("START", "evenType"),
    "an unknown facet field": _put(True, *_SCHEMA, "fields", 0, "nullable"),
    "an event type the spec has not": _put("DONE", "eventType"),
    "no eventTime": _drop("eventTime"),
    "no run": _drop("run"),
    "no job name": _drop("job", "name"),
    "no dataset namespace": _drop(*_OUT, "namespace"),
    "no producer": _drop("producer"),
    "no schemaURL": _drop("schemaURL"),
    "another spec version": _put(lambda e: _other_version(e["schemaURL"]), "schemaURL"),
    "a facet without _producer": _drop(*_SCHEMA, "_producer"),
    "a facet without _schemaURL": _drop(*_SCHEMA, "_schemaURL"),
    "a facet of a schema no class has": _put(
        lambda e: _other_version(_at(e, *_SCHEMA, "_schemaURL")), *_SCHEMA, "_schemaURL"
    ),
    "column lineage without its input fields": _drop(*_SCORE_LINEAGE, "inputFields"),
    "a dataset facet among the run facets": _put(
        lambda e: _at(e, *_SCHEMA), "run", "facets", "schema"
    ),
    "an output facet on an input": _put(
        lambda e: _at(e, *_OUT, "outputFacets", "outputStatistics"),
        *("inputs", 0, "inputFacets", "outputStatistics"),
    ),
    "a row count as text": _put("2", *_OUT, "outputFacets", "outputStatistics", "rowCount"),
    "success as text": _put("true", *_ASSERTION, "success"),
    "inputs not a list": _put({}, "inputs"),
}


@pytest.mark.parametrize("how", MANGLED)
def test_a_mangled_event_is_rejected(how):
    """The check can fail: each of these is refused, and the unmangled event is accepted."""
    event = _full_event()
    validate(copy.deepcopy(event))
    MANGLED[how](event)
    with pytest.raises(Invalid):
        validate(event)


def test_every_table_and_mart_gives_a_valid_event_with_its_facets(ccr_home: Settings):
    catalog = hooks.Catalog(ccr_home)
    outputs, lineage_columns = [], 0
    for contract in load_contracts().values():
        (ref,) = catalog.datasets(dg.AssetKey(contract.asset_key))
        assert ref.contract is contract
        outputs.append(ol.output(ref, rows=3))
        lineage_columns += len(ref.column_lineage)
    assert lineage_columns > 50  # the marts' columns traced to the lakehouse
    event = _json(
        ol.event("COMPLETE", namespace="ns", job="all", run=ol.run_id("r", "s"),
                 at=datetime.now(UTC), outputs=outputs, tags={"tenant": "acme-telecom"})
    )  # fmt: skip
    validate(event)
    calls = next(o for o in event["outputs"] if o["name"].endswith("/bronze/calls"))
    assert calls["namespace"] == "file"
    assert calls["name"] == f"{ccr_home.lakehouse}/bronze/calls"
    fields = {f["name"] for f in calls["facets"]["schema"]["fields"]}
    assert {"call_uid", "caller_key", "agent_id"} <= fields
    tags = {(t.get("field"), t["key"]): t["value"] for t in calls["facets"]["tags"]["tags"]}
    contract = load_contracts()["bronze.calls"]
    for column in contract.columns:  # every column's PII class and category, as the contract
        assert tags[(column.name, "pii_class")] == column.pii_class
        assert tags[(column.name, "data_category")] == column.data_category
    assert tags[(None, "retention_category")] == contract.retention_category
    fct = next(o for o in event["outputs"] if o["name"] == "main.fct_calls")
    assert fct["namespace"] == f"duckdb://{ccr_home.kpi_build_database}"
    score = fct["facets"]["columnLineage"]["fields"]["score"]["inputFields"]
    assert {"namespace": "file", "name": f"{ccr_home.lakehouse}/silver/call_scores",
            "field": "score", "transformations": []} in score  # fmt: skip


def test_the_column_lineage_is_the_art30_records():
    """One source: what the record says a mart column comes from, the event says too."""
    import json as _json_mod

    from transforms.compliance.record import column_lineage
    from transforms.core.settings import REPO_ROOT

    manifest = _json_mod.loads((REPO_ROOT / "dbt_project/target/manifest.json").read_text())
    record = column_lineage(manifest, load_contracts(), REPO_ROOT / "dbt_project" / "macros")
    catalog = hooks.Catalog(Settings.from_env({"CCR_HOME": "/srv/ccr"}))
    for mart, columns in record.items():
        (ref,) = catalog.datasets(dg.AssetKey([mart]))
        for column, sources in columns.items():
            in_event = {f"{name.split('/lakehouse/')[1].replace('/', '.')}.{col}"
                        for _ns, name, col in ref.column_lineage.get(column, ())}  # fmt: skip
            assert in_event == set(sources), (mart, column)


def test_a_contract_check_is_a_data_quality_facet_per_rule(ccr_home: Settings):
    catalog = hooks.Catalog(ccr_home)
    (ref,) = catalog.datasets(dg.AssetKey(["silver", "call_scores"]))
    outcome = ol.CheckOutcome(ref, "contract", False, frozenset({"points_within_possible"}), 7)
    event = _json(
        ol.event("COMPLETE", namespace="ns", job="check", run=ol.run_id("r", "c"),
                 at=datetime.now(UTC), inputs=ol.checked([outcome]), job_type="ASSET_CHECK")
    )  # fmt: skip
    validate(event)
    (checked,) = event["inputs"]
    assertions = checked["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert len(assertions) == len(ref.contract.rules)
    failed = [a["name"] for a in assertions if not a["success"]]
    assert failed == ["points_within_possible"]
    assert checked["inputFacets"]["dataQualityMetrics"]["rowCount"] == 7


# ---------------------------------------------------------------- the hooks in real runs


@dg.asset(key=["silver", "call_scores"])
def _scores() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 2})


@dg.asset(key=["warehouse", "kpis"], deps=[_scores])
def _publish() -> None:
    raise ValueError(f"could not publish the call of {SECRET_NUMBER}")


def _run(settings: Settings, *assets, **fields: str) -> dg.ExecuteInProcessResult:
    """The assets in a run, with the lineage hooks and the settings resource bound to this
    process's variables as the code location binds it (``fields``: settings of this run only)."""
    bound = {d.var.lower(): dg.EnvVar(d.var) for d in declared() if d.var in os.environ}
    resources = {"settings": SettingsResource(**(bound | fields))}
    defs = hooks.with_lineage(dg.Definitions(assets=list(assets), resources=resources))
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False)


def _file_events(settings: Settings) -> list[dict]:
    path = Path(settings.lineage_file)
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_by_default_events_go_to_an_owner_only_file(ccr_home: Settings, monkeypatch):
    for var in [v for v in os.environ if v.startswith("OPENLINEAGE")]:
        monkeypatch.delenv(var)
    monkeypatch.chdir(ccr_home.home)  # no openlineage.yml here
    result = _run(ccr_home, _scores, _publish)
    assert not result.success  # the publish step failed, on purpose
    path = Path(ccr_home.lineage_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    events = _file_events(ccr_home)
    for e in events:
        validate(e)
    states = [(e["job"]["name"], e["eventType"]) for e in events]
    assert states == [
        ("silver__call_scores", "START"),
        ("silver__call_scores", "COMPLETE"),
        ("warehouse__kpis", "START"),
        ("warehouse__kpis", "FAIL"),
    ]
    done = events[1]
    assert done["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 2
    assert done["run"]["facets"]["parent"]["run"]["runId"] == result.run_id
    assert events[0]["run"]["runId"] == done["run"]["runId"]
    failed = events[3]
    # What the failed step would have read, as its START said: the dbt marts it publishes when
    # the dbt project's manifest is there to name them, else the silver table they come from.
    assert failed["inputs"] and failed["inputs"] == events[2]["inputs"]
    names = {i["name"] for i in failed["inputs"]}
    assert (
        names == {f"{ccr_home.lakehouse}/silver/call_scores"}
        or {"main.fct_calls", "main.agg_agent_daily"} <= names
    )
    # The error says what kind of failure, never the message (it quoted a phone number).
    assert failed["run"]["facets"]["errorMessage"]["message"] == "ValueError"
    text = path.read_text()
    assert SECRET_NUMBER not in text and "612345678" not in text.replace(" ", "")


def test_the_hooks_take_the_runs_settings_not_the_process_environment(
    ccr_home: Settings, monkeypatch, tmp_path
):
    """The run's settings resource says where the file is; a different variable in the
    process's environment is not read by the hooks."""
    monkeypatch.chdir(ccr_home.home)
    from_env = tmp_path / "from-env" / "events.jsonl"
    monkeypatch.setenv("CCR_LINEAGE_FILE", str(from_env))
    of_run = tmp_path / "of-run" / "events.jsonl"
    assert _run(ccr_home, _scores, ccr_lineage_file=str(of_run)).success
    events = [validate(json.loads(line)) for line in of_run.read_text().splitlines()]
    assert [e.eventType.value for e in events] == [
        "START",
        "COMPLETE",
    ]
    assert not from_env.exists()


def test_openlineage_url_sends_to_the_catalogue_over_http(ccr_home: Settings, monkeypatch):
    monkeypatch.chdir(ccr_home.home)
    with receiver() as got:
        monkeypatch.setenv("OPENLINEAGE_URL", got.url)
        _run(ccr_home, _scores)
    assert {p for p in got.paths} == {"/api/v1/lineage"}
    assert [validate(e).eventType.value for e in got.events] == ["START", "COMPLETE"]
    assert not Path(ccr_home.lineage_file).exists()


def test_openlineage_disabled_sends_nothing(ccr_home: Settings, monkeypatch):
    monkeypatch.chdir(ccr_home.home)
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    assert _run(ccr_home, _scores).success
    assert not Path(ccr_home.lineage_file).exists()


def test_a_catalogue_that_is_down_does_not_stop_the_step(ccr_home: Settings, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.chdir(ccr_home.home)
    monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__RETRY__TOTAL", "0")
    assert _run(ccr_home, _scores).success


@pytest.mark.parametrize("where", ["s3://bucket/prefix/silver/calls", "/srv/x/silver/calls"])
def test_dataset_naming_follows_the_openlineage_conventions(where):
    namespace, name = ol.location(where)
    assert (namespace, name) in {("s3://bucket", "prefix/silver/calls"), ("file", where)}
