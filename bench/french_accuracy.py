"""French verdict accuracy on the evaluation set: agreement, silent errors, review load, WER.

The set is ``bench/french_set.py``'s (80 seeded calls, half ``dev``, half ``heldout``, and 60 more
dev calls, mostly mono, as ``--split dev-more``; voiced with
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
- ``wer``: word error rate of the whole call against the script (normalised as the scorer does);
- issue 26's counts (``bench/evidence_figures.py``): false "met" from primed evidence,
  forbidden-phrase false hits and role errors, each with how many went unflagged.

The same figures are given for the split's derived customer-first calls (``customer_first``:
mono, the customer opening, using a forbidden phrasing, the agent saying a sound-alike;
``french_set.customer_first_calls``).

The last line is one JSON object: the held-out figures at the top level, dev under ``dev``.
``--bias none --matcher legacy --review legacy --evidence legacy`` is main's behaviour before
these benchmarks' changes; ``--evidence legacy`` alone is main before issue 26 (its scorer, and
the roles its rule decided), so before/after figures come from one script. Transcripts are cached
per call, model, prompt and transcription code under
``$CCR_MODEL_CACHE/bench-audio/french/transcripts`` (speed figures then come from the first,
uncached run: ``--no-cache`` forces one). The script runs on another checkout's code too (copy
``bench/`` there): it reads only what that code's transcripts and verdicts carry.

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
from types import SimpleNamespace
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evidence_figures  # noqa: E402
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
#: What makes a transcript, also in the cache key: a change to the engine, the roles or the
#: transcript types transcribes again (and another checkout's code gets its own transcripts).
TRANSCRIPTION_CODE = ("transforms/transcribe", "transforms/core/transcript.py")


def code_digest(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for entry in TRANSCRIPTION_CODE:
        path = root / entry
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(f.relative_to(root).as_posix().encode() + f.read_bytes())
    return digest.hexdigest()[:16]


def role_hints(tenant: str, card) -> RoleHints:
    """The tenant's hints as the transcribe step builds them: its name, and the card's agent
    phrasings where this checkout's ``RoleHints`` takes them."""
    fields = {f.name for f in dataclasses.fields(RoleHints)}
    if "phrases" in fields:
        return RoleHints.for_tenant(SimpleNamespace(display_name=tenant), card)
    return RoleHints(company=tenant)


def rules_for(args: argparse.Namespace) -> ScoringRules:
    """The scorer the options ask for; ``--evidence legacy`` turns issue 26's rules off."""
    rules = {"phonetic": args.matcher == "current", "not_heard": args.review == "current"}
    fields = {f.name for f in dataclasses.fields(ScoringRules)}
    for name in ("primed_proof", "whole_words", "role_check"):
        if name in fields:
            rules[name] = args.evidence == "current"
    return ScoringRules(**rules)


def cached_transcript(
    call: french_set.Call,
    audio: np.ndarray,
    key: str,
    get_transcriber,
    bias,
    folder: Path,
    refresh: bool,
    card=None,
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
        roles=role_hints(call.tenant, card),
        bias=bias,
    )
    out = {
        "segments": [dataclasses.asdict(s) for s in tr.ordered()],
        "duration_s": tr.duration_s,
        "asr_s": time.perf_counter() - started,
        "role_check": getattr(tr, "role_check", None),
        "role_signals": getattr(tr, "role_signals", {}),
    }
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False))
    return {**out, "fresh": True}


def segments_of(raw: dict) -> list[Segment]:
    out = []
    for s in raw["segments"]:
        fields = {**s, "words": tuple(Word(**w) for w in s["words"])}
        if "unprimed_words" in s:
            fields["unprimed_words"] = tuple(Word(**w) for w in s["unprimed_words"])
        out.append(Segment(**fields))
    return out


def as_decided_by_the_rule(segments: list[Segment], raw: dict) -> list[Segment]:
    """The segments with the roles main's rule alone gave (``--evidence legacy``): when the role
    signals made another voice the agent, every agent and customer label swaps back."""
    signals = raw.get("role_signals") or {}
    if "rule_agent" not in signals or signals["rule_agent"] == signals.get("agent"):
        return segments
    swap = {"agent": "customer", "customer": "agent"}
    return [dataclasses.replace(s, speaker=swap.get(s.speaker, s.speaker)) for s in segments]


