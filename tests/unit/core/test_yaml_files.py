"""Every YAML file the product reads gets the same values from ``read_yaml`` (libyaml's loader)
as from PyYAML's pure-Python safe loader, and a Python tag is refused by both."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from transforms.core.settings import REPO_ROOT
from transforms.core.yaml_files import LOADER, load_yaml, read_yaml

FOLDERS = ("data_contracts", "config", "dbt_project", "orchestration")


def _yaml_files() -> list[Path]:
    found = []
    for folder in FOLDERS:
        root = REPO_ROOT / folder
        found += [p for p in root.rglob("*.y*ml") if "target" not in p.parts]
    return sorted(found)


def test_the_c_loader_is_used_where_pyyaml_has_it():
    assert LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def test_every_yaml_file_of_the_repository_reads_as_pure_python_reads_it():
    files = _yaml_files()
    assert len(files) >= 31  # the data contracts alone
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert read_yaml(path) == yaml.safe_load(text), path


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['true']",
        "a: !!python/name:os.system\n",
        "- !!python/object:pathlib.Path {}\n",
    ],
)
def test_a_python_tag_is_refused(text):
    with pytest.raises(yaml.YAMLError):
        load_yaml(text)


def test_a_broken_file_raises_yamls_own_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        read_yaml(path)
