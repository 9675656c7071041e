"""PII recall and precision of ``transforms.privacy.pii`` on labelled ASR-style utterances.

Usage: ``.venv/bin/python bench/pii_accuracy.py [--corpus bench/data/pii_corpus.jsonl] [--errors]``

The corpus (``bench/data/pii_corpus.jsonl``, one JSON object per line: ``id``, ``language``,
``split`` (dev|holdout), ``text``, ``entities`` = [{start, end, type}]) is synthetic: invented
numbers in fiction ranges, card test numbers, IBAN examples. It was written before the recognizers
were tuned; the holdout quarter (every 4th line) was not looked at while tuning and is
reported apart.

Matching rule (entity level): a predicted span is a true positive when it overlaps a gold span of
the same type; each gold span is found when at least one such prediction overlaps it. Recall =
found gold / gold; precision = true-positive predictions / predictions. A label is a complete
identifier: a number the caller broke off and restarted is labelled once, where it is complete.
Boundaries are reported apart: ``leaked`` counts gold characters left outside the predicted span
of a found entity, ``swallowed`` counts neighbouring characters the prediction took in.
The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.privacy.pii import ENTITIES, find_pii

DEFAULT_CORPUS = Path(__file__).parent / "data" / "pii_corpus.jsonl"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(rows: list[dict], show_errors: bool = False) -> dict[str, Counter]:
    """Counters per entity type: gold, found (gold matched), pred, tp (predictions matched)."""
    counts = {e: Counter() for e in ENTITIES}
    for row in rows:
        pred = find_pii(row["text"], row["language"])
        gold = row["entities"]
        for g in gold:
            hit = any(
                p.entity == g["type"] and _overlaps((p.start, p.end), (g["start"], g["end"]))
                for p in pred
            )
            counts[g["type"]]["gold"] += 1
            counts[g["type"]]["found"] += hit
            if show_errors and not hit:
                print(
                    f"  MISS {g['type']:5} {row['id']}: {row['text']!r} "
                    f"[{row['text'][g['start'] : g['end']]}]"
                )
            covering = [p for p in pred if _overlaps((p.start, p.end), (g["start"], g["end"]))]
            if covering:
                lo, hi = min(p.start for p in covering), max(p.end for p in covering)
                counts[g["type"]]["leaked_chars"] += max(0, lo - g["start"]) + max(0, g["end"] - hi)
                counts[g["type"]]["swallowed_chars"] += max(0, g["start"] - lo) + max(
                    0, hi - g["end"]
                )
        for p in pred:
            ok = any(
                p.entity == g["type"] and _overlaps((p.start, p.end), (g["start"], g["end"]))
                for g in gold
            )
            counts[p.entity]["pred"] += 1
            counts[p.entity]["tp"] += ok
            if show_errors and not ok:
                print(
                    f"  FP   {p.entity:5} {row['id']}: {row['text']!r} "
                    f"[{row['text'][p.start : p.end]}]"
                )
    return counts


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _table(title: str, counts: dict[str, Counter]) -> dict[str, float]:
    print(f"\n{title}")
    print(
        f"{'entity':8} {'gold':>5} {'found':>6} {'recall':>7} {'pred':>5} {'tp':>5} "
        f"{'precision':>9} {'leaked':>7} {'swallowed':>9}"
    )
    total = Counter()
    for entity, c in counts.items():
        total.update(c)
        print(
            f"{entity:8} {c['gold']:5} {c['found']:6} {_ratio(c['found'], c['gold']):7.3f} "
            f"{c['pred']:5} {c['tp']:5} {_ratio(c['tp'], c['pred']):9.3f} "
            f"{c['leaked_chars']:7} {c['swallowed_chars']:9}"
        )
    recall, precision = _ratio(total["found"], total["gold"]), _ratio(total["tp"], total["pred"])
    print(
        f"{'overall':8} {total['gold']:5} {total['found']:6} {recall:7.3f} "
        f"{total['pred']:5} {total['tp']:5} {precision:9.3f} "
        f"{total['leaked_chars']:7} {total['swallowed_chars']:9}"
    )
    return {"recall": round(recall, 4), "precision": round(precision, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--errors", action="store_true", help="print misses and false positives")
    parser.add_argument("--split", choices=["dev", "holdout", "blind", "all"], default="all")
    args = parser.parse_args()
    rows = [
        json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line
    ]
    if args.split != "all":
        rows = [r for r in rows if r["split"] == args.split]
    find_pii("warm up", "en")  # engine construction is not part of the per-utterance cost
    t0 = time.perf_counter()
    counts = evaluate(rows, args.errors)
    ms = (time.perf_counter() - t0) * 1000 / max(len(rows), 1)
    figures: dict[str, object] = {}
    for split in ("dev", "holdout", "blind"):
        part = [r for r in rows if r["split"] == split]
        if part and args.split == "all":
            figures[split] = _table(f"{split} ({len(part)} utterances)", evaluate(part))
    for lang in ("fr", "en"):
        part = [r for r in rows if r["language"] == lang]
        if part:
            figures[lang] = _table(f"{lang} ({len(part)} utterances)", evaluate(part))
    overall = _table(f"all ({len(rows)} utterances)", counts)
    per_entity = {
        e: {
            "recall": round(_ratio(c["found"], c["gold"]), 4),
            "precision": round(_ratio(c["tp"], c["pred"]), 4),
        }
        for e, c in counts.items()
    }
    print(f"\nmean cost {ms:.2f} ms per utterance")
    print(
        json.dumps(
            {
                **overall,
                "utterances": len(rows),
                "entities": sum(c["gold"] for c in counts.values()),
                "negatives": sum(1 for r in rows if not r["entities"]),
                "per_entity": per_entity,
                **{k: v for k, v in figures.items()},
                "ms_per_utterance": round(ms, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