def split_figures(rows: list[dict], refs: list[str], hyps: list[str], calls: list[dict]) -> dict:
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
        **evidence_figures.counts(rows, calls),
    }


def call_item(call, segments: list[Segment], raw: dict, role_check: str | None, turns) -> dict:
    """One transcribed call as ``score_set`` takes it: the call, its group, segments, duration,
    role check and signals, and who spoke when."""
    return {
        "call": call,
        "group": "customer_first" if call.derived_from else "drawn",
        "segments": segments,
        "duration_s": raw["duration_s"],
        "role_check": role_check,
        "role_signals": raw.get("role_signals") or {},
        "turns": turns,
    }


def transcribe_set(args: argparse.Namespace, splits: tuple[str, ...]) -> tuple[list, dict]:
    """One item per call of ``splits`` (the drawn calls, then the derived customer-first ones):
    the call, its group, segments, duration, role check and who spoke when, transcribed as
    ``args`` say (or from the cache); and the real-time factor of what was transcribed now."""
    env = Settings.from_env(os.environ)
    script = french_set.load_script()
    card = french_set.load_card(script)
    drawn = french_set.build_calls(script, card)
    for extra in set(splits) & set(getattr(french_set, "MORE_SPLITS", ())):
        drawn += french_set.more_calls(script, card, extra)
    derived = french_set.customer_first_calls(script, drawn)
    for call in derived:
        french_set.check(call, card)
    calls = [c for c in drawn + derived if c.split in splits]
    if args.limit:
        calls = [
            c
            for s in splits
            for derived_ in ("", "x")
            for c in [c for c in calls if c.split == s and bool(c.derived_from) == bool(derived_)][
                : args.limit
            ]
        ]
    model_dir = resolve_model_dir(env, args.model)
    mid = model_id(model_dir)
    cache = french_set.cache_dir(env.model_cache)
    code = code_digest()
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
            parts = [call.cache_key(script), mid, env.whisper_beam, args.bias, prompt, code]
            if bias is not None:
                parts.append(PRIMING)
            key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
            raw = cached_transcript(
                call, audio, key, get_transcriber, bias, cache / "transcripts", args.no_cache, card
            )
            if holder and raw.get("fresh"):
                asr_s += raw["asr_s"]
                audio_s += raw["duration_s"]
                transcribed += 1
            segments = segments_of(raw)
            role_check = raw.get("role_check")
            if args.evidence == "legacy":
                segments, role_check = as_decided_by_the_rule(segments, raw), None
            turns = french_set.turn_times(call, script, synth, cache)
            items.append(call_item(call, segments, raw, role_check, turns))
    speed = {
        "model": mid,
        "transcribed_now": transcribed,
        "asr_real_time_factor": round(audio_s / asr_s, 2) if asr_s else None,
    }
    return items, speed


