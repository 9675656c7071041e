"""Deployment files for tests: the shipped example, changed where a test needs it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from transforms.core.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "config" / "deployment.yaml"

#: AWS in Virginia, as a deployment would declare it (no safeguard: add one where a test wants).
AWS_US = {
    "id": "aws-us",
    "name": "Amazon Web Services, Inc.",
    "address": "410 Terry Avenue North, Seattle, WA 98109, United States",
    "service": "object storage of the lakehouse",
    "location": "US",
    "hosts": ["s3.us-east-1.amazonaws.com"],
}
SCCS = {"type": "sccs", "reference": "AWS GDPR DPA with SCCs module 3, signed 2026-01-15"}


def shipped() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text())


def write_deployment(path: Path, changes: dict[str, Any] | None = None, **top: Any) -> Path:
    """The shipped file with ``top`` keys replaced (``sub_processors=[...]``) and ``changes``
    applied as ``{"processor.data_protection_contact.email": value}`` (``None`` deletes)."""
    data = copy.deepcopy(shipped()) | top
    for dotted, value in (changes or {}).items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path
