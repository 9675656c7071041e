"""Validation of OpenLineage events against the spec's JSON schemas (``spec/``, see its README).

The event is checked against ``OpenLineage.json#/$defs/RunEvent``; each facet against the schema
file its ``_schemaURL`` names. A facet whose schema is not here fails the test.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SPEC = Path(__file__).parent / "spec"


@cache
def registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    schemas = {}
    for path in sorted(SPEC.glob("*.json")):
        doc = json.loads(path.read_text())
        schemas[doc["$id"]] = doc
    reg = Registry().with_resources((i, Resource.from_contents(d)) for i, d in schemas.items())
    return reg, schemas


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, registry=registry()[0])


def facets_of(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (facet key, facet) of a run event: run, job, datasets, input and output facets."""
    found = list((event["run"].get("facets") or {}).items())
    found += list((event["job"].get("facets") or {}).items())
    for ds in [*event.get("inputs", []), *event.get("outputs", [])]:
        for group in ("facets", "inputFacets", "outputFacets"):
            found += list((ds.get(group) or {}).items())
    return found


def validate(event: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` (or ``AssertionError``) unless ``event`` is valid."""
    _, schemas = registry()
    core = next(i for i in schemas if i.endswith("/OpenLineage.json"))
    assert event["schemaURL"].startswith(core), event["schemaURL"]
    _validator({"$ref": f"{core}#/$defs/RunEvent"}).validate(event)
    for key, facet in facets_of(event):
        url = facet["_schemaURL"].split("#", 1)[0]
        assert url in schemas, f"facet {key}: no schema here for {url} (spec/README.md)"
        assert key in schemas[url]["properties"], f"facet {key} is not what {url} describes"
        _validator({"$ref": url}).validate({key: facet})
