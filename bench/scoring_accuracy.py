"""Scoring accuracy: criterion verdicts and call scores against hand-built labels.

The labelled set is ``bench/scoring_calls.yaml`` (≥30 synthetic calls: both languages, varied
phrasings, omissions, forbidden words, some mono), in two splits: odd-numbered calls ``dev`` (tune
on them), even-numbered ``heldout`` (only measured). Each stereo call is also voiced as a derived
*customer-first* call (the file's ``customer_first``): mixed down to mono through a telephone line,
the customer opening, using a forbidden phrasing harmlessly, the agent saying a sound-alike of one
(issue 26). Each call is voiced with espeak-ng through ``samples/generate.py``'s synthesiser (same
voices, pronunciation hints and timing rules), cached under ``$CCR_MODEL_CACHE/bench-audio``,
transcribed with the project's transcriber (primed with the scorecard and the tenant's name the
call opens with, as the transcribe asset primes it; ``--bias none`` for main's unprimed decoding)
and scored with the scorecard version the file names. Transcripts are cached like the French
set's (per call, model, prompt and transcription code).

Per split and group it prints the agreement per criterion, then: ``agreement`` (unflagged
verdicts that match the label), ``agreement_all`` (all verdicts: the figure this bench gave
before splits), ``silent_error_rate``, ``flagged_share``, the call-score MAE and issue 26's counts
(``bench/evidence_figures.py``). The last line is one JSON object: held-out at the top level, dev
under ``dev``, each with its ``customer_first`` group. ``--legacy`` is main's scorer before the
French rules, ``--evidence legacy`` main before issue 26 (see ``bench/french_accuracy.py``).

Run: ``.venv/bin/python bench/scoring_accuracy.py`` (needs espeak-ng on PATH the first time).
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
import yaml
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))
sys.path.insert(0, str(ROOT / "bench"))

import evidence_figures  # noqa: E402
import french_accuracy  # noqa: E402  (transcript cache helpers shared with the French set)
import french_set  # noqa: E402  (the telephone line)
import generate  # noqa: E402  (samples/generate.py: the espeak machinery)

from transforms.core.scorecards import load_scorecards  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402
from transforms.core.tenants import load_tenants  # noqa: E402
from transforms.score.metrics import conversation_metrics  # noqa: E402
from transforms.score.scoring import score_call  # noqa: E402
from transforms.transcribe.biasing import DecoderBias, company_name, decoder_bias  # noqa: E402
from transforms.transcribe.engine import Transcriber  # noqa: E402
from transforms.transcribe.model import model_id, resolve_model_dir  # noqa: E402

SPECS = ROOT / "bench" / "scoring_calls.yaml"
SPLITS = ("dev", "heldout")
RATE_HZ = 16000


def split_of(call: dict) -> str:
    """Odd-numbered calls (bench-001, -003…) are dev, even-numbered held-out; derived calls go
    with the call they come from."""
    number = int(call["call_id"].split("-")[1])
    return "dev" if number % 2 else "heldout"


def customer_first(calls: list[dict], spec: dict) -> list[dict]:
    """The derived customer-first call of every stereo call (``customer_first`` in the file)."""
    out = []
    for n, call in enumerate(c for c in calls if c["channels"] == "stereo"):
        words = spec[split_of(call)][call["language"]]
        turns = [dict(t) for t in call["turns"]]
        first_customer = next(i for i, t in enumerate(turns) if "customer" in t)
        second_agent = [i for i, t in enumerate(turns) if "agent" in t][1]
        line = words["customer_lines"][(n // 2) % len(words["customer_lines"])]
        turns[first_customer]["customer"] = f"{line} {turns[first_customer]['customer']}"
        alike = words["sound_alikes"][n % len(words["sound_alikes"])]
        turns[second_agent]["agent"] = f"{alike} {turns[second_agent]['agent']}"
        opener = {"customer": words["openers"][n % len(words["openers"])]}
        derived = {
            **call,
            "call_id": f"{call['call_id']}-cf",
            "channels": "mono",
            "line": spec["line"],
            "derived_from": call["call_id"],
            "turns": [opener, *turns],
        }
        check_labels(derived)
        out.append(derived)
    return out


def check_labels(call: dict) -> None:
    """The agent's lines of a derived call still say exactly what its labels say (the samples'
    substring rule), and its customer says no agent phrasing but a greeting or a forbidden one."""
    agent = " ".join(t["agent"] for t in call["turns"] if "agent" in t)
    customer = " ".join(t["customer"] for t in call["turns"] if "customer" in t)
    for criterion, label in call["labels"].items():
        found = generate.said(criterion, call["language"], agent)
        if (not found if criterion == "no_forbidden_words" else bool(found)) != label:
            raise SystemExit(f"{call['call_id']}: {criterion} label {label}, agent says {found}")
        leaked = generate.said(criterion, call["language"], customer)
        if leaked and criterion not in ("greeting", "no_forbidden_words"):
            raise SystemExit(f"{call['call_id']}: the customer says {leaked}")


def _placed(call: dict, synth: generate.Synthesizer, settings: generate.Settings):
    turns = tuple(
        generate.Turn(
            speaker="agent" if "agent" in t else "customer",
            text=t.get("agent") or t.get("customer"),
            overlap=bool(t.get("overlap")),
            hold_before=bool(t.get("hold_before")),
        )
        for t in call["turns"]
    )
    spec = SimpleNamespace(
        call_id=call["call_id"],
        turns=turns,
        agent_voice=call["agent_voice"],
        customer_voice=call["customer_voice"],
        language=call["language"],
    )
    return generate.layout(spec, synth, settings)  # type: ignore[arg-type]


def render(call: dict, synth: generate.Synthesizer, settings: generate.Settings) -> np.ndarray:
    """(samples, 2) float32 at 16 kHz: agent left, customer right; a derived call's ``line``
    (mono) puts the mix through the telephone line (``french_set.telephone``)."""
    placed, total = _placed(call, synth, settings)
    stereo = generate.mix(placed, total, settings.synth_rate_hz)
    if "line" in call:
        line = french_set.Line(**call["line"])
        rng = np.random.default_rng(int(hashlib.sha256(call["call_id"].encode()).hexdigest(), 16))
        mono = french_set.telephone(stereo.mean(axis=1), settings.synth_rate_hz, line, rng)
        return np.stack([mono, mono], axis=1).astype(np.float32)
    # 22050 → 16000 Hz (Whisper's rate): 16000/22050 = 320/441
    return resample_poly(stereo, 320, 441, axis=0).astype(np.float32)


def _key(call: dict) -> str:
    """What shapes the audio (the labels do not)."""
    shaped = {k: v for k, v in call.items() if k != "labels"}
    return hashlib.sha256(json.dumps(shaped, sort_keys=True).encode()).hexdigest()[:16]


def audio_for(call: dict, synth, settings, cache: Path) -> np.ndarray:
    path = cache / f"{call['call_id']}-{_key(call)}.npy"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, render(call, synth, settings))
    return np.load(path)


def turn_times(call: dict, synth, settings, cache: Path) -> list[dict]:
    """Who speaks when (the derived calls' line keeps the speed): cached beside the audio."""
    path = cache / f"{call['call_id']}-{_key(call)}.turns.json"
    if not path.exists():
        placed, _ = _placed(call, synth, settings)
        turns = [
            {"speaker": p.turn.speaker, "start_s": p.start_s, "end_s": p.end_s} for p in placed
        ]
        cache.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(turns))
    return json.loads(path.read_text())


