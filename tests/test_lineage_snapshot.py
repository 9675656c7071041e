"""Lineage guard: each asset's key, dependencies, group, owners and tags vs a reviewed snapshot.

A change to the asset graph (a new flow of data, a dropped owner, a PII tag removed) fails here and
shows up as a diff of ``tests/snapshots/asset_graph.json`` in review. After an intended change:
``UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_lineage_snapshot.py`` and commit the file.
"""

import json
import os
from pathlib import Path

from orchestration.definitions import build_definitions

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def current_graph() -> dict[str, dict]:
    graph = build_definitions().resolve_asset_graph()
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        out[key.to_user_string()] = {
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "group": node.group_name,
            "owners": sorted(node.owners),
            "tags": dict(sorted(node.tags.items())),
            "partitioned": node.partitions_def is not None,
            "checks": sorted(c.name for c in node.check_keys),
        }
    return out


def test_asset_graph_matches_the_reviewed_snapshot():
    current = current_graph()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    changed = sorted(k for k in set(current) | set(expected) if current.get(k) != expected.get(k))
    assert changed == [], (
        f"asset graph changed for {changed}; review, then rerun with UPDATE_SNAPSHOTS=1"
    )


def test_every_asset_has_an_owner_and_a_group():
    for key, node in current_graph().items():
        assert node["owners"], key
        assert node["group"] and node["group"] != "default", key
