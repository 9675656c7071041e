"""Roles of the French set's mono calls decided again by this checkout's ``roles.py``, over
transcripts cached by another checkout's transcription code: a tuning aid for dev splits only.

``bench/french_accuracy.py`` keys its transcripts by the transcription code, so any change to
``transforms/transcribe/roles.py`` transcribes every call again (minutes per split on 2 cores).
The role decision reads nothing but the pieces it is handed, and each transcript segment is one
piece (``engine._segment``): the diarized voice of a segment follows from its speaker and the
agent the cached decision chose. This script rebuilds the pieces, runs this checkout's
``engine._roles`` on them, relabels the segments and scores the calls as the bench does, so a
change to the role rules is measured on the same transcripts in seconds. First it checks that the
cached code's rules, replayed, give back each transcript's own decision (``--base`` is a folder
holding that code: ``git archive <commit> transforms | tar -x -C DIR``).

Held-out is refused: it is measured once with the bench itself, never replayed while tuning.

Run: ``.venv/bin/python bench/role_replay.py --base /tmp/base --split dev-more [--calls]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evidence_figures  # noqa: E402
import french_accuracy  # noqa: E402
import french_set  # noqa: E402

from transforms.core.settings import Settings  # noqa: E402
from transforms.transcribe import engine  # noqa: E402
from transforms.transcribe.biasing import decoder_bias  # noqa: E402
from transforms.transcribe.model import model_id, resolve_model_dir  # noqa: E402

SWAP = {"agent": "customer", "customer": "agent"}


def pieces_of(segments: list, agent: int) -> list:
    """The engine's pieces back from a mono transcript's segments and the agent it chose."""
    out = []
    for s in segments:
        source = agent if s.speaker == "agent" else 1 - agent
        out.append(
            engine._Piece(
                source,
                list(s.words),
                s.avg_logprob or 0.0,
                s.no_speech_prob or 0.0,
                speaker_confidence=[s.speaker_confidence] if s.speaker_confidence else [],
                primed=bool(s.primed),
                unprimed=list(s.unprimed_words),
            )
        )
    return out


def replay(segments: list, raw: dict, hints, audio) -> tuple[list, str, dict]:
    """(segments relabelled, role check, signals) as this checkout decides them; ``audio`` the
    call's mono signal, diarized again where this checkout's roles read the audio (diarization
    is deterministic: the labels are the ones the transcript's pieces were cut by)."""
    agent = raw["role_signals"]["agent"]
    extra = {"audio": engine.diarize_call(audio)} if hasattr(engine, "diarize_call") else {}
    decision = engine._roles(pieces_of(segments, agent), hints, diarized=True, **extra)
    if decision.agent != agent:
        segments = [replace(s, speaker=SWAP.get(s.speaker, s.speaker)) for s in segments]
    return segments, decision.check, engine._signals(decision)


def _speaker_confidence(segments: list) -> float:
    """Diarization's mean confidence in the voices it gave, weighted by segment length."""
    pairs = [(s.end_s - s.start_s, s.speaker_confidence) for s in segments]
    pairs = [(d, c) for d, c in pairs if c is not None]
    total = sum(d for d, _ in pairs)
    return sum(d * c for d, c in pairs) / total if total else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, type=Path, help="the cached transcripts' code")
    parser.add_argument("--split", choices=("dev", "dev-more"), default="dev-more")
    parser.add_argument("--calls", action="store_true", help="one line per mono call")
    parser.add_argument("--only-mono", action="store_true", help="score the mono calls only")
    args = parser.parse_args(argv)

    env = Settings.from_env(os.environ)
    script = french_set.load_script()
    card = french_set.load_card(script)
    drawn = french_set.build_calls(script, card)
    if args.split in french_set.MORE_SPLITS:
        drawn += french_set.more_calls(script, card, args.split)
    derived = french_set.customer_first_calls(script, drawn)
    calls = [c for c in drawn + derived if c.split == args.split]
    if args.only_mono:
        calls = [c for c in calls if c.channels == "mono"]
    mid = model_id(resolve_model_dir(env, None))
    cache = french_set.cache_dir(env.model_cache)
    code = french_accuracy.code_digest(args.base)
    items, unchanged, missing = [], 0, 0
    for call in calls:
        bias = decoder_bias(card, call.tenant, (french_set.LANGUAGE,), "prompt")
        parts = [call.cache_key(script), mid, env.whisper_beam, "prompt", bias.prompts, code]
        parts.append(french_accuracy.PRIMING)
        key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
        path = cache / "transcripts" / f"{call.call_id}-{key}.json"
        if not path.exists():
            missing += 1  # not transcribed yet (bench/french_accuracy.py transcribes it)
            continue
        raw = json.loads(path.read_text())
        segments = french_accuracy.segments_of(raw)
        check = raw.get("role_check")
        if call.channels == "mono" and raw.get("role_signals"):
            hints = french_accuracy.role_hints(call.tenant, card)
            audio = french_set.audio_for(call, script, None, cache)[:, 0]
            segments, check, signals = replay(segments, raw, hints, audio)
            unchanged += signals["agent"] == raw["role_signals"]["agent"] and check == raw.get(
                "role_check"
            )
            raw = {**raw, "role_signals": signals}
        turns = french_set.turn_times(call, script, None, cache)
        items.append(french_accuracy.call_item(call, segments, raw, check, turns))
    rules = french_accuracy.rules_for(
        SimpleNamespace(matcher="current", review="current", evidence="current")
    )
    rows, texts, call_rows = french_accuracy.score_set(card, items, rules)
    mono = sum(i["call"].channels == "mono" for i in items)
    print(
        f"== {args.split}: {len(items)} calls ({missing} not cached yet), {mono} mono; "
        f"{unchanged} decided as cached"
    )
    for group in ("drawn", "customer_first"):
        these = [r for r in rows if r["group"] == group]
        their = [c for c in call_rows if c["group"] == group]
        if not these:
            continue
        f = french_accuracy.split_figures(these, *texts[(args.split, group)], their)
        flagged_calls = sum(c["role_check"] == "disagree" for c in their)
        print(
            f"{group}: agreement {f['agreement']:.1%}, silent errors {f['silent_error_rate']:.1%}, "
            f"flagged {f['flagged_share']:.1%}; role errors {f['role_errors']}/{f['mono_calls']} "
            f"({f['role_errors_unflagged']} unflagged), voices mixed {f['voices_mixed']} "
            f"({f['voices_mixed_unflagged']} unflagged); mono calls disagree {flagged_calls}"
        )
    if args.calls:
        signals = {i["call"].call_id: i["role_signals"] for i in items}
        conf = {i["call"].call_id: _speaker_confidence(i["segments"]) for i in items}
        for c in call_rows:
            if c["agreement"] is None:
                continue
            state = (
                "SWAPPED"
                if c["agreement"] < evidence_figures.SWAPPED_BELOW
                else "mixed"
                if c["agreement"] < evidence_figures.RIGHT_FROM
                else "right"
            )
            s = {k: v for k, v in signals[c["call_id"]].items() if k != "stats"}
            print(
                f"  {c['call_id']:<16} {state:<7} {c['agreement']:.2f} {c['role_check']:<8} "
                f"conf={conf[c['call_id']]:.3f} {s} "
                f"{signals[c['call_id']].get('stats')}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
