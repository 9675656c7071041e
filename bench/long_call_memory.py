"""Peak memory of one 30-minute call (sample calls back to back), stereo and mono.

A call centre's long calls must not take a worker down: the target is a peak RSS under 1.5 GB
(1536 MiB, issue 23) for a 30-minute call. Each layout runs in its own process; its RSS is
sampled every 0.1 s.

    .venv/bin/python bench/long_call_memory.py         # prints a table, then one JSON line
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peak_rss import run_measured  # noqa: E402
from transforms.core.audio import WHISPER_SAMPLE_RATE, decode_channels  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402
from transforms.transcribe.model import resolve_model_dir  # noqa: E402

MINUTES = 30
LIMIT_MB = 1536


def long_call(folder: Path) -> Path:
    """30 minutes of the sample calls, stereo, as 16-bit WAV."""
    import av

    lefts, rights = [], []
    for path in sorted((ROOT / "samples" / "landing").rglob("*.mp3")):
        try:
            left, right = decode_channels(path.read_bytes(), 2)
        except Exception:  # the deliberately broken sample
            continue
        lefts.append(left)
        rights.append(right)
    n = MINUTES * 60 * WHISPER_SAMPLE_RATE
    reps = -(-n // sum(len(x) for x in lefts))
    stereo = np.stack([np.concatenate(lefts * reps)[:n], np.concatenate(rights * reps)[:n]])
    pcm = (np.clip(stereo, -1, 1) * 32767).astype(np.int16)
    out_path = folder / "long.wav"
    with av.open(str(out_path), mode="w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=WHISPER_SAMPLE_RATE, layout="stereo")
        for start in range(0, n, WHISPER_SAMPLE_RATE * 60):
            block = pcm[:, start : start + WHISPER_SAMPLE_RATE * 60]
            frame = av.AudioFrame.from_ndarray(
                block.T.reshape(1, -1).copy(), format="s16", layout="stereo"
            )
            frame.sample_rate = WHISPER_SAMPLE_RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return out_path


def child(model_dir: str, wav: str, layout: str, out: str) -> None:
    from transforms.transcribe.engine import Transcriber
    from transforms.transcribe.pool import CallJob, plan_workers, transcribe_job
    from transforms.transcribe.roles import RoleHints

    _, threads = plan_workers(workers=1)
    model = Transcriber(model_dir, cpu_threads=threads)
    started = time.perf_counter()
    job = CallJob(
        "long",
        Path(wav).read_bytes(),
        channels=2,
        language="fr",
        channel_layout=layout,
        allowed_languages=("fr", "en"),
        roles=RoleHints("ACME Telecom"),
    )
    result = transcribe_job(job, model)
    t = result.transcript
    assert t is not None, result.error
    Path(out).write_text(
        json.dumps(
            {
                "wall_s": time.perf_counter() - started,
                "segments": len(t.segments),
                "method": t.speaker_method,
            }
        )
    )


def measure(model_dir: str, wav: Path, layout: str, folder: Path) -> dict:
    out = folder / f"{layout}.json"
    command = [sys.executable, __file__, "--child", model_dir, str(wav), layout, str(out)]
    peak = run_measured(command, layout)
    return {**json.loads(out.read_text()), "peak_rss_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    settings = Settings.from_env(os.environ)
    model_dir = str(resolve_model_dir(settings))
    with tempfile.TemporaryDirectory(prefix="ccr-long-") as tmp:
        folder = Path(tmp)
        wav = long_call(folder)
        runs = {
            layout: measure(model_dir, wav, layout, folder) for layout in ("agent-left", "mono")
        }
    print(f"one {MINUTES}-min call; peak RSS limit {LIMIT_MB} MB")
    print(f"{'layout':<12}{'method':<20}{'wall s':>8}{'RTF':>7}{'peak MB':>9}")
    for layout, r in runs.items():
        rtf = MINUTES * 60 / r["wall_s"]
        print(
            f"{layout:<12}{r['method']:<20}{r['wall_s']:>8.1f}{rtf:>6.1f}x{r['peak_rss_mb']:>9.0f}"
        )
    peak = max(r["peak_rss_mb"] for r in runs.values())
    print(
        json.dumps(
            {
                "minutes": MINUTES,
                "peak_rss_mb": round(peak, 1),
                "peak_rss_mb_stereo": round(runs["agent-left"]["peak_rss_mb"], 1),
                "peak_rss_mb_mono": round(runs["mono"]["peak_rss_mb"], 1),
                "under_limit": peak < LIMIT_MB,
            }
        )
    )


if __name__ == "__main__":
    main()
