"""OpenLineage run events for the compliance team's catalogue (Marquez, DataHub, OpenMetadata).

Pure Python: the caller (``orchestration/lib/lineage.py``, a Dagster hook on every step) says
which step ran, what it read and wrote and how its checks went; this module turns that into
OpenLineage ``RunEvent`` objects of the ``openlineage-python`` client, with dataset facets built
from the same sources as the art. 30 record: the data contracts (schema, PII classes, owner,
purpose, quality rules) and the marts' column lineage of ``transforms.compliance.record``.

What an event may hold, and what it never holds (docs/lineage.md): names of jobs, tables and
columns, column types and descriptions, rule names and pass/fail, row counts, run ids, the tenant
id and the call-batch partition key (as the processing log keeps them). Never a value read from a
table: no phone number, caller pseudonym, call id, agent id, transcript text or quote; an error is
reported by its exception type only (a message may quote a value).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
    documentation_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    ownership_dataset,
    parent_run,
    processing_engine_run,
    schema_dataset,
    tags_dataset,
    tags_run,
)

from transforms.core.contracts import Contract, Rule

#: Who wrote the events (a URI, as the spec asks); catalogues show it beside each facet.
PRODUCER = "urn:callcenterrate:lakehouse"
#: Stable run ids: the same Dagster step gives the same OpenLineage run id in every process that
#: reports on it (START and COMPLETE, a Celery worker and the process that logs a lost step).
_RUN_IDS = uuid.UUID("5b0c7c1e-4f0e-4d38-9d8a-2a3f0c2b7e11")


@dataclass(frozen=True)
class DatasetRef:
    """One dataset as OpenLineage names it, with what we know about its columns.

    ``contract``: the table's data contract (lakehouse tables and marts); ``columns``: (name,
    type, description) where no contract exists (dbt staging and intermediate models);
    ``column_lineage``: column → the (namespace, name, column) it is computed from.
    """

    namespace: str
    name: str
    contract: Contract | None = None
    columns: tuple[tuple[str, str, str], ...] = ()
    column_lineage: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True)
class CheckOutcome:
    """A check's verdict on one dataset: a data contract's suite (``failed_rules``: the names of
    the rules that failed; counts only, never values) or a single test (a dbt test)."""

    dataset: DatasetRef
    check: str
    passed: bool
    failed_rules: frozenset[str] = frozenset()
    rows_validated: int | None = None


def location(uri_or_path: str) -> tuple[str, str]:
    """OpenLineage naming of a file or folder: ``s3://bucket`` + key, or ``file`` + local path."""
    if uri_or_path.startswith(("s3://", "s3a://")):
        bucket, _, key = uri_or_path.split("://", 1)[1].partition("/")
        return f"s3://{bucket}", key
    return "file", uri_or_path


def run_id(*parts: str) -> str:
    """A UUID that is the same wherever the same Dagster run and step compute it."""
    return str(uuid.uuid5(_RUN_IDS, "/".join(parts)))


# ---------------------------------------------------------------- dataset facets


def _schema(ref: DatasetRef) -> schema_dataset.SchemaDatasetFacet | None:
    if ref.contract is not None:
        cols = [(c.name, c.physical_type, c.description) for c in ref.contract.columns]
    else:
        cols = list(ref.columns)
    if not cols:
        return None
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            schema_dataset.SchemaDatasetFacetFields(
                name=name, type=type_ or None, description=doc or None, ordinal_position=i
            )
            for i, (name, type_, doc) in enumerate(cols, start=1)
        ],
        producer=PRODUCER,
    )


def _tags(contract: Contract) -> tags_dataset.TagsDatasetFacet:
    """Each column's PII class and DPA data category, as column tags a catalogue can filter on."""
    tags = []
    for c in contract.columns:
        tags += [
            tags_dataset.TagsDatasetFacetFields("pii_class", c.pii_class, "data_contract", c.name),
            tags_dataset.TagsDatasetFacetFields(
                "data_category", c.data_category, "data_contract", c.name
            ),
        ]
    tags.append(
        tags_dataset.TagsDatasetFacetFields(
            "retention_category", contract.retention_category, "data_contract"
        )
    )
    return tags_dataset.TagsDatasetFacet(tags=tags, producer=PRODUCER)


def _column_lineage(ref: DatasetRef) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
    if not ref.column_lineage:
        return None
    fields = {}
    for column, sources in sorted(ref.column_lineage.items()):
        fields[column] = column_lineage_dataset.Fields(
            inputFields=[
                column_lineage_dataset.InputField(namespace=ns, name=name, field=col)
                for ns, name, col in sources
            ]
        )
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields, producer=PRODUCER)


def dataset_facets(ref: DatasetRef) -> dict[str, Any]:
    """Schema, column tags, owner, purpose and column lineage: what the code knows of a dataset."""
    facets: dict[str, Any] = {}
    schema = _schema(ref)
    if schema is not None:
        facets["schema"] = schema
    contract = ref.contract
    if contract is not None:
        facets["tags"] = _tags(contract)
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=contract.owner, type="OWNER")], producer=PRODUCER
        )
    description = (contract.purpose if contract is not None else None) or ref.description
    if description:
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=description, producer=PRODUCER
        )
    lineage = _column_lineage(ref)
    if lineage is not None:
        facets["columnLineage"] = lineage
    return facets