def _tenant(call: dict, tenants: dict) -> str:
    """The tenant whose name the agent opens with (calls name no tenant)."""
    opening = next(t["agent"] for t in call["turns"] if "agent" in t).lower()
    names = [company_name(t.display_name) for t in tenants.values()]
    return next((n for n in names if n.split()[0].lower() in opening), "")


def _bias(card, call: dict, tenants: dict) -> DecoderBias:
    return decoder_bias(card, _tenant(call, tenants), (call["language"],))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N calls")
    parser.add_argument(
        "--bias", choices=("prompt", "none"), default="prompt", help="decoder biasing (default on)"
    )
    parser.add_argument(
        "--legacy", action="store_true", help="main's scorer (no French phonetics, no not_heard)"
    )
    parser.add_argument(
        "--evidence",
        choices=("current", "legacy"),
        default="current",
        help="legacy: before issue 26 (see bench/french_accuracy.py)",
    )
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--no-cache", action="store_true", help="transcribe again")
    parser.add_argument("--errors", action="store_true", help="list every wrong or flagged verdict")
    parser.add_argument("--rows", help="write every verdict and call row to this JSON file (dev)")
    args = parser.parse_args(argv)
    spec = yaml.safe_load(SPECS.read_text(encoding="utf-8"))
    drawn = spec["calls"][: args.limit or None]
    splits = SPLITS if args.split == "both" else (args.split,)
    calls = drawn + customer_first(drawn, spec["customer_first"])
    calls = [c for c in calls if split_of(c) in splits]
    env = Settings.from_env(os.environ)
    card = load_scorecards(env.scorecards_dir)[(spec["scorecard"], str(spec["scorecard_version"]))]
    # Labels are met / not met and the expected score is the weighted share met: a card with
    # critical items or N/A rules would make that formula (and the MAE) silently wrong.
    if any(c.critical or c.na_when for c in card.criteria):
        raise SystemExit(
            f"{card.id} v{card.version} has critical or N/A criteria: the bench labels and its "
            "expected-score formula only cover plain met / not-met criteria"
        )
    model_dir = resolve_model_dir(env)
    holder: list[Transcriber] = []

    def get_transcriber() -> Transcriber:
        if not holder:
            holder.append(
                Transcriber(model_dir, cpu_threads=env.whisper_threads, beam_size=env.whisper_beam)
            )
        return holder[0]

    script = generate.load_script(generate.SAMPLES_DIR / "dialogues.yaml")
    tenants = load_tenants(env.tenants_file)
    cache = Path(env.model_cache).expanduser() / "bench-audio"
    weights = {c.id: c.weight for c in card.criteria}
    rules = french_accuracy.rules_for(
        SimpleNamespace(
            matcher="legacy" if args.legacy else "current",
            review="legacy" if args.legacy else "current",
            evidence=args.evidence,
        )
    )
    code = french_accuracy.code_digest(ROOT)
    mid = model_id(model_dir)

    rows: list[dict] = []
    call_rows: list[dict] = []
    audio_s = asr_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        synth = generate.Synthesizer(script.settings, script.pronunciation, Path(tmp))
        for call in calls:
            stereo = audio_for(call, synth, script.settings, cache)
            turns = turn_times(call, synth, script.settings, cache)
            channels = (
                [stereo.mean(axis=1)]
                if call["channels"] == "mono"
                else [stereo[:, 0], stereo[:, 1]]
            )
            bias = None if args.bias == "none" else _bias(card, call, tenants)
            parts = [
                _key(call),
                mid,
                env.whisper_beam,
                args.bias,
                bias.prompts if bias else (),
                code,
            ]
            key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
            path = cache / "transcripts" / f"{call['call_id']}-{key}.json"
            if path.exists() and not args.no_cache:
                raw = json.loads(path.read_text())
            else:
                started = time.perf_counter()
                tr = get_transcriber().transcribe(
                    channels,
                    language=call["language"],
                    channel_layout="agent-left",
                    roles=french_accuracy.role_hints(_tenant(call, tenants), card),
                    bias=bias,
                )
                raw = {
                    "segments": [dataclasses.asdict(s) for s in tr.ordered()],
                    "duration_s": tr.duration_s,
                    "asr_s": time.perf_counter() - started,
                    "role_check": getattr(tr, "role_check", None),
                    "role_signals": getattr(tr, "role_signals", {}),
                }
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(raw, ensure_ascii=False))
                asr_s += raw["asr_s"]
                audio_s += raw["duration_s"]
            segs = french_accuracy.segments_of(raw)
            role_check = raw.get("role_check")
            if args.evidence == "legacy":
                segs, role_check = french_accuracy.as_decided_by_the_rule(segs, raw), None
            metrics = conversation_metrics(
                ((s.speaker, s.start_s, s.end_s, s.text) for s in segs), raw["duration_s"]
            ).as_row()
            extra: dict[str, Any] = {}
            if "role_check" in score_call.__code__.co_varnames:
                extra["role_check"] = role_check
            result = score_call(
                card,
                segs,
                language=call["language"],
                duration_s=raw["duration_s"],
                metrics=metrics,
                rules=rules,
                **extra,
            )
            labels = call["labels"]
            group = "customer_first" if call.get("derived_from") else "drawn"
            expected = (
                100 * sum(weights[c] for c, met in labels.items() if met) / sum(weights.values())
            )
            call_rows.append(
                {
                    "split": split_of(call),
                    "group": group,
                    "call_id": call["call_id"],
                    "score_error": abs(result.score - expected),
                    "agreement": evidence_figures.speaker_agreement(segs, turns)
                    if call["channels"] == "mono"
                    else None,
                    "role_check": role_check,
                }
            )
            for r in result.results:
                decode = getattr(r, "evidence_decode", None)
                rows.append(
                    {
                        "split": split_of(call),
                        "group": group,
                        "call_id": call["call_id"],
                        "criterion": r.criterion_id,
                        "kind": r.kind,
                        "label": labels[r.criterion_id],
                        "met": r.met,
                        "ok": r.met == labels[r.criterion_id],
                        "flagged": r.needs_review,
                        "reason": r.review_reason,
                        "score": r.match_score,
                        "decode": decode,
                        "heard": r.evidence.text if r.evidence else None,
                        "unprimed": getattr(r.evidence, "unprimed_text", None)
                        if decode == "primed"
                        else None,
                    }
                )
    if args.rows:
        Path(args.rows).write_text(json.dumps({"rows": rows, "calls": call_rows}, default=str))

    figures: dict[str, dict] = {}
    for split in splits:
        figures[split] = {}
        for group in ("drawn", "customer_first"):
            mine = [r for r in rows if r["split"] == split and r["group"] == group]
            their = [c for c in call_rows if c["split"] == split and c["group"] == group]
            if not mine:
                continue
            print(f"== {split} / {group}: {len(their)} calls")
            print(f"{'criterion':<22} {'agree*':>7} {'flagged':>8} {'silent':>7} {'n':>4}")
            for c in card.criteria:
                cr = [r for r in mine if r["criterion"] == c.id]
                print(
                    f"{c.id:<22} {sum(r['ok'] for r in cr) / len(cr):>7.1%} "
                    f"{sum(r['flagged'] for r in cr) / len(cr):>8.1%} "
                    f"{sum(not r['ok'] and not r['flagged'] for r in cr):>7} {len(cr):>4}"
                )
            f = figures_of(mine, their)
            if group == "drawn":
                figures[split].update(f)
            else:
                figures[split][group] = f
            print(
                f"agreement (unflagged) {f['agreement']:.1%}, all {f['agreement_all']:.1%}, "
                f"silent errors {f['silent_error_rate']:.1%}, flagged {f['flagged_share']:.1%}, "
                f"score MAE {f['score_mae']}"
            )
            print(
                f"  false met from primed evidence {f['false_met_primed']} "
                f"({f['false_met_primed_unflagged']} unflagged), forbidden false hits "
                f"{f['forbidden_false_hits']} ({f['forbidden_false_hits_unflagged']} unflagged), "
                f"role errors {f['role_errors']}/{f['mono_calls']} mono "
                f"({f['role_errors_unflagged']} unflagged), voices mixed {f['voices_mixed']} "
                f"({f['voices_mixed_unflagged']} unflagged)"
            )
            if args.errors:
                for r in mine:
                    if not r["ok"] or r["flagged"]:
                        print(
                            f"  {'WRONG' if not r['ok'] else 'ok':<5} {r['call_id']} "
                            f"{r['criterion']} label={r['label']} flag={r['reason']} "
                            f"score={r['score']} decode={r['decode']} heard={r['heard']!r} "
                            f"unprimed={r['unprimed']!r}"
                        )
    out = dict(figures.get("heldout", {}))
    if "dev" in figures:
        out["dev"] = figures["dev"]
    out.update(
        {
            "scorecard": f"{card.id} v{card.version}",
            "model": mid,
            "bias": args.bias,
            "scorer": "legacy" if args.legacy else "current",
            "evidence": args.evidence,
            "asr_real_time_factor": round(audio_s / asr_s, 2) if asr_s else None,
        }
    )
    print(json.dumps(out))
    return 0


def figures_of(rows: list[dict], calls: list[dict]) -> dict:
    n = len(rows)
    unflagged = [r for r in rows if not r["flagged"]]
    return {
        "calls": len(calls),
        "verdicts": n,
        "agreement": round(sum(r["ok"] for r in unflagged) / len(unflagged), 4)
        if unflagged
        else None,
        "agreement_all": round(sum(r["ok"] for r in rows) / n, 4),
        "silent_error_rate": round(sum(not r["ok"] for r in unflagged) / n, 4),
        "flagged_share": round((n - len(unflagged)) / n, 4),
        "score_mae": round(float(np.mean([c["score_error"] for c in calls])), 2),
        **evidence_figures.counts(rows, calls),
    }


if __name__ == "__main__":
    sys.exit(main())
