"""Deletion certificates: what one erasure removed, when, under which rules, and how it was
verified, as JSON (for machines and the ledger's digest) and HTML (for people).

Counts, rule names, table names and the scan's result only (stored objects checked by kind, never
by name or digest): a certificate never names a call, a caller or an agent (the subject appears
as the ledger's keyed hash), so it can be kept and handed to the client after the data is gone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jinja2

from transforms.compliance.ledger import canonical

CERTIFICATES = "certificates"

_HTML = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Deletion certificate {{ c.request_id }}</title><style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;font-size:.9em}
th{background:#f1f3f5}.ok{color:#2b8a3e;font-weight:bold}.ko{color:#c92a2a;font-weight:bold}
code{font-size:.95em}</style></head><body>
<h1>Deletion certificate</h1>
<p><b>Request</b> <code>{{ c.request_id }}</code> ({{ c.kind }}) &middot;
<b>tenants</b> {{ c.tenants | join(", ") }}{% if c.subject %} &middot; <b>subject</b>
{{ c.subject.kind }}, keyed hash <code>{{ c.subject.keyed_hash[:16] }}…</code>{% endif %}<br>
<b>Performed</b> {{ c.performed_at }}{% if c.as_of %} &middot; <b>retention date</b>
{{ c.as_of }}{% endif %} &middot; <b>processor</b> {{ c.processor }}</p>
<p><b>Verification:</b> {% if c.verification.passed %}<span class="ok">passed</span>{% else %}
<span class="ko">FAILED</span>{% endif %}: {{ c.verification.hits }} residual hits in
{{ c.verification.files_scanned }} files ({{ c.verification.bytes_scanned }} bytes; Parquet files
decoded: {{ c.verification.parquet_files_decoded }}, DuckDB files decoded:
{{ c.verification.duckdb_files_decoded }}); planted canary found:
{{ "yes" if c.verification.canary_found else "NO" }}.</p>
<h2>Rules applied</h2><table><tr><th>rule</th><th>category</th><th>period</th><th>cutoff</th>
<th>why</th></tr>{% for r in c.rules %}<tr><td>{{ r.rule }}</td><td>{{ r.category or "" }}</td>
<td>{{ r.period or "" }}</td><td>{{ r.cutoff or "" }}</td><td>{{ r.reason }}</td></tr>
{% endfor %}</table>
<h2>Tables</h2><table><tr><th>table</th><th>rows deleted</th><th>rows with columns nulled</th>
<th>columns nulled</th><th>old data files removed</th></tr>{% for t in c.tables %}<tr>
<td><code>{{ t.table }}</code></td><td>{{ t.rows_deleted }}</td><td>{{ t.rows_nulled }}</td>
<td>{{ t.columns_nulled | join(", ") }}</td><td>{{ t.data_files_removed }}</td></tr>
{% endfor %}</table>
<h2>Files and copies</h2><table>{% for k, v in c.files.items() %}<tr><th>{{ k }}</th>
<td>{{ v }}</td></tr>{% endfor %}{% for k, v in c.copies.items() %}<tr><th>{{ k }}</th>
<td>{{ v }}</td></tr>{% endfor %}</table>
{% if c.kept %}<h2>Kept, and why</h2><ul>{% for k in c.kept %}<li>{{ k }}</li>{% endfor %}
</ul>{% endif %}
<h2>Verification in detail</h2><table>
<tr><th>folders scanned</th><td>{{ c.verification.roots | join(", ") }}</td></tr>
<tr><th>searched for</th><td>{% for k, v in c.verification.needles_by_kind.items() %}{{ v }}
{{ k }}{% if not loop.last %}, {% endif %}{% endfor %} (identifiers kept data still holds
are not searched; {{ c.verification.needles_too_short_to_search }} too short to search)</td></tr>
{% if c.verification.objects %}{% set o = c.verification.objects %}
<tr><th>stored objects checked gone</th><td>{% for k, v in o.locations_checked.items() %}{{ v }}
{{ k }}{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}; still there:
{{ o.locations_left.values() | sum }}</td></tr>
<tr><th>objects looked for by content</th><td>{% for k, v in o.digests_searched.items() %}{{ v }}
{{ k }}{% if not loop.last %}, {% endif %}{% else %}none{% endfor %} (every file and object
version of a matching size hashed); {{ o.names_searched }} by name</td></tr>
<tr><th>export folders</th><td>{{ o.export_folders_scanned }} scanned on this host;
{{ o.export_folders_no_longer_here }} recorded but no longer here</td></tr>{% endif %}
<tr><th>unreadable files</th><td>{{ c.verification.unreadable_files | length }}</td></tr>
<tr><th>hits</th><td>{{ c.verification.hit_paths | join(", ") or "none" }}</td></tr>
<tr><th>seconds</th><td>{{ c.verification.seconds }}</td></tr></table>
<h2>Ledger</h2><p>Entry {{ c.ledger.seq }} of <code>{{ c.ledger.file }}</code>, chained to
<code>{{ c.ledger.prev_hash }}</code>; the entry holds the SHA-256 of this certificate's content
(everything but this section).</p></body></html>
"""
)


def digest(certificate: dict[str, Any]) -> str:
    """SHA-256 of the certificate without its ledger section (which the ledger entry holds)."""
    body = {k: v for k, v in certificate.items() if k != "ledger"}
    return hashlib.sha256(canonical(body)).hexdigest()


def render(certificate: dict[str, Any]) -> str:
    """The HTML of a certificate: a rendering of its JSON, so verification re-renders it."""
    return _HTML.render(c=certificate)


def write_certificate(certificate: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """``<request_id>.json`` and ``<request_id>.html`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / certificate["request_id"]
    json_path, html_path = stem.with_suffix(".json"), stem.with_suffix(".html")
    json_path.write_text(json.dumps(certificate, indent=2, ensure_ascii=False) + "\n")
    html_path.write_text(render(certificate))
    return json_path, html_path
