"""Check the generated sample set the way the pipeline will see it.

Why: espeak-ng voices are robotic and Whisper base is small, so a phrase the
script contains is not automatically a phrase the transcriber hears. This
script decodes every delivered file like the pipeline does
(``faster_whisper.audio.decode_audio(split_stereo=True)``), checks that the
agent is on the left and the customer on the right, then transcribes each
channel and fuzzy-matches every scorecard phrasing the labels claim is met.
It is a developer tool for tuning ``dialogues.yaml`` (voices, speed,
wording), not part of the pipeline.

Run: ``.venv/bin/python samples/check_transcripts.py [--model DIR] [--good-only]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from transforms.core.settings import Settings
from transforms.core.text import normalise as norm
from transforms.score.scoring import load_scorecard
from transforms.score.scoring import phrase_similarity as similarity
from transforms.transcribe.model import resolve_model_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import (
    CLOSING_WINDOW_S,
    CRITERIA,
    GREETING_WINDOW_S,
    SAMPLES_DIR,
    SCORECARD,
    known_phrases,
    load_script,
)

RATE = 16000
# The scorer's own matching, so this check agrees with what the pipeline will decide.
MATCH_THRESHOLD = load_scorecard(SCORECARD).match_threshold


def best_match(
    criterion: str, language: str, segments: list[tuple[float, float, str]], duration: float
) -> tuple[str, float]:
    """Best score of any phrasing in the segments the criterion's time window allows."""
    if criterion == "greeting":
        segments = [s for s in segments if s[0] <= GREETING_WINDOW_S]
    elif criterion == "closing":
        segments = [s for s in segments if s[1] >= duration - CLOSING_WINDOW_S]
    scored = [
        (p, similarity(norm(p), norm(text)))
        for p in known_phrases()[criterion][language]
        for _, _, text in segments
    ]
    return max(scored, key=lambda s: s[1], default=("", 0.0))


def channel_rms(audio: np.ndarray, start_s: float, end_s: float) -> float:
    """RMS of one channel over a time span."""
    seg = audio[int(start_s * RATE) : int(end_s * RATE)]
    return float(np.sqrt(np.mean(seg**2))) if seg.size else 0.0


def main() -> int:
    """Decode, check channels, transcribe and match; non-zero exit on failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="CTranslate2 Whisper folder (default: the bundled base)")
    parser.add_argument("--good-only", action="store_true")
    parser.add_argument("--script", type=Path, default=SAMPLES_DIR / "dialogues.yaml")
    parser.add_argument(
        "--dir",
        type=Path,
        default=SAMPLES_DIR,
        help="directory holding landing/ and ground_truth.jsonl",
    )
    parser.add_argument("--calls", nargs="*", default=[], help="only these call ids (prefixes)")
    parser.add_argument("--language", choices=["fr", "en"])
    parser.add_argument(
        "--condition-on-previous-text",
        action="store_true",
        help="Whisper's default; the pipeline turns it off to avoid loops",
    )
    args = parser.parse_args()

    script = load_script(args.script)
    calls = {c.call_id: c for c in script.calls}
    truth = {
        r["call_id"]: r
        for r in map(json.loads, (args.dir / "ground_truth.jsonl").read_text().splitlines())
    }
    settings = Settings.from_env(os.environ)
    model_dir = resolve_model_dir(settings, args.model)
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)
    failures: list[str] = []
    timings: list[float] = []
    for manifest in sorted((args.dir / "landing").glob("*/*/manifest.csv")):
        for row in csv.DictReader(manifest.open(encoding="utf-8")):
            if args.calls and not row["call_id"].startswith(tuple(args.calls)):
                continue
            if args.language and row["language"] != args.language:
                continue
            path = manifest.parent / row["file_name"]
            try:
                left, right = decode_audio(str(path), sampling_rate=RATE, split_stereo=True)
            except Exception as exc:  # broken deliveries are expected to land here
                print(f"{row['call_id']}: does not decode ({type(exc).__name__})")
                if row["call_id"] in calls:
                    failures.append(f"{row['call_id']}: good file does not decode")
                continue
            call = calls[row["call_id"]]
            if args.good_only and not call.is_good:
                continue
            gt = truth.get(call.call_id)
            if gt:  # agent turns must be loud on the left, quiet on the right
                for t in gt["turns"]:
                    # Skip the first 0.5 s: an overlapping turn starts over the other speaker.
                    start = min(t["start_s"] + 0.5, (t["start_s"] + t["end_s"]) / 2)
                    lr = channel_rms(left, start, t["end_s"])
                    rr = channel_rms(right, start, t["end_s"])
                    own, other = (lr, rr) if t["speaker"] == "agent" else (rr, lr)
                    if own < 0.02 or other > own:
                        failures.append(
                            f"{call.call_id}: {t['speaker']} turn at "
                            f"{t['start_s']}s is on the wrong channel"
                        )
            t0 = time.perf_counter()
            channels = []
            for channel in (left, right):
                segments, _ = model.transcribe(
                    channel,
                    language=call.language,
                    beam_size=5,
                    vad_filter=True,
                    condition_on_previous_text=args.condition_on_previous_text,
                )
                channels.append([(s.start, s.end, s.text.strip()) for s in segments])
            timings.append(time.perf_counter() - t0)
            texts = [" ".join(seg[2] for seg in segs) for segs in channels]
            duration = len(left) / RATE
            kind = "good" if call.is_good else "poor"
            print(
                f"\n{call.call_id} ({call.language}, {kind}, {timings[-1]:.1f}s)\n"
                f"  AGENT: {texts[0]}\n  CUST:  {texts[1]}"
            )
            for criterion in CRITERIA:
                phrase, score = best_match(criterion, call.language, channels[0], duration)
                expect_heard = call.labels[criterion] != (criterion == "no_forbidden_words")
                heard = score >= MATCH_THRESHOLD
                mark = "ok " if heard == expect_heard else "BAD"
                if heard != expect_heard or expect_heard:
                    print(f"  {mark} {criterion:<22} {phrase!r:<34} {score:5.1f}")
                if heard != expect_heard:
                    failures.append(f"{call.call_id}: {criterion} ({phrase!r} {score:.0f})")
    if timings:
        print(
            f"\ntranscription per call (2 channels): mean {np.mean(timings):.1f}s, "
            f"max {np.max(timings):.1f}s over {len(timings)} calls"
        )
    print("\nFAILURES:\n  " + "\n  ".join(failures) if failures else "\nall checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
