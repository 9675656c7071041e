"""Scoring accuracy: criterion verdicts and call scores against hand-built labels.

The labelled set is ``bench/scoring_calls.yaml`` (≥30 synthetic calls: both languages, varied
phrasings, omissions, forbidden words, some mono). Each call is voiced with espeak-ng through
``samples/generate.py``'s synthesiser (same voices, pronunciation hints and timing rules), cached
under ``$CCR_MODEL_CACHE/bench-audio``, transcribed with the project's transcriber (primed with the
scorecard and the tenant's name the call opens with, as the transcribe asset primes it; ``--bias
none`` for main's unprimed decoding) and scored with the scorecard version the file names. Prints
a per-criterion table, then one JSON line.

Run: ``.venv/bin/python bench/scoring_accuracy.py`` (needs espeak-ng on PATH the first time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import yaml
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

import generate  # noqa: E402  (samples/generate.py: the espeak machinery)

from transforms.core.scorecards import load_scorecards  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402
from transforms.core.tenants import load_tenants  # noqa: E402
from transforms.score.metrics import conversation_metrics  # noqa: E402
from transforms.score.scoring import ScoringRules, score_call  # noqa: E402
from transforms.transcribe.biasing import DecoderBias, company_name, decoder_bias  # noqa: E402
from transforms.transcribe.engine import Transcriber  # noqa: E402
from transforms.transcribe.model import resolve_model_dir  # noqa: E402

SPECS = ROOT / "bench" / "scoring_calls.yaml"


def render(call: dict, synth: generate.Synthesizer, settings: generate.Settings) -> np.ndarray:
    """(samples, 2) float32 at 16 kHz: agent left, customer right."""
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
    placed, total = generate.layout(spec, synth, settings)  # type: ignore[arg-type]
    stereo = generate.mix(placed, total, settings.synth_rate_hz)
    # 22050 → 16000 Hz (Whisper's rate): 16000/22050 = 320/441
    return resample_poly(stereo, 320, 441, axis=0).astype(np.float32)


def audio_for(call: dict, synth, settings, cache: Path) -> np.ndarray:
    key = hashlib.sha256(json.dumps(call, sort_keys=True).encode()).hexdigest()[:16]
    path = cache / f"{call['call_id']}-{key}.npy"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, render(call, synth, settings))
    return np.load(path)


def _bias(card, call: dict, tenants: dict) -> DecoderBias:
    """The prime of the tenant whose name the agent opens with (calls name no tenant)."""
    opening = next(t["agent"] for t in call["turns"] if "agent" in t).lower()
    names = [company_name(t.display_name) for t in tenants.values()]
    name = next((n for n in names if n.split()[0].lower() in opening), "")
    return decoder_bias(card, name, (call["language"],))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N calls")
    parser.add_argument(
        "--bias", choices=("prompt", "none"), default="prompt", help="decoder biasing (default on)"
    )
    parser.add_argument(
        "--legacy", action="store_true", help="main's scorer (no French phonetics, no not_heard)"
    )
    args = parser.parse_args(argv)
    spec = yaml.safe_load(SPECS.read_text(encoding="utf-8"))
    calls = spec["calls"][: args.limit or None]
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
    transcriber = Transcriber(
        model_dir, cpu_threads=env.whisper_threads, beam_size=env.whisper_beam
    )
    script = generate.load_script(generate.SAMPLES_DIR / "dialogues.yaml")
    tenants = load_tenants(env.tenants_file)
    cache = Path(env.model_cache) / "bench-audio"
    weights = {c.id: c.weight for c in card.criteria}

    per_criterion: dict[str, list[int]] = {c.id: [0, 0] for c in card.criteria}
    errors, wrong, review = [], [], 0
    audio_s = asr_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        synth = generate.Synthesizer(script.settings, script.pronunciation, Path(tmp))
        for call in calls:
            stereo = audio_for(call, synth, script.settings, cache)
            channels = (
                [stereo.mean(axis=1)]
                if call["channels"] == "mono"
                else [stereo[:, 0], stereo[:, 1]]
            )
            started = time.perf_counter()
            tr = transcriber.transcribe(
                channels,
                language=call["language"],
                channel_layout="agent-left",
                bias=None if args.bias == "none" else _bias(card, call, tenants),
            )
            asr_s += time.perf_counter() - started
            audio_s += tr.duration_s
            segs = tr.ordered()
            metrics = conversation_metrics(
                ((s.speaker, s.start_s, s.end_s, s.text) for s in segs), tr.duration_s
            ).as_row()
            result = score_call(
                card,
                segs,
                language=call["language"],
                duration_s=tr.duration_s,
                metrics=metrics,
                rules=ScoringRules(False, False) if args.legacy else ScoringRules(),
            )
            labels = call["labels"]
            for r in result.results:
                ok = r.met == labels[r.criterion_id]
                per_criterion[r.criterion_id][0] += ok
                per_criterion[r.criterion_id][1] += 1
                review += r.needs_review
                if not ok:
                    wrong.append(
                        (call["call_id"], r.criterion_id, labels[r.criterion_id], r.match_score)
                    )
            expected = (
                100 * sum(weights[c] for c, met in labels.items() if met) / sum(weights.values())
            )
            errors.append(abs(result.score - expected))

    print(f"{'criterion':<22} {'agree':>7} {'calls':>6}")
    for cid, (ok, n) in per_criterion.items():
        print(f"{cid:<22} {ok / n:>7.1%} {n:>6}")
    for call_id, cid, label, sim in wrong:
        print(f"  disagreement: {call_id} {cid} label={label} best_match={sim}")
    agree = sum(ok for ok, _ in per_criterion.values()) / sum(n for _, n in per_criterion.values())
    mono = sum(c["channels"] == "mono" for c in calls)
    figures = {
        "criterion_agreement": round(agree, 4),
        "score_mae": round(float(np.mean(errors)), 2),
        "calls": len(calls),
        "mono_calls": mono,
        "french_calls": sum(c["language"] == "fr" for c in calls),
        "verdicts": sum(n for _, n in per_criterion.values()),
        "verdicts_needs_review": review,
        "asr_real_time_factor": round(audio_s / asr_s, 2) if asr_s else None,
        "scorecard": f"{card.id} v{card.version}",
        "model": transcriber.model_id,
        "bias": args.bias,
        "scorer": "legacy" if args.legacy else "current",
    }
    print(
        f"calls {len(calls)} ({mono} mono), agreement {agree:.1%}, score MAE {figures['score_mae']}"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
