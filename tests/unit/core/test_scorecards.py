"""Scorecard schema: every validation error names the field; assignments and active version."""

import copy
from pathlib import Path

import pytest
import yaml

from transforms.core.scorecards import (
    ScorecardError,
    load_assignments,
    load_scorecard,
    load_scorecards,
    parse_scorecard,
)
from transforms.core.settings import REPO_ROOT

CARDS = REPO_ROOT / "config" / "scorecards"
BASE = {
    "id": "qa",
    "version": "1",
    "name": "QA",
    "pass_threshold": 70,
    "sections": [
        {
            "id": "s1",
            "name": "S1",
            "criteria": [
                {
                    "id": "greet",
                    "name": "G",
                    "kind": "phrase_said",
                    "weight": 10,
                    "phrases": {"en": ["hello"]},
                },
                {
                    "id": "bye",
                    "name": "B",
                    "kind": "phrase_said",
                    "weight": 10,
                    "phrases": {"en": ["goodbye"]},
                },
                {
                    "id": "air",
                    "name": "A",
                    "kind": "metric_threshold",
                    "metric": "dead_air_s",
                    "max": 9,
                    "weight": 5,
                },
            ],
        }
    ],
}


def crit(card, i=0):
    return card["sections"][0]["criteria"][i]


CASES = [
    (lambda c: c.pop("pass_threshold"), "pass_threshold: missing required field"),
    (lambda c: c.update(pass_threshold=150), "pass_threshold: must be between 0 and 100"),
    (lambda c: c.update(pass_threshold="high"), "pass_threshold: wrong type str"),
    (lambda c: c.update(match_threshold=20), "match_threshold: must be between 50 and 100"),
    (
        lambda c: c.update(review_below_confidence=2),
        "review_below_confidence: must be between 0 and 1",
    ),
    (lambda c: c.update(pass_treshold=70), "pass_treshold: unknown field"),
    (lambda c: c.pop("id"), "id: missing required field"),
    (lambda c: c.update(id="Bad Id"), "id: must be lower-case"),
    (lambda c: c.update(version="one"), "version: must be a number"),
    (lambda c: c.pop("name"), "name: missing required field"),
    (lambda c: c.update(sections=[]), "sections: needs at least one section"),
    (lambda c: c.update(sections="all"), "sections: wrong type str"),
    (
        lambda c: c["sections"].append(copy.deepcopy(c["sections"][0])),
        r"sections\[1\].id: duplicate section id",
    ),
    (
        lambda c: c["sections"][0].update(criteria=[]),
        r"sections\[0\].criteria: needs at least one criterion",
    ),
    (lambda c: c["sections"][0].update(colour="red"), r"sections\[0\].colour: unknown field"),
    (lambda c: crit(c, 1).update(id="greet"), r"criteria\[1\].id: duplicate criterion id 'greet'"),
    (lambda c: crit(c).update(id="Greet!"), r"criteria\[0\].id: must be lower_snake_case"),
    (lambda c: crit(c).update(kind="vibes"), r"criteria\[0\].kind: must be one of"),
    (lambda c: crit(c).update(weight=0), r"criteria\[0\].weight: must be a positive number"),
    (lambda c: crit(c).update(weight=True), r"criteria\[0\].weight: wrong type bool"),
    (lambda c: crit(c).pop("weight"), r"criteria\[0\].weight: missing required field"),
    (lambda c: crit(c).update(speaker="bot"), r"criteria\[0\].speaker: must be one of"),
    (lambda c: crit(c).update(critical="yes"), r"criteria\[0\].critical: wrong type str"),
    (
        lambda c: crit(c).update(phrases={"en": []}),
        r"criteria\[0\].phrases.en: needs a non-empty list",
    ),
    (
        lambda c: crit(c).update(phrases={"english": ["hi"]}),
        r"criteria\[0\].phrases.english: language",
    ),
    (lambda c: crit(c).update(phrases={"en": [""]}), r"criteria\[0\].phrases.en: every phrasing"),
    (lambda c: crit(c).pop("phrases"), r"criteria\[0\].phrases: needs a mapping"),
    (
        lambda c: crit(c).update(window={"first_s": -5}),
        r"criteria\[0\].window.first_s: must be a positive",
    ),
    (
        lambda c: crit(c).update(window={"middle_s": 5}),
        r"criteria\[0\].window.middle_s: unknown field",
    ),
    (
        lambda c: crit(c).update(window={"first_s": 5, "last_s": 5}),
        r"criteria\[0\].window: give first_s or last_s",
    ),
    (
        lambda c: crit(c).update(metric="x"),
        r"criteria\[0\].metric: does not apply to kind 'phrase_said'",
    ),
    (lambda c: crit(c, 2).update(metric="happiness"), r"criteria\[2\].metric: unknown metric"),
    (lambda c: crit(c, 2).pop("max"), r"criteria\[2\]: a metric_threshold needs 'min' or 'max'"),
    (
        lambda c: crit(c, 2).update(kind="event_order"),
        r"criteria\[2\].order: missing required field",
    ),
    (
        lambda c: crit(c, 2).update(kind="event_order", order=["greet"], metric=None, max=None),
        r"order: needs two or more",
    ),
    (
        lambda c: (
            [crit(c, 2).pop(k) for k in ("metric", "max")]
            and crit(c, 2).update(kind="event_order", order=["greet", "nope"])
        ),
        r"criterion air.order: 'nope' is not a phrase_said criterion",
    ),
    (
        lambda c: crit(c).update(na_when={"weather": "rain"}),
        r"criteria\[0\].na_when.weather: unknown field",
    ),
    (
        lambda c: crit(c).update(na_when={"duration_below_s": 0}),
        r"na_when.duration_below_s: must be a positive",
    ),
    (
        lambda c: crit(c).update(na_when={"campaign_in": "sales"}),
        r"na_when.campaign_in: wrong type str",
    ),
    (
        lambda c: crit(c).update(
            na_when={"phrase_said": {"speaker": "bot", "phrases": {"en": ["x"]}}}
        ),
        r"na_when.phrase_said.speaker",
    ),
    (
        lambda c: crit(c).update(na_when={}),
        r"criteria\[0\].na_when: must be a mapping with one or more",
    ),
    (lambda c: crit(c).update(rubric="x"), r"criteria\[0\].rubric: unknown field"),
]


