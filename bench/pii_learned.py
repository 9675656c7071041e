"""Does a trained NER add redaction recall on an unseen split? Rules, model and their union.

Usage: ``.venv/bin/python bench/pii_learned.py --heldout H [--rules DIR] [--epochs N]
[--max-minutes M] [--seed S] [--out DIR] [--sample N]``

An experiment for issue 22 (not wired into the product). The rules (``transforms/privacy/pii``)
were tuned round after round on the spoken-names corpus (``bench/pii_speech.jsonl``) and no round
moved the next blind split. This script asks whether a statistical NER trained on the labelled
tuning rows generalises where the hand rules do not: for a held-out split ``H`` it trains a spaCy
NER on every pii_speech row whose split comes before ``H`` in ``pii_speech.SPLITS`` (dev, dev2,
heldout2 … heldout10: ``H`` and every split written after it are left out), each row twice, as
written and in faster-whisper's default form (``pii_accuracy.whisper_form``), then scores ``H``
(its rows as written, as the blind readings in docs/benchmarks.md were read) with
``pii_accuracy.evaluate``'s own matching, families and false alarms three ways:

- ``rules``: ``find_pii`` alone (the rules of this checkout, or of ``--rules DIR``: a directory
  holding an older ``transforms`` package, e.g. ``git archive f741cf3 transforms | tar -x -C
  /tmp/r7``, to read a split with the rules from before the round that tuned on it);
- ``model``: the trained NER alone (all its labels);
- ``union``: the rules' spans plus the model's NAME and ADDRESS spans, overlapping spans merged
  into one (their union extent, typed as the longest of them; the rules' on a tie);
- ``union_tenant``: the same, less the model's spans that overlap the tenant's name in the text
  (the rules are given it as ``org_names``; the model is not).

``--load`` scores the weights a former run left in ``--out`` (no training).

The model: one per language (``spacy.blank("fr")`` / ``spacy.blank("en")``: each language's own
tokenizer, French elisions split; the product knows the call's language), spaCy's default
transition-based NER with its own hash-embedding CNN tok2vec, started from blank (the installed
small pipelines carry no static vectors, and their tok2vec is tied to their tagger and parser).
Labels NAME, ADDRESS, ID (ID, CARD, IBAN and NIR), PHONE, EMAIL. CPU only, seed fixed
(``--seed``), ``--epochs`` passes with dropout 0.2 and compounding batches 4→32, stopped early at
``--max-minutes`` per model; nothing is downloaded. Weights go to ``--out`` (default
``/tmp/pii_learned/<H>``), never into the repository.

``--sample N`` keeps N training rows per language and N rows of ``H`` (the unit test's smoke run).
A split whose errors may not be read (``pii_accuracy.READABLE``: a blind split not read yet)
is refused, and so are ``dev`` and ``dev2`` (nothing comes before them to train on).

The last line is one JSON object: per method the families' recall and the false-alarm rate, the
training seconds and epochs per language, the model's NER cost per row (ms, ``nlp(text)`` on
``H``'s rows) beside the rules', and the load average at the start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The model's labels, from the corpus's types (identifiers are one label: few examples each).
LABEL_OF = {
    "NAME": "NAME", "ADDRESS": "ADDRESS", "ID": "ID", "CARD": "ID", "IBAN": "ID", "NIR": "ID",
    "PHONE": "PHONE", "EMAIL": "EMAIL",
}  # fmt: skip
#: Model labels the union adds to the rules' spans (the brief's question: names and addresses).
UNION_LABELS = ("NAME", "ADDRESS")


def _import(rules: Path | None):
    """Import the rules (this checkout's, or an older ``transforms`` copy) before the bench
    modules, so that ``pii_accuracy``'s ``find_pii`` is the chosen rules'."""
    sys.path.insert(0, str(rules.resolve() if rules else ROOT))
    import transforms.privacy.pii as pii

    if str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))
    from bench import pii_accuracy, pii_speech

    return pii, pii_accuracy, pii_speech


def _examples(nlp, rows: list[dict]):
    from spacy.training import Example
    from spacy.util import filter_spans

    out = []
    for row in rows:
        doc = nlp.make_doc(row["text"])
        spans = []
        for g in row["entities"]:
            span = doc.char_span(
                g["start"], g["end"], label=LABEL_OF[g["type"]], alignment_mode="expand"
            )
            if span is not None:
                spans.append(span)
        # labels widened to whole tokens ("expand"); overlapping labels keep the longest
        ents = [(s.start_char, s.end_char, s.label_) for s in filter_spans(spans)]
        out.append(Example.from_dict(doc, {"entities": ents}))
    return out


def train(lang: str, rows: list[dict], epochs: int, max_s: float, seed: int, out: Path) -> dict:
    import spacy
    from spacy.util import compounding, fix_random_seed, minibatch

    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = spacy.blank(lang)
    ner = nlp.add_pipe("ner")
    for label in sorted(set(LABEL_OF.values())):
        ner.add_label(label)
    examples = _examples(nlp, rows)
    optimizer = nlp.initialize(lambda: examples)
    t0, done = time.perf_counter(), 0
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        done = epoch + 1
        spent = time.perf_counter() - t0
        print(
            f"  {lang} epoch {done}: loss {losses.get('ner', 0.0):.1f}, {spent:.0f} s", flush=True
        )
        if spent * (done + 1) / done > max_s:
            break
    seconds = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out / lang)
    return {"nlp": nlp, "seconds": round(seconds, 1), "epochs": done, "rows": len(rows)}


def merge(spans: list, make) -> list:
    """Overlapping spans become one: their union extent, typed as the longest (first on a tie)."""
    out: list = []
    cluster: list = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if cluster and s.start < max(c.end for c in cluster):
            cluster.append(s)
            continue
        if cluster:
            out.append(_one(cluster, make))
        cluster = [s]
    if cluster:
        out.append(_one(cluster, make))
    return out


def _one(cluster: list, make):
    longest = max(cluster, key=lambda s: s.end - s.start)  # max keeps the first on a tie
    return make(min(s.start for s in cluster), max(s.end for s in cluster), longest.entity)


def _added(row: dict, model_spans: dict[str, list], tenant: bool) -> list:
    """The model's NAME and ADDRESS spans the union adds; with ``tenant``, less those that overlap
    the tenant's name in the text (the rules get it as ``org_names``, the model does not)."""
    spans = [s for s in model_spans[row["id"]] if s.entity in UNION_LABELS]
    if not tenant or not row.get("tenant"):
        return spans
    low, name = row["text"].lower(), row["tenant"].lower()
    hits, at = [], low.find(name)
    while at >= 0:
        hits.append((at, at + len(name)))
        at = low.find(name, at + 1)
    return [s for s in spans if not any(s.start < b and a < s.end for a, b in hits)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--heldout", required=True, help="the split scored: one read blind already (READABLE)"
    )
    parser.add_argument("--rules", type=Path, help="a directory holding an older transforms/")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--max-minutes", type=float, default=10.0, help="per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="default /tmp/pii_learned/<heldout>")
    parser.add_argument("--sample", type=int, help="rows per language kept (smoke runs)")
    parser.add_argument(
        "--load", action="store_true", help="score the weights in --out, no training"
    )
    args = parser.parse_args()
    os.umask(0o077)  # the weights and their folders: the owner's only
    pii, acc, speech = _import(args.rules)
    readable = [s for s in speech.SPLITS[2:] if s in acc.READABLE]
    if args.heldout not in readable:
        parser.error(f"--heldout must be one of {', '.join(readable)} (read blind already)")
    load_start = os.getloadavg()
    order = speech.SPLITS.index(args.heldout)
    seen = set(speech.SPLITS[:order])
    rows = [json.loads(x) for x in speech.CORPUS.read_text(encoding="utf-8").splitlines() if x]
    held = [r for r in rows if r["split"] == args.heldout]
    train_rows = [r for r in rows if r["split"] in seen]
    if args.sample:
        held = held[: args.sample]
    print(f"rules: {pii.__file__}")
    print(f"train on {sorted(seen, key=speech.SPLITS.index)}; score {args.heldout}")

    out = args.out or Path("/tmp/pii_learned") / args.heldout
    models: dict[str, dict] = {}
    for lang in ("fr", "en"):
        mine = [r for r in train_rows if r["language"] == lang]
        if args.sample:
            mine = mine[: args.sample]
        both = {}
        for r in (*mine, *(acc.whisper_form(r) for r in mine)):
            both.setdefault(r["text"], r)
        if args.load:
            import spacy

            models[lang] = {"nlp": spacy.load(out / lang), "seconds": None, "epochs": None}
            continue
        print(f"training {lang}: {len(both)} texts ({len(mine)} rows, both forms)", flush=True)
        models[lang] = train(
            lang, list(both.values()), args.epochs, args.max_minutes * 60, args.seed, out
        )

    make = pii.PiiSpan
    rules_predict = acc.predict
    for lang in ("fr", "en"):  # warm up: engine construction and model loading are not per row
        pii.find_pii("warm up", lang)
        models[lang]["nlp"]("warm up")

    ner_s = 0.0
    model_spans: dict[str, list] = {}
    for r in held:
        t0 = time.perf_counter()
        doc = models[r["language"]]["nlp"](r["text"])
        ner_s += time.perf_counter() - t0
        model_spans[r["id"]] = [make(e.start_char, e.end_char, e.label_) for e in doc.ents]
    rules_s = 0.0
    rules_spans: dict[str, list] = {}
    for r in held:
        t0 = time.perf_counter()
        rules_spans[r["id"]] = rules_predict(r)
        rules_s += time.perf_counter() - t0

    methods = {
        "rules": lambda r: rules_spans[r["id"]],
        "model": lambda r: model_spans[r["id"]],
        "union": lambda r: merge([*rules_spans[r["id"]], *_added(r, model_spans, False)], make),
        "union_tenant": lambda r: merge(
            [*rules_spans[r["id"]], *_added(r, model_spans, True)], make
        ),
    }
    figures: dict[str, object] = {}
    for name, fn in methods.items():
        acc.predict = fn
        figures[name] = acc._table(
            f"{args.heldout} ({len(held)} rows) · {name}", acc.evaluate(held)
        )
    acc.predict = rules_predict
    load_end = os.getloadavg()
    n = max(len(held), 1)
    figures.update(
        heldout=args.heldout,
        rows=len(held),
        rules_dir=str(Path(pii.__file__).parents[3]),
        training={lang: {k: v for k, v in m.items() if k != "nlp"} for lang, m in models.items()},
        seed=args.seed,
        ner_ms_per_row=round(ner_s * 1000 / n, 2),
        rules_ms_per_row=round(rules_s * 1000 / n, 2),
        load_start=[round(x, 2) for x in load_start],
        load_end=[round(x, 2) for x in load_end],
        weights=str(out),
    )
    print(
        f"\nNER {figures['ner_ms_per_row']} ms/row, rules {figures['rules_ms_per_row']} ms/row; "
        f"load {load_start[0]:.2f} → {load_end[0]:.2f}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
