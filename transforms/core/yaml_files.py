"""YAML read with libyaml's C loader where PyYAML was built with it, else PyYAML's own: the same
safe subset (no Python tags) and the same values, several times faster. Every process reads the
data contracts at import (``transforms.core.tables``); the figures are in docs/benchmarks.md
("The lone erase command")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: libyaml's safe loader, or PyYAML's pure-Python one when libyaml is missing.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The value of one YAML document (safe tags only)."""
    return yaml.load(text, Loader=LOADER)


def read_yaml(path: str | Path) -> Any:
    """The value of the YAML file at ``path`` (UTF-8, safe tags only)."""
    return load_yaml(Path(path).read_text(encoding="utf-8"))