def output(ref: DatasetRef, rows: int | None = None) -> OutputDataset:
    """A dataset a step wrote, with all its facets (and the rows it wrote, when counted)."""
    output_facets = {}
    if rows is not None:
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=rows, producer=PRODUCER
            )
        )
    return OutputDataset(
        namespace=ref.namespace,
        name=ref.name,
        facets=dataset_facets(ref),
        outputFacets=output_facets,
    )


def input_(ref: DatasetRef) -> InputDataset:
    """A dataset a step read: its name only (its facets come with the step that wrote it)."""
    return InputDataset(namespace=ref.namespace, name=ref.name)


def _assertions(outcome: CheckOutcome) -> list[data_quality_assertions_dataset.Assertion]:
    contract = outcome.dataset.contract
    if contract is None or outcome.check != "contract":
        return [
            data_quality_assertions_dataset.Assertion(
                assertion=outcome.check, success=outcome.passed
            )
        ]
    return [_rule_assertion(rule, rule.name not in outcome.failed_rules) for rule in contract.rules]


def _rule_assertion(rule: Rule, success: bool) -> data_quality_assertions_dataset.Assertion:
    return data_quality_assertions_dataset.Assertion(
        assertion=rule.kind,
        name=rule.name,
        success=success,
        column=rule.column,
        severity=rule.severity,
        description=rule.description or None,
    )


def _assertions_facet(
    assertions: list[data_quality_assertions_dataset.Assertion],
) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet:
    return data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
        assertions=assertions, producer=PRODUCER
    )


def checked(outcomes: Iterable[CheckOutcome]) -> list[InputDataset]:
    """The datasets a check step read, each with the assertions it made on it and their result
    (the data-quality facet; an input facet, as the spec has it: a check reads the table)."""
    by_dataset: dict[tuple[str, str], list[CheckOutcome]] = {}
    for o in outcomes:
        by_dataset.setdefault((o.dataset.namespace, o.dataset.name), []).append(o)
    inputs = []
    for (namespace, name), found in sorted(by_dataset.items()):
        facets: dict[str, Any] = {
            "dataQualityAssertions": _assertions_facet([a for o in found for a in _assertions(o)])
        }
        rows = next((o.rows_validated for o in found if o.rows_validated is not None), None)
        if rows is not None:
            facets["dataQualityMetrics"] = (
                data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                    columnMetrics={}, rowCount=rows, producer=PRODUCER
                )
            )
        inputs.append(InputDataset(namespace=namespace, name=name, inputFacets=facets))
    return inputs


# ---------------------------------------------------------------- run events


@dataclass(frozen=True)
class Parent:
    """The run a step belongs to (the Dagster run, or the dbt build a model was part of)."""

    namespace: str
    job: str
    run_id: str


def event(
    state: str,
    *,
    namespace: str,
    job: str,
    run: str,
    at: datetime,
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
    parent: Parent | None = None,
    job_type: str = "ASSET",
    integration: str = "DAGSTER",
    engine: tuple[str, str] = ("dagster", ""),
    tags: Mapping[str, str] | None = None,
    error: str | None = None,
) -> RunEvent:
    """One OpenLineage run event (``state``: START, COMPLETE or FAIL).

    ``error``: the exception's type name only, never its message (a message may quote a value).
    """
    run_facets: dict[str, Any] = {
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            name=engine[0], version=engine[1] or "unknown", producer=PRODUCER
        )
    }
    if parent is not None:
        run_facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent.run_id),
            job=parent_run.Job(namespace=parent.namespace, name=parent.job),
            producer=PRODUCER,
        )
    if tags:
        run_facets["tags"] = tags_run.TagsRunFacet(
            tags=[
                tags_run.TagsRunFacetFields(k, v, "callcenterrate") for k, v in sorted(tags.items())
            ],
            producer=PRODUCER,
        )
    if error is not None:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error, programmingLanguage="PYTHON", producer=PRODUCER
        )
    job_facets = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration=integration, jobType=job_type, producer=PRODUCER
        )
    }
    return RunEvent(
        eventType=RunState[state],
        eventTime=at.isoformat(),
        run=Run(runId=run, facets=run_facets),
        job=Job(namespace=namespace, name=job, facets=job_facets),
        inputs=inputs or [],
        outputs=outputs or [],
        producer=PRODUCER,
    )


# ---------------------------------------------------------------- dbt


def dbt_columns(node: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """The columns a dbt model's YAML declares (name, data type, description)."""
    return tuple(
        (name, str(col.get("data_type") or ""), str(col.get("description") or ""))
        for name, col in (node.get("columns") or {}).items()
    )


def mart_lineage(
    lineage_by_column: Mapping[str, list[str]],
    dataset_of_contract: Callable[[str], tuple[str, str] | None],
) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """The art. 30 record's column lineage of one mart (``column → ["silver.call_scores.score"]``,
    from ``record.column_lineage``) as (namespace, name, column) of the lakehouse datasets."""
    out = {}
    for column, sources in lineage_by_column.items():
        resolved = []
        for source in sources:
            table, _, col = source.rpartition(".")
            found = dataset_of_contract(table)
            if found is not None:
                resolved.append((*found, col))
        if resolved:
            out[column] = tuple(sorted(resolved))
    return out