@pytest.mark.parametrize(("mutate", "message"), CASES)
def test_every_validation_error_names_the_file_and_field(mutate, message):
    card = copy.deepcopy(BASE)
    mutate(card)
    with pytest.raises(ScorecardError, match=message) as info:
        parse_scorecard(card, "qa-v1.yaml")
    assert str(info.value).startswith("qa-v1.yaml: ")


def test_the_base_card_and_the_shipped_cards_are_valid():
    card = parse_scorecard(copy.deepcopy(BASE))
    assert [c.id for c in card.criteria] == ["greet", "bye", "air"] and card.match_threshold == 85
    cards = load_scorecards(CARDS)
    assert {("standard", "1"), ("standard", "2")} <= set(cards)
    v2 = cards[("standard", "2")]
    assert v2.criterion("recording_disclosure").critical
    assert {c.kind for c in v2.criteria} == {
        "phrase_said",
        "phrase_not_said",
        "metric_threshold",
        "event_order",
    }


def test_a_file_that_is_not_yaml_or_not_a_mapping(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("id: [unclosed")
    with pytest.raises(ScorecardError, match=r"bad\.yaml: not valid YAML"):
        load_scorecard(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ScorecardError, match=r"list\.yaml: the file must be a YAML mapping"):
        load_scorecard(tmp_path / "list.yaml")


def test_the_same_version_twice_is_refused(tmp_path: Path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(BASE))
    with pytest.raises(ScorecardError, match="version 1 of 'qa' defined twice"):
        load_scorecards(tmp_path)


def test_assignments_pick_scorecard_by_campaign_and_the_active_version(tmp_path: Path):
    for v in ("1", "2"):
        (tmp_path / f"qa-v{v}.yaml").write_text(yaml.safe_dump({**BASE, "version": v}))
        (tmp_path / f"sales-v{v}.yaml").write_text(
            yaml.safe_dump({**BASE, "id": "sales", "version": v})
        )
    (tmp_path / "_assignments.yaml").write_text(
        yaml.safe_dump(
            {
                "active_versions": {"qa": "1"},
                "tenants": {"t1": {"default": "qa", "campaigns": {"outbound": "sales"}}},
            }
        )
    )
    cards = load_scorecards(tmp_path)  # _assignments.yaml is not read as a card
    a = load_assignments(tmp_path, cards)
    assert a.scorecard_id("t1", "outbound", "fallback") == "sales"
    assert a.scorecard_id("t1", "inbound", "fallback") == "qa"
    assert a.scorecard_id("t2", None, "fallback") == "fallback"
    assert a.active(cards, "qa").version == "1"  # as assigned, though 2 exists
    assert a.active(cards, "sales").version == "2"  # not assigned: highest
    assert a.is_active(cards, cards[("qa", "1")]) and not a.is_active(cards, cards[("qa", "2")])


@pytest.mark.parametrize(
    ("assignments", "message"),
    [
        ({"active_versions": {"qa": "9"}}, r"active_versions\.qa: version 9 not on file"),
        ({"tenants": {"t1": {"default": "nope"}}}, r"tenants\.t1: unknown scorecard 'nope'"),
        ({"tenants": {"t1": "qa"}}, r"tenants\.t1: must be a mapping"),
        ({"actives": {}}, "actives: unknown field"),
    ],
)
def test_bad_assignments_name_the_field(tmp_path: Path, assignments, message):
    (tmp_path / "qa-v1.yaml").write_text(yaml.safe_dump(BASE))
    (tmp_path / "_assignments.yaml").write_text(yaml.safe_dump(assignments))
    with pytest.raises(ScorecardError, match=message):
        load_assignments(tmp_path, load_scorecards(tmp_path))
