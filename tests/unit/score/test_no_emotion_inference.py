"""EU AI Act art. 5(1)(f): no emotion recognition of workers. Guard the names of everything we
store or publish, so a column or metric such as `agent_sentiment` cannot slip in unnoticed."""

import re

import yaml

from transforms.core.scorecards import METRICS
from transforms.core.settings import REPO_ROOT
from transforms.core.tables import ALL_TABLES

FORBIDDEN = re.compile(
    r"emotion|sentiment|mood|stress|anger|angry|frustrat|happiness|empathy_score",
    re.IGNORECASE,
)


def test_no_table_column_or_metric_names_an_emotion():
    names = [f"{t.path}.{n}" for t in ALL_TABLES for n in t.schema.names] + list(METRICS)
    assert [n for n in names if FORBIDDEN.search(n)] == []


def test_no_dbt_model_or_column_names_an_emotion():
    found = []
    for path in (REPO_ROOT / "dbt_project" / "models").rglob("*.yml"):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models", []):
            for name in [model["name"], *(c["name"] for c in model.get("columns", []))]:
                if FORBIDDEN.search(name):
                    found.append(f"{path.name}:{name}")
    assert found == []
