"""French verdict accuracy on the evaluation set: agreement, silent errors, review load, WER.

The set is ``bench/french_set.py``'s (80 seeded calls, half ``dev``, half ``heldout``; voiced with
espeak-ng voices the project never tuned on, through telephone lines). **Tune on ``dev`` only;
``heldout`` is measured, never tuned on.** Each call is transcribed with the project's
transcriber (declared language fr; stereo agent-left or mono), primed with the set's scorecard
(``bench/french_scorecard.yaml``) and the call's tenant name unless ``--bias none``, then scored
with that card. Per split it prints the agreement per criterion, then:

- ``agreement``: share of *unflagged* verdicts that match the label (what reaches the KPIs);
- ``silent_error_rate``: verdicts wrong and not flagged ``needs_review``, over all verdicts;
- ``flagged_share``: verdicts flagged for a person;
- ``false_met_rate``: phrase_said verdicts "met" where the phrase was not said (what a prompt
  could cause), over those not said;
- ``wer``: word error rate of the whole call against the script (normalised as the scorer does).

The last line is one JSON object: the held-out figures at the top level, dev under ``dev``.
``--bias none --matcher legacy --review legacy`` is main's behaviour before this benchmark's
changes, so before/after figures come from one script. Transcripts are cached per call, model and
prompt under ``$CCR_MODEL_CACHE/bench-audio/french/transcripts`` (speed figures then come from
the first, uncached run: ``--no-cache`` forces one).

Run: ``.venv/bin/python bench/french_accuracy.py`` (espeak-ng on PATH the first time).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import french_set  # noqa: E402

from transforms.core.settings import Settings  # noqa: E402
from transforms.core.text import normalise  # noqa: E402
from transforms.core.transcript import Segment, Word  # noqa: E402
from transforms.score.metrics import conversation_metrics  # noqa: E402
from transforms.score.scoring import ScoringRules, score_call  # noqa: E402
from transforms.transcribe.biasing import decoder_bias  # noqa: E402
from transforms.transcribe.engine import Transcriber  # noqa: E402
from transforms.transcribe.model import model_id, resolve_model_dir  # noqa: E402
from transforms.transcribe.roles import RoleHints  # noqa: E402

#: How the transcriber applies a bias, part of the transcript cache key: a change to it must not
#: reuse transcripts made the old way. Only the agent's channel of a stereo call with a known layout
#: is primed (all of a mono call), only chunks heard unsure; a primed chunk cut short is not kept.
PRIMING = "agent channel; chunks below 0.7 word probability; primed kept from 1 word/s"


def cached_transcript(
    call: french_set.Call,
    audio: np.ndarray,
    key: str,
    get_transcriber,
    bias,
    folder: Path,
    refresh: bool,
) -> dict:
    """Segments (as dicts), duration and ASR seconds of one call, from the cache or the model."""
    path = folder / f"{call.call_id}-{key}.json"
    if path.exists() and not refresh:
        return json.loads(path.read_text())
    transcriber = get_transcriber()
    channels = [audio[:, i] for i in range(audio.shape[1])]
    started = time.perf_counter()
    tr = transcriber.transcribe(
        channels,
        language=french_set.LANGUAGE,
        channel_layout="agent-left" if len(channels) == 2 else None,
        allowed_languages=(french_set.LANGUAGE,),
        roles=RoleHints(company=call.tenant),
        bias=bias,
    )
    out = {
        "segments": [dataclasses.asdict(s) for s in tr.ordered()],
        "duration_s": tr.duration_s,
        "asr_s": time.perf_counter() - started,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False))
    return {**out, "fresh": True}


def segments_of(raw: dict) -> list[Segment]:
    return [
        Segment(**{**s, "words": tuple(Word(**w) for w in s["words"])}) for s in raw["segments"]
    ]


def split_figures(rows: list[dict], refs: list[str], hyps: list[str]) -> dict:
    import jiwer

    n = len(rows)
    flagged = [r for r in rows if r["flagged"]]
    unflagged = [r for r in rows if not r["flagged"]]
    not_said = [r for r in rows if r["kind"] == "phrase_said" and not r["label"]]
    return {
        "calls": len({r["call_id"] for r in rows}),
        "verdicts": n,
        "agreement": round(sum(r["ok"] for r in unflagged) / len(unflagged), 4)
        if unflagged
        else None,
        "agreement_all": round(sum(r["ok"] for r in rows) / n, 4),
        "silent_error_rate": round(sum(not r["ok"] for r in unflagged) / n, 4),
        "flagged_share": round(len(flagged) / n, 4),
        "false_met_rate": round(sum(r["met"] for r in not_said) / len(not_said), 4)
        if not_said
        else None,
        "false_met_unflagged": sum(r["met"] and not r["flagged"] for r in not_said),
        "wer": round(float(jiwer.wer(refs, hyps)), 4),
    }


def transcribe_set(args: argparse.Namespace, splits: tuple[str, ...]) -> tuple[list, dict]:
    """(call, segments, duration) of every call of ``splits``, transcribed as ``args`` say (or
    from the cache), and the real-time factor of what was transcribed now."""
    env = Settings.from_env(os.environ)
    script = french_set.load_script()
    card = french_set.load_card(script)
    calls = [c for c in french_set.build_calls(script, card) if c.split in splits]
    if args.limit:
        calls = [c for s in splits for c in [c for c in calls if c.split == s][: args.limit]]
    model_dir = resolve_model_dir(env, args.model)
    mid = model_id(model_dir)
    cache = french_set.cache_dir(env.model_cache)
    holder: list[Transcriber] = []

    def get_transcriber() -> Transcriber:
        if not holder:
            holder.append(
                Transcriber(model_dir, cpu_threads=env.whisper_threads, beam_size=env.whisper_beam)
            )
        return holder[0]

    items = []
    audio_s = asr_s = 0.0
    transcribed = 0
    with tempfile.TemporaryDirectory(prefix="ccr-fr-bench-") as tmp:
        synth = french_set.Synth(Path(tmp))
        for call in calls:
            audio = french_set.audio_for(call, script, synth, cache)
            bias = (
                None
                if args.bias == "none"
                else decoder_bias(card, call.tenant, (french_set.LANGUAGE,), args.bias)
            )
            prompt = bias.prompts if bias else ()
            parts = [call.cache_key(script), mid, env.whisper_beam, args.bias, prompt]
            if bias is not None:
                parts.append(PRIMING)
            key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
            raw = cached_transcript(
                call, audio, key, get_transcriber, bias, cache / "transcripts", args.no_cache
            )
            if holder and raw.get("fresh"):
                asr_s += raw["asr_s"]
                audio_s += raw["duration_s"]
                transcribed += 1
            items.append((call, segments_of(raw), raw["duration_s"]))
    speed = {
        "model": mid,
        "transcribed_now": transcribed,
        "asr_real_time_factor": round(audio_s / asr_s, 2) if asr_s else None,
    }
    return items, speed


def score_set(card, items: list, rules: ScoringRules) -> tuple[list[dict], dict]:
    """One row per verdict (label, verdict, flag, evidence), and the reference and heard text of
    each call by split, for WER."""
    rows: list[dict] = []
    texts: dict[str, tuple[list[str], list[str]]] = {}
    for call, segs, duration_s in items:
        metrics = conversation_metrics(
            ((s.speaker, s.start_s, s.end_s, s.text) for s in segs), duration_s
        ).as_row()
        result = score_call(
            card,
            segs,
            language=french_set.LANGUAGE,
            duration_s=duration_s,
            metrics=metrics,
            rules=rules,
        )
        refs, hyps = texts.setdefault(call.split, ([], []))
        refs.append(normalise(call.reference, french_set.LANGUAGE))
        hyps.append(normalise(" ".join(s.text for s in segs), french_set.LANGUAGE))
        for r in result.results:
            label = call.labels[r.criterion_id]
            rows.append(
                {
                    "split": call.split,
                    "call_id": call.call_id,
                    "criterion": r.criterion_id,
                    "kind": r.kind,
                    "label": label,
                    "met": r.met,
                    "ok": r.met == label,
                    "flagged": r.needs_review,
                    "reason": r.review_reason,
                    "score": r.match_score,
                    "said": call.said[r.criterion_id],
                    "heard": r.evidence.text if r.evidence else None,
                }
            )
    return rows, texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bias",
        choices=("prompt", "hotwords", "none"),
        default="prompt",
        help="decoder biasing from the scorecard and tenant name (default prompt)",
    )
    parser.add_argument(
        "--matcher",
        choices=("current", "legacy"),
        default="current",
        help="legacy: main's character-only fuzzy match (no French phonetics)",
    )
    parser.add_argument(
        "--review",
        choices=("current", "legacy"),
        default="current",
        help="legacy: main's review rules (no not_heard flag)",
    )
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--limit", type=int, default=0, help="only the first N calls of each split")
    parser.add_argument("--model", help="CTranslate2 Whisper folder (default: the bundled base)")
    parser.add_argument(
        "--no-cache", action="store_true", help="transcribe again, ignoring cached transcripts"
    )
    parser.add_argument("--errors", action="store_true", help="list every wrong or flagged verdict")
    args = parser.parse_args(argv)  # fmt: skip

    card = french_set.load_card(french_set.load_script())
    splits = french_set.SPLITS if args.split == "both" else (args.split,)
    items, speed = transcribe_set(args, splits)
    rules = ScoringRules(phonetic=args.matcher == "current", not_heard=args.review == "current")
    rows, texts = score_set(card, items, rules)
    figures = {}
    for split in splits:
        mine = [r for r in rows if r["split"] == split]
        print(f"== {split}: {len({r['call_id'] for r in mine})} calls")
        print(
            f"{'criterion':<16} {'agree*':>7} {'flagged':>8} {'silent':>7} {'n':>4}"
            "  (*over all verdicts)"
        )
        for c in card.criteria:
            cr = [r for r in mine if r["criterion"] == c.id]
            print(
                f"{c.id:<16} {sum(r['ok'] for r in cr) / len(cr):>7.1%} "
                f"{sum(r['flagged'] for r in cr) / len(cr):>8.1%} "
                f"{sum(not r['ok'] and not r['flagged'] for r in cr):>7} {len(cr):>4}"
            )
        figures[split] = split_figures(mine, *texts[split])
        f = figures[split]
        print(
            f"agreement (unflagged) {f['agreement']:.1%}, "
            f"silent errors {f['silent_error_rate']:.1%}, flagged {f['flagged_share']:.1%}, "
            f"false met {f['false_met_rate']:.1%} "
            f"({f['false_met_unflagged']} unflagged), WER {f['wer']:.3f}"
        )
        reasons: dict[str, int] = {}
        for r in mine:
            if r["reason"]:
                reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
        print(f"review reasons: {reasons}")
        if args.errors:
            for r in mine:
                if not r["ok"] or r["flagged"]:
                    state = "WRONG" if not r["ok"] else "ok"
                    print(
                        f"  {state:<5} {r['call_id']} {r['criterion']} label={r['label']} "
                        f"flag={r['reason']} score={r['score']} said={r['said']!r} "
                        f"heard={r['heard']!r}"
                    )
    out = dict(figures.get("heldout", {}))
    if "dev" in figures:
        out["dev"] = figures["dev"]
    out.update({"bias": args.bias, "matcher": args.matcher, "review": args.review, **speed})
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
