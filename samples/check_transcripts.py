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
import re
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import CRITERIA, PHRASES, SAMPLES_DIR, load_script  # noqa: E402

RATE = 16000
MATCH_THRESHOLD = 85.0


def norm(text: str) -> str:
    """Accent-, case- and punctuation-insensitive form for fuzzy matching."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text).split())


def best_match(criterion: str, language: str, transcript: str) -> tuple[str, float]:
    """Best fuzzy score of any phrasing of ``criterion`` inside ``transcript``."""
    scored = [(p, fuzz.partial_ratio(norm(p), transcript)) for p in PHRASES[criterion][language]]
    return max(scored, key=lambda s: s[1])


def channel_rms(audio: np.ndarray, start_s: float, end_s: float) -> float:
    """RMS of one channel over a time span."""
    seg = audio[int(start_s * RATE) : int(end_s * RATE)]
    return float(np.sqrt(np.mean(seg**2))) if seg.size else 0.0


def main() -> int:
    """Decode, check channels, transcribe and match; non-zero exit on failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="/tmp/whisper-base")
    parser.add_argument("--good-only", action="store_true")
    args = parser.parse_args()

    script = load_script(SAMPLES_DIR / "dialogues.yaml")
    calls = {c.call_id: c for c in script.calls}
    truth = {
        r["call_id"]: r
        for r in map(json.loads, (SAMPLES_DIR / "ground_truth.jsonl").read_text().splitlines())
    }
    model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=2)
    failures: list[str] = []
    timings: list[float] = []
    for manifest in sorted((SAMPLES_DIR / "landing").glob("*/*/manifest.csv")):
        for row in csv.DictReader(manifest.open(encoding="utf-8")):
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
                    lr = channel_rms(left, t["start_s"], t["end_s"])
                    rr = channel_rms(right, t["start_s"], t["end_s"])
                    own, other = (lr, rr) if t["speaker"] == "agent" else (rr, lr)
                    if own < 0.02 or (other > own and t["end_s"] - t["start_s"] > 1.0):
                        failures.append(f"{call.call_id}: {t['speaker']} turn at "
                                        f"{t['start_s']}s is on the wrong channel")
            t0 = time.perf_counter()
            texts = []
            for channel in (left, right):
                segments, _ = model.transcribe(channel, language=call.language, beam_size=5,
                                               vad_filter=True)
                texts.append(" ".join(s.text.strip() for s in segments))
            timings.append(time.perf_counter() - t0)
            agent = norm(texts[0])
            kind = "good" if call.is_good else "poor"
            print(f"\n{call.call_id} ({call.language}, {kind}, {timings[-1]:.1f}s)\n"
                  f"  AGENT: {texts[0]}\n  CUST:  {texts[1]}")
            for criterion in CRITERIA:
                phrase, score = best_match(criterion, call.language, agent)
                expect_heard = call.labels[criterion] != (criterion == "no_forbidden_words")
                heard = score >= MATCH_THRESHOLD
                mark = "ok " if heard == expect_heard else "BAD"
                if heard != expect_heard or expect_heard:
                    print(f"  {mark} {criterion:<22} {phrase!r:<34} {score:5.1f}")
                if heard != expect_heard:
                    failures.append(f"{call.call_id}: {criterion} ({phrase!r} {score:.0f})")
    if timings:
        print(f"\ntranscription per call (2 channels): mean {np.mean(timings):.1f}s, "
              f"max {np.max(timings):.1f}s over {len(timings)} calls")
    print("\nFAILURES:\n  " + "\n  ".join(failures) if failures else "\nall checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
