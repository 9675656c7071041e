"""What redaction's NER costs per audio minute, on the sample calls' scripts.

Usage: ``.venv/bin/python bench/ner_cost.py [--repeat N] [--rtf-pipeline X]``

For each sample call (``samples/ground_truth.jsonl``: the turns as scripted and the call's
duration) the call's text is redacted as the transcription step redacts it (all turns together, in
the call's language) and these costs are timed: the spaCy pipeline alone (what NER adds), the
first-name scan (``first_names.py``: names said with no cue word), the whole redaction (rules,
validators, Presidio, NER and the scan), and, once per process, the loads: each language's
pipeline, and the first-name, surname and common-word lists, the name lexicon and the US given names
(``first_names.name_lexicon``; the French pipeline's tokenizer pattern comes compiled from
``$CCR_MODEL_CACHE/regex``, and the lists as derived from ``$CCR_MODEL_CACHE/lists``, after the
first process on a machine, as in the product: the table says when this run was that first
process); the scan is the first-name, cued-name and framed-name scans.
Issue 22's budget: names recognition adds at most 10 % to ``bench/transcription.py``'s pipeline
time, measured in the same sitting: ``--rtf-pipeline`` is that script's ``rtf_pipeline`` (audio
seconds per pipeline second, e.g. 16.3), and the budget is 10 % of the pipeline's seconds per audio
minute, loads included. Without it no budget is printed (a figure from another box or day would not
compare).

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the calls")
    parser.add_argument(
        "--rtf-pipeline",
        type=float,
        default=None,
        help="bench/transcription.py's rtf_pipeline, same sitting: gives the 10 %% budget",
    )
    args = parser.parse_args()
    calls = [
        json.loads(x)
        for x in (ROOT / "samples" / "ground_truth.jsonl").read_text().splitlines()
        if x.strip()
    ]
    # as a product process's edge does: the French data's pattern compiled, and the name lists
    # derived, once per machine
    from transforms.core import compiled_regex, kept_files, kept_lists
    from transforms.core.settings import Settings

    model_cache = Settings.from_env(os.environ).model_cache
    kept_files.keep_under(model_cache)
    where = compiled_regex.kept_in()
    kept = bool(where and where.is_dir() and any(where.glob("*.sre")))
    lists_where = kept_lists.kept_in()
    lists_before = (
        set(lists_where.glob("*.json")) if lists_where and lists_where.is_dir() else set()
    )
    t0 = time.perf_counter()
    from transforms.privacy.pii import analyzer, find_pii
    from transforms.privacy.pii import first_names as names
    from transforms.privacy.pii.tokens import tokenize

    engine = analyzer().nlp_engine
    import_s = time.perf_counter() - t0
    load_s = {}
    for lang in ("fr", "en"):
        t0 = time.perf_counter()
        engine.nlp[lang]
        load_s[lang] = time.perf_counter() - t0
    t0 = time.perf_counter()
    names.first_names()
    names.common_words()
    for lang in ("fr", "en"):
        names.frequent_surnames(lang)
    names.name_lexicon()
    names.us_given_names()
    load_s["lists"] = time.perf_counter() - t0
    lists_after = set(lists_where.glob("*.json")) if lists_where and lists_where.is_dir() else set()
    lists_kept = bool(lists_after) and lists_after == lists_before  # none derived and kept here
    audio_min = sum(c["duration_s"] for c in calls) / 60
    texts = [(" ".join(t["text"] for t in c["turns"]), c["language"]) for c in calls]
    words = sum(len(t.split()) for t, _ in texts)
    ner_s = redact_s = scan_s = 0.0
    for _ in range(args.repeat):
        for text, lang in texts:
            t0 = time.perf_counter()
            engine.process_text(text, lang)
            ner_s += time.perf_counter() - t0
            t0 = time.perf_counter()
            tokens = tokenize(text)
            names.scan_first_names(text, tokens, lang)
            names.scan_cued_names(text, tokens, lang)
            names.scan_framed_names(text, tokens, lang)
            scan_s += time.perf_counter() - t0
            t0 = time.perf_counter()
            find_pii(text, lang)
            redact_s += time.perf_counter() - t0
    ner_s /= args.repeat
    redact_s /= args.repeat
    scan_s /= args.repeat
    loads = sum(load_s.values())
    # 10 % of the pipeline's seconds per audio minute, same sitting
    budget = 0.1 * 60 / args.rtf_pipeline if args.rtf_pipeline else None
    print(f"{len(calls)} calls, {audio_min:.1f} audio min, {words} words")
    print(
        f"loads (once per process): fr {load_s['fr']:.2f} s, en {load_s['en']:.2f} s, "
        f"name lists {load_s['lists']:.2f} s"
        + ("" if kept else " (first process here: the French pattern compiled and kept)")
        + ("" if lists_kept else " (the lists derived and kept by this process)")
    )
    print(f"NER alone:        {ner_s:.3f} s = {ner_s / audio_min:.4f} s per audio minute")
    print(f"first-name scan:  {scan_s:.3f} s = {scan_s / audio_min:.4f} s per audio minute")
    print(f"whole redaction:  {redact_s:.3f} s = {redact_s / audio_min:.4f} s per audio minute")
    print(
        f"names (NER + scan) incl. all loads over these calls: "
        f"{(ner_s + scan_s + loads) / audio_min:.4f} s per audio minute "
        + (f"(budget {budget:.3f})" if budget else "(no budget: pass --rtf-pipeline)")
    )
    print(
        json.dumps(
            {
                "audio_min": round(audio_min, 2),
                "ner_s_per_audio_min": round(ner_s / audio_min, 4),
                "first_name_scan_s_per_audio_min": round(scan_s / audio_min, 4),
                "redaction_s_per_audio_min": round(redact_s / audio_min, 4),
                "load_s": {k: round(v, 3) for k, v in load_s.items()},
                "names_with_loads_s_per_audio_min": round((ner_s + scan_s + loads) / audio_min, 4),
                "budget_s_per_audio_min": round(budget, 3) if budget else None,
                "import_s": round(import_s, 2),
                "regex_kept_before": kept,
                "lists_kept_before": lists_kept,
            }
        )
    )


if __name__ == "__main__":
    main()