def score_set(card, items: list, rules: ScoringRules) -> tuple[list[dict], dict, list[dict]]:
    """One row per verdict (label, verdict, flag, evidence), the reference and heard text of
    each call by split and group, for WER, and one row per call (its role error and check)."""
    rows: list[dict] = []
    texts: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    calls: list[dict] = []
    for item in items:
        call, segs, duration_s = item["call"], item["segments"], item["duration_s"]
        metrics = conversation_metrics(
            ((s.speaker, s.start_s, s.end_s, s.text) for s in segs), duration_s
        ).as_row()
        extra: dict[str, Any] = {}
        if "role_check" in score_call.__code__.co_varnames:
            extra["role_check"] = item["role_check"]
        result = score_call(
            card,
            segs,
            language=french_set.LANGUAGE,
            duration_s=duration_s,
            metrics=metrics,
            rules=rules,
            **extra,
        )
        where = (call.split, item["group"])
        refs, hyps = texts.setdefault(where, ([], []))
        refs.append(normalise(call.reference, french_set.LANGUAGE))
        hyps.append(normalise(" ".join(s.text for s in segs), french_set.LANGUAGE))
        calls.append(
            {
                "split": call.split,
                "group": item["group"],
                "call_id": call.call_id,
                "agreement": evidence_figures.speaker_agreement(segs, item["turns"])
                if call.channels == "mono"
                else None,
                "role_check": item["role_check"],
            }
        )
        for r in result.results:
            label = call.labels[r.criterion_id]
            evidence_decode = getattr(r, "evidence_decode", None)
            rows.append(
                {
                    "split": call.split,
                    "group": item["group"],
                    "call_id": call.call_id,
                    "criterion": r.criterion_id,
                    "kind": r.kind,
                    "label": label,
                    "met": r.met,
                    "ok": r.met == label,
                    "flagged": r.needs_review,
                    "reason": r.review_reason,
                    "score": r.match_score,
                    "decode": evidence_decode,
                    "said": call.said[r.criterion_id],
                    "heard": r.evidence.text if r.evidence else None,
                    "unprimed": getattr(r.evidence, "unprimed_text", None)
                    if evidence_decode == "primed"
                    else None,
                    **evidence_figures.match_figures(r, card, french_set.LANGUAGE, rules),
                }
            )
    return rows, texts, calls


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
    parser.add_argument(
        "--evidence",
        choices=("current", "legacy"),
        default="current",
        help="legacy: before issue 26 (primed text as proof, fuzzy forbidden phrases, the roles "
        "the tenant's rule gave, unchecked)",
    )
    parser.add_argument(
        "--split",
        choices=("dev", "heldout", "both", "dev-more"),
        default="both",
        help="dev-more: 60 more dev calls, mostly mono (bench/french_set.py), to tune on",
    )
    parser.add_argument(
        "--limit", type=int, default=0, help="only the first N calls of each split and group"
    )
    parser.add_argument("--model", help="CTranslate2 Whisper folder (default: the bundled base)")
    parser.add_argument(
        "--no-cache", action="store_true", help="transcribe again, ignoring cached transcripts"
    )
    parser.add_argument("--errors", action="store_true", help="list every wrong or flagged verdict")
    parser.add_argument("--rows", help="write every verdict and call row to this JSON file (dev)")
    args = parser.parse_args(argv)  # fmt: skip

    card = french_set.load_card(french_set.load_script())
    splits = french_set.SPLITS if args.split == "both" else (args.split,)
    items, speed = transcribe_set(args, splits)
    rows, texts, calls = score_set(card, items, rules_for(args))
    if args.rows:
        Path(args.rows).write_text(json.dumps({"rows": rows, "calls": calls}, default=str))
    figures = {}
    for split in splits:
        mine = [r for r in rows if r["split"] == split and r["group"] == "drawn"]
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
        figures[split] = {}
        for group in ("drawn", "customer_first"):
            these = [r for r in rows if r["split"] == split and r["group"] == group]
            if not these:
                continue
            their_calls = [c for c in calls if c["split"] == split and c["group"] == group]
            f = split_figures(these, *texts[(split, group)], their_calls)
            if group == "drawn":
                figures[split].update(f)
            else:
                figures[split][group] = f
            print(
                f"{group}: agreement (unflagged) {f['agreement']:.1%}, "
                f"silent errors {f['silent_error_rate']:.1%}, flagged {f['flagged_share']:.1%}, "
                f"false met {f['false_met_rate'] or 0:.1%} "
                f"({f['false_met_unflagged']} unflagged), WER {f['wer']:.3f}"
            )
            print(
                f"  false met from primed evidence {f['false_met_primed']} "
                f"({f['false_met_primed_unflagged']} unflagged), forbidden false hits "
                f"{f['forbidden_false_hits']} ({f['forbidden_false_hits_unflagged']} unflagged), "
                f"role errors {f['role_errors']}/{f['mono_calls']} mono "
                f"({f['role_errors_unflagged']} unflagged), voices mixed {f['voices_mixed']} "
                f"({f['voices_mixed_unflagged']} unflagged)"
            )
            reasons: dict[str, int] = {}
            for r in these:
                if r["reason"]:
                    reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
            print(f"  review reasons: {reasons}")
        if args.errors:
            for r in [r for r in rows if r["split"] == split]:
                if not r["ok"] or r["flagged"]:
                    state = "WRONG" if not r["ok"] else "ok"
                    print(
                        f"  {state:<5} {r['call_id']} {r['criterion']} label={r['label']} "
                        f"flag={r['reason']} score={r['score']} said={r['said']!r} "
                        f"heard={r['heard']!r} decode={r['decode']} unprimed={r['unprimed']!r}"
                    )
    out = dict(figures.get("heldout", {}))
    for split in ("dev", "dev-more"):
        if split in figures:
            out[split] = figures[split]
    out.update(
        {
            "bias": args.bias,
            "matcher": args.matcher,
            "review": args.review,
            "evidence": args.evidence,
            **speed,
        }
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
