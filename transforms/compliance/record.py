"""The GDPR art. 30(2) record of processing and the facts a breach notification needs (DPA §12).

Built from the data contracts (categories, columns, purpose, retention, erasure), the asset graph
(which processing step writes what from what; passed in by the caller, who loads Dagster), the
dbt manifest (column lineage of the marts, traced with sqlglot through staging and intermediate
models down to the lakehouse columns) and the deployment facts (who the processor and its
sub-processors are, where the settings put the data, the transfers outside the EEA and their
safeguards: ``transforms.core.deployment``, checked by the caller's edge). Retention by category
with its legal basis is ``transforms.compliance.retention_basis``, which ``ccr retention plan``
prints too. Pure Python: no Dagster imports.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from sqlglot import exp, maybe_parse
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope

from transforms.compliance.retention_basis import CONTRACT_TERMS, retention_basis
from transforms.core.contracts import Contract
from transforms.core.deployment import Facts

#: The processor's role, beside its name from the deployment file.
ROLE = "processor (GDPR art. 28), on behalf of each client tenant (the controllers)"
#: What each Dagster asset group does, in the words of art. 30(2)(b) "categories of processing".
ACTIVITIES = {
    "ingest": "Collection: accept call recordings and their manifest, pseudonymise caller numbers.",
    "transcribe": "Speech-to-text of the recordings (faster-whisper, on the hosting's machines: "
    "no speech-to-text service is called).",
    "score": "Evaluation of calls against the client's scorecard, with evidence per verdict; "
    "conversation metrics and rule-based call topics.",
    "review": "Human oversight: reviewers' verdicts, agents' disputes and their resolution, "
    "overriding AI verdicts (append-only).",
    "kpis": "Aggregation into KPI tables published read-only for the client's BI tools.",
    "compliance": "Storage limitation and erasure: anonymised statistics of closed months, the "
    "daily retention plan and its application, verified and recorded in the erasure ledger.",
}
SECURITY_MEASURES = (
    "Caller phone numbers stored only as HMAC-SHA256 pseudonyms with a per-tenant secret "
    "(crypto-shredded at contract end).",
    "Transcripts redacted before storage: phone numbers, e-mails, IBANs, cards, NIR, people's "
    "names, postal addresses and customer identifiers, replaced by a placeholder in the text and "
    "toned out in the playback copy. Recognition is measured, not complete (the share "
    "found on test calls its rules never saw: docs/benchmarks.md, blind reads): what it "
    "misses stays encrypted like the rest of the text.",
    "Recordings, playback copies, quarantined bytes and free-text columns encrypted at rest with "
    "a per-tenant data key (AES-256-GCM, wrapped by a key-encryption key kept apart from the "
    "data); destroying a tenant's keys makes every copy of its data unreadable.",
    "The home's files readable by the service account alone (folders 0700, files 0600).",
    "Backups on another disk or bucket, without keys, checksummed and authenticated, pruned after "
    "a fixed number of days; a restore carries out again every erasure made since the snapshot.",
    "The operator interface on loopback, reached from other machines only through a TLS proxy "
    "with a password per user and operator or read-only roles; a task broker on another host "
    "refused without a password.",
    "Every table partitioned by tenant; personal-data columns kept out of Delta statistics; "
    "deletion vectors off so erasure rewrites files; vacuum and log clean-up after erasure.",
    "Retention applied daily from the data contracts; every erasure verified by a scan of every "
    "file for what was erased, recorded in a hash-chained ledger with a deletion certificate.",
    "No personal data in logs, run metadata or the processing log (checked by the test suite).",
    "Published KPIs: one read-only database per tenant holding only that tenant's rows of the "
    "marts (no transcripts, no caller pseudonyms), readable by that tenant's BI group alone; "
    "the KPI build reads no free-text column.",
    "Quality gates from the data contracts stop bad batches; rejected rows kept with the rule.",
)


# ---------------------------------------------------------------- column lineage (dbt manifest)


def _render(raw_sql: str, macros: str) -> str:
    """dbt Jinja → plain SQL: ref('m') → m, source('s', 't') → s__t, project macros expanded."""
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    return env.from_string(macros + raw_sql).render(
        ref=lambda *args, **_: args[-1],
        source=lambda s, t: f"{s}__{t}",
        var=lambda *_a, **_k: None,
        config=lambda *_a, **_k: "",
        is_incremental=lambda: False,
    )


def column_lineage(
    manifest: dict[str, Any], contracts: dict[str, Contract], macros_dir: Path
) -> dict[str, dict[str, list[str]]]:
    """For every mart column, the lakehouse columns it is computed from (``silver.x.col``).

    An empty list means the column is computed without reading a source column (``count(*)``).
    """
    macros = "".join(
        p.read_text()
        for p in sorted(macros_dir.glob("*.sql"))
        if "{% macro" in p.read_text() and "adapter" not in p.read_text()
    )
    models = {
        n["name"]: _render(n["raw_code"], macros)
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
    }
    # source relation name -> contract name, through the asset key each source carries
    sources: dict[str, str] = {}
    for s in manifest["sources"].values():
        asset = ((s.get("meta") or {}).get("dagster") or {}).get("asset_key")
        if asset:
            sources[f"{s['source_name']}__{s['name']}"] = ".".join(asset)
    schema = {
        rel: {c.name: "varchar" for c in contracts[name].columns}
        for rel, name in sources.items()
        if name in contracts
    }
    # Model by model, parents first: each model's columns are traced through its own SQL only
    # and mapped through its parents' already traced columns. (Tracing every mart column through
    # all its upstream SQL at once took minutes once the incremental models came.)
    parents = {
        n["name"]: [d.split(".")[-1] for d in n["depends_on"]["nodes"] if d.startswith("model.")]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
    }
    traced: dict[str, dict[str, set[str]]] = {}

    def trace(model: str) -> None:
        if model in traced:
            return
        for parent in parents.get(model, []):
            trace(parent)
        expression = qualify(
            maybe_parse(models[model], dialect="duckdb"),
            dialect="duckdb",
            schema=schema,
            validate_qualify_columns=False,
            identify=False,
        )
        scope = build_scope(expression)
        columns = [select.alias_or_name for select in expression.selects]
        traced[model] = {}
        for column in columns:
            node = lineage(column, expression, schema=schema, dialect="duckdb", scope=scope)
            found: set[str] = set()
            for leaf in node.walk():
                if leaf.downstream:
                    continue
                rel, _, name = leaf.name.rpartition(".")
                if isinstance(leaf.source, exp.Table):  # the table, not its alias
                    rel = leaf.source.name
                if rel in sources:
                    found.add(f"{sources[rel]}.{name}")
                elif rel in traced:
                    found |= traced[rel].get(name, set())
            traced[model][column] = found
        schema[model] = {c: "varchar" for c in columns}

    out: dict[str, dict[str, list[str]]] = {}
    for mart in (c.table for c in contracts.values() if c.layer == "marts"):
        trace(mart)
        out[mart] = {
            col.name: sorted(traced[mart].get(col.name, set()))
            for col in contracts[f"marts.{mart}"].columns
        }
    return out


# ---------------------------------------------------------------- the record


def build_record(
    contracts: dict[str, Contract],
    assets: dict[str, dict[str, Any]],
    lineage_by_mart: dict[str, dict[str, list[str]]],
    controllers: list[dict[str, Any]],
    generated_at: datetime,
    facts: Facts,
) -> dict[str, Any]:
    """The record as plain data: the processor and where the data is (``facts``), then
    categories → tables → columns, with purpose, retention, erasure.

    ``assets``: asset path (``silver/transcripts``) → {deps, group, owners, kinds}.
    """
    tables = []
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in sorted(contracts.values(), key=lambda c: c.name):
        asset = "/".join(c.asset_key)
        node = assets.get(asset, {})
        downstream = sorted(a for a, n in assets.items() if asset in n.get("deps", []))
        entry = {
            "table": c.name,
            "asset": asset,
            "purpose": c.purpose,
            "grain": c.description,
            "owner": c.owner,
            "retention": c.retention,
            "erasure": c.erasure,
            "legal_basis": c.properties.get("legalBasis"),
            "produced_by_step": node.get("group"),
            "upstream": node.get("deps", []),
            "downstream": downstream,
            "columns": [],
        }
        for col in c.columns:
            column = {
                "name": col.name,
                "pii_class": col.pii_class,
                "data_category": col.data_category,
                "description": col.description,
                "required": col.required,
            }
            if c.layer == "marts":
                column["derived_from"] = lineage_by_mart.get(c.table, {}).get(col.name, [])
            entry["columns"].append(column)
            if col.personal:
                by_category[col.data_category].append(
                    {"table": c.name, "column": col.name, "pii_class": col.pii_class}
                )
        tables.append(entry)
    activities = [
        {
            "activity": group,
            "description": ACTIVITIES.get(group, ""),
            "assets": sorted(a for a, n in assets.items() if n.get("group") == group),
        }
        for group in sorted({n.get("group") for n in assets.values() if n.get("group")})
    ]
    categories = [
        {
            "category": cat,
            "tables": sorted({u["table"] for u in uses}),
            "columns": uses,
        }
        for cat, uses in sorted(by_category.items())
    ]
    deployment = facts.deployment
    return {
        "title": "Record of processing activities (GDPR art. 30(2))",
        "example": deployment.processor.example,
        "deployment_file": deployment.path,
        "processor": deployment.processor.as_dict() | {"role": ROLE},
        "hosting": deployment.hosting.as_dict(),
        "sub_processors": [s.as_dict() for s in deployment.sub_processors],
        "controllers": controllers,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "categories_of_data_subjects": [
            "callers (the client's customers)",
            "agents (the client's employees)",
        ],
        "data_locations": [loc.as_dict() for loc in facts.locations],
        "transfers_outside_eea": [t.as_dict() for t in facts.transfers],
        "retention": {
            "contract": CONTRACT_TERMS,
            "categories": [r.as_dict() for r in retention_basis(contracts)],
        },
        "security_measures": list(SECURITY_MEASURES),
        "processing_activities": activities,
        "personal_data_categories": categories,
        "tables": tables,
    }


def _period(iso: str | None) -> str:
    """ISO 8601 period as words: P180D → 180 days, P3Y → 3 years."""
    units = {"Y": "year", "M": "month", "D": "day"}
    if not iso or not iso.startswith("P") or iso[-1] not in units or not iso[1:-1].isdigit():
        return str(iso)
    n = int(iso[1:-1])
    return f"{n} {units[iso[-1]]}{'s' if n > 1 else ''}"


def _anchor(column: str | None) -> str:
    """Where a period runs from, in words (``call_uid``: the call's start)."""
    if column is None:
        return "(rebuilt from the data still kept)"
    if column == "call_uid":
        return "from the call's start"
    return f"from <code>{_e(column)}</code>"


def _e(value: Any) -> str:
    return html.escape(str(value))


def render_html(record: dict[str, Any]) -> str:
    """A single self-contained HTML page a compliance officer can read and print."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(record['title'])}</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}",
        "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}",
        "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;"
        "font-size:.9em}th{background:#f1f3f5}h2{border-bottom:2px solid #333;margin-top:2em}"
        ".pii-special_category{background:#ffe3e3}.pii-direct_identifier{background:#fff3bf}"
        ".pii-indirect{background:#f8f9fa}code{font-size:.95em}",
        "</style></head><body>",
        f"<h1>{_e(record['title'])}</h1>",
        *_example_banner(record),
        f"<p><b>Generated:</b> {_e(record['generated_at'])} from the deployment file "
        f"<code>{_e(record['deployment_file'])}</code>, the settings in force, the data "
        "contracts, the Dagster asset graph and the dbt manifest.</p>",
        *_processor_html(record),
        "<h2>Controllers (clients)</h2><table><tr><th>tenant</th><th>name</th>"
        "<th>contract start</th><th>contract end</th><th>days kept after the end</th>"
        "<th>own retention periods</th></tr>",
    ]
    for t in record["controllers"]:
        own = "; ".join(
            f"{c}: {o['period']}" + (f" ({o['justification']})" if o.get("justification") else "")
            for c, o in (t.get("retention_overrides") or {}).items()
        )
        parts.append(
            f"<tr><td><code>{_e(t['tenant_id'])}</code></td><td>{_e(t['name'])}</td>"
            f"<td>{_e(t['contract_start'])}</td><td>{_e(t['contract_end'] or 'running')}</td>"
            f"<td>{_e(t.get('grace_days', ''))}</td><td>{_e(own or 'none')}</td></tr>"
        )
    parts.append("</table>")
    parts += _locations_html(record)
    parts += _retention_html(record)
    parts.append("<h2>Data subjects, security</h2><ul>")
    parts.append(
        f"<li><b>Data subjects:</b> {_e(', '.join(record['categories_of_data_subjects']))}</li>"
    )
    parts.append("</ul><p><b>Technical and organisational measures:</b></p><ul>")
    parts += [f"<li>{_e(m)}</li>" for m in record["security_measures"]]
    parts.append("</ul><h2>Processing activities (Dagster asset groups)</h2>")
    parts.append("<table><tr><th>activity</th><th>what it does</th><th>assets</th></tr>")
    for a in record["processing_activities"]:
        parts.append(
            f"<tr><td><b>{_e(a['activity'])}</b></td><td>{_e(a['description'])}</td>"
            f"<td>{_e(', '.join(a['assets']))}</td></tr>"
        )
    parts.append("</table><h2>Categories of personal data → tables and columns</h2>")
    parts.append("<table><tr><th>data category (DPA §4.3)</th><th>tables</th><th>columns</th></tr>")
    for cat in record["personal_data_categories"]:
        cols = ", ".join(
            f"<code>{_e(u['table'])}.{_e(u['column'])}</code> ({_e(u['pii_class'])})"
            for u in cat["columns"]
        )
        parts.append(
            f"<tr><td><b>{_e(cat['category'])}</b></td><td>{_e(', '.join(cat['tables']))}</td>"
            f"<td>{cols}</td></tr>"
        )
    parts.append("</table><h2>Tables: purpose, retention, erasure, lineage</h2>")
    for t in record["tables"]:
        r = t["retention"]
        parts += [
            f"<h3 id='{_e(t['table'])}'>{_e(t['table'])} <small>(asset "
            f"<code>{_e(t['asset'])}</code>, owner {_e(t['owner'])})</small></h3>",
            "<table>",
            f"<tr><th>purpose</th><td>{_e(t['purpose'])}</td></tr>",
            f"<tr><th>grain</th><td>{_e(t['grain'])}</td></tr>",
            f"<tr><th>legal basis</th><td>{_e(t['legal_basis'])}</td></tr>",
            f"<tr><th>retention</th><td>{_e(r.get('retentionCategory'))}: "
            f"{_e(_period(r.get('retentionPeriod')))} {_anchor(r.get('retentionAnchor'))}: "
            f"{_e(r.get('retentionBasis'))}. "
            f"After the contract: {_e(r.get('afterContractEnd', 'n/a'))}.</td></tr>",
            f"<tr><th>erasure of a person</th><td>{_e(t['erasure'].get('row'))}</td></tr>",
            f"<tr><th>erasure of a tenant</th><td>{_e(t['erasure'].get('tenant'))}</td></tr>",
            f"<tr><th>computed from</th><td>{_e(', '.join(t['upstream']) or 'landing files')}"
            f"</td></tr><tr><th>feeds</th><td>{_e(', '.join(t['downstream']) or '-')}</td></tr>",
            "</table><table><tr><th>column</th><th>PII class</th><th>data category</th>"
            "<th>description</th>"
            + ("<th>derived from</th>" if t["table"].startswith("marts.") else "")
            + "</tr>",
        ]
        for c in t["columns"]:
            derived = ""
            if "derived_from" in c:
                derived = (
                    "<td>"
                    + (", ".join(f"<code>{_e(s)}</code>" for s in c["derived_from"]) or "computed")
                    + "</td>"
                )
            parts.append(
                f"<tr class='pii-{_e(c['pii_class'])}'><td><code>{_e(c['name'])}</code></td>"
                f"<td>{_e(c['pii_class'])}</td><td>{_e(c['data_category'])}</td>"
                f"<td>{_e(c['description'])}</td>{derived}</tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _example_banner(record: dict[str, Any]) -> list[str]:
    if not record["example"]:
        return []
    return [
        "<p id='example' style='background:#fff3bf;border:2px solid #c2410c;padding:.6em'>"
        f"<b>EXAMPLE.</b> The processor, hosting and sub-processors below are the shipped "
        f"example of <code>{_e(record['deployment_file'])}</code> (a local demo): write the "
        "company that signs the data processing agreement there, set <code>example: "
        "false</code>, and generate this record again before handing it to a controller.</p>"
    ]


def _processor_html(record: dict[str, Any]) -> list[str]:
    p = record["processor"]
    contact = p["data_protection_contact"]
    reach = ", ".join(v for v in (contact["email"], contact.get("phone")) if v)
    rows = [
        ("name", p["name"]),
        ("role", p["role"]),
        ("address", f"{p['address']} ({p['country']})"),
        ("registration", p.get("registration") or "-"),
        ("data-protection contact", f"{contact['name']}, {reach}"),
    ]
    out = ["<h2 id='processor'>Processor (art. 30(2)(a))</h2><table>"]
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows]
    out.append(
        "</table><h3>Hosting and sub-processors</h3><table><tr><th>who</th>"
        "<th>service</th><th>address</th><th>country</th><th>safeguard</th></tr>"
    )
    for site in [record["hosting"], *record["sub_processors"]]:
        out.append(
            f"<tr><td>{_e(site['name'])}</td><td>{_e(site['service'])}</td>"
            f"<td>{_e(site['address'] or '-')}</td><td>{_e(site['country'])}"
            f"{'' if site['in_eea'] else ' (outside the EEA)'}</td>"
            f"<td>{_e(site['safeguard'] or '-')}</td></tr>"
        )
    out.append("</table>")
    return out


def _locations_html(record: dict[str, Any]) -> list[str]:
    out = [
        "<h2 id='transfers'>Where the data is, and transfers outside the EEA (art. 30(2)(c))"
        "</h2><p>Derived from the settings in force (local paths, the object store's endpoint "
        "or AWS region, the Celery broker's host), matched with the declared sites. A place "
        "nobody declares, or a country outside the EEA without a safeguard, stops every "
        "process at start-up.</p>",
        "<table><tr><th>what</th><th>settings</th><th>where</th><th>held by</th>"
        "<th>country</th></tr>",
    ]
    for loc in record["data_locations"]:
        out.append(
            f"<tr><td>{_e(loc['what'])}</td><td><code>{_e(', '.join(loc['settings']))}</code>"
            f"</td><td>{_e(loc['where'])}</td><td>{_e(loc['held_by'])}</td>"
            f"<td>{_e(loc['country'])}{'' if loc['in_eea'] else ' (outside the EEA)'}</td></tr>"
        )
    out.append("</table>")
    transfers = record["transfers_outside_eea"]
    if not transfers:
        out.append(
            "<p id='no-transfer'><b>Transfers outside the EEA:</b> none: every place above, "
            "and every declared sub-processor, is in the EEA.</p>"
        )
        return out
    out.append(
        "<p><b>Transfers outside the EEA:</b></p><table><tr><th>to</th><th>country</th>"
        "<th>what</th><th>safeguard</th></tr>"
    )
    for t in transfers:
        out.append(
            f"<tr class='transfer'><td>{_e(t['to'])}</td><td>{_e(t['country'])}</td>"
            f"<td>{_e('; '.join(t['what']))}</td><td>{_e(t['safeguard'])}</td></tr>"
        )
    out.append("</table>")
    return out


def _retention_html(record: dict[str, Any]) -> list[str]:
    retention = record["retention"]
    out = [
        "<h2 id='retention'>Retention by category (for the controller's record, art. 30(1)(f))"
        "</h2>",
        f"<p><b>The contract:</b> {_e(retention['contract'])}. The periods are the data "
        "contracts' (the daily retention job applies them); where they are stricter than the "
        "contract, the table says so.</p>",
        "<table><tr><th>category</th><th>what</th><th>period</th><th>legal basis</th>"
        "<th>against the contract</th></tr>",
    ]
    for r in retention["categories"]:
        out.append(
            f"<tr id='retention-{_e(r['category'])}'><td><b>{_e(r['category'])}</b></td>"
            f"<td>{_e(r['what'])}</td><td>{_e(r['period_in_words'])} from "
            f"{_e(r['runs_from'])}</td><td>{_e(r['legal_basis'])}</td>"
            f"<td>{_e(r['versus_contract'])}</td></tr>"
        )
    out.append("</table>")
    return out


def summary(record: dict[str, Any]) -> str:
    """What ``ccr compliance record`` prints: who, where the data is, the transfers."""
    p = record["processor"]
    lines = [
        f"processor: {p['name']}, {p['address']} ({p['country']}); data-protection contact: "
        f"{p['data_protection_contact']['name']} <{p['data_protection_contact']['email']}>"
        + ("  [EXAMPLE: the shipped deployment file]" if record["example"] else ""),
        f"sub-processors: {', '.join(s['name'] for s in record['sub_processors']) or 'none'}",
        "where the data is:",
        *(
            f"  {loc['what']}: {loc['where']}, held by {loc['held_by']} in {loc['country']}"
            for loc in record["data_locations"]
        ),
    ]
    transfers = record["transfers_outside_eea"]
    lines.append(f"transfers outside the EEA: {'none' if not transfers else len(transfers)}")
    lines += [
        f"  to {t['to']} ({t['country']}): {'; '.join(t['what'])}; safeguard: {t['safeguard']}"
        for t in transfers
    ]
    lines.append("retention: " + "; ".join(
        f"{r['category']} {r['period_in_words']}" for r in record["retention"]["categories"]
    ))  # fmt: skip
    return "\n".join(lines)


def write_record(record: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = (
        out_dir / "record_of_processing.json",
        out_dir / "record_of_processing.html",
    )
    json_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    html_path.write_text(render_html(record))
    return json_path, html_path
