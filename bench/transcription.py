"""Transcription benchmark: faster-whisper as its README shows for CPU vs this project's pipeline.

The same calls (the sample set: stereo and mono, French and English, ≥ 10 min of audio) go
through (a) ``WhisperModel(<model>, device="cpu", compute_type="int8")`` and
``model.transcribe(<mono mix>, beam_size=5)``, one call after another, untuned, and (b)
``transforms.transcribe.pool.transcribe_calls`` with this machine's plan: every other call as
its stereo file, the others as a mono mix (diarized), primed with the tenant's scorecard and name
as the transcribe asset primes it. Each run is its own process so its peak
memory (process tree RSS, sampled) is its own. WER is against the scripts, on text normalised
as the scorer normalises it.

The baseline's temperature fallback samples at random, so unseeded its wall time moved
83–103 s between runs on this box; CTranslate2's sampler is seeded (``--seed``, default 0) so
that a re-run gives the same figures.

    .venv/bin/python bench/transcription.py            # prints a table, then one JSON line

The pipeline run also times the encryption at rest its calls cost (``Encryption``): its share
of the pipeline's wall time is printed and in the JSON line (``encryption_share``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.peak_rss import run_measured  # noqa: E402
from transforms.core.audio import WHISPER_SAMPLE_RATE, decode_channels  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402
from transforms.core.text import normalise  # noqa: E402
from transforms.transcribe.model import resolve_model_dir  # noqa: E402

SAMPLES = ROOT / "samples"


def calls() -> list[dict]:
    truth = [json.loads(x) for x in (SAMPLES / "ground_truth.jsonl").read_text().splitlines() if x]
    for call in truth:
        call["path"] = str(next((SAMPLES / "landing" / call["tenant_id"]).rglob(call["file_name"])))
    return truth


def write_mono_wav(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    with av.open(str(path), mode="w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=WHISPER_SAMPLE_RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = WHISPER_SAMPLE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def prepare(folder: Path) -> list[dict]:
    """Mono mixes of every call; the pipeline gets the stereo file for every other call."""
    out = []
    for i, call in enumerate(calls()):
        left, right = decode_channels(Path(call["path"]).read_bytes(), 2)
        mono = folder / f"{call['call_id']}-mono.wav"
        write_mono_wav(mono, (left + right) * 0.5)
        stereo = i % 2 == 0
        out.append(
            {
                "call_id": call["call_id"],
                "tenant": call["tenant_id"],
                "mono": str(mono),
                "pipeline_file": call["path"] if stereo else str(mono),
                "pipeline_channels": 2 if stereo else 1,
                # Stereo files come with their manifest (language, layout); mono mixes with
                # nothing declared: language and speakers are detected.
                "language": call["language"] if stereo else None,
                "layout": "agent-left" if stereo else None,
                "audio_s": len(left) / WHISPER_SAMPLE_RATE,
                "reference": " ".join(t["text"] for t in call["turns"]),
            }
        )
    return out


def run_baseline(model_dir: str, items: list[dict]) -> dict:
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type="int8")
    hyps = {}
    for item in items:
        segments, _ = model.transcribe(item["mono"], beam_size=5)
        hyps[item["call_id"]] = " ".join(s.text for s in segments)
    return {"hyps": hyps}


def run_pipeline(model_dir: str, items: list[dict], primed: bool = True) -> dict:
    """The transcribe step's path for every call: the recording read from an encrypted
    lakehouse and opened, transcribed in the worker pool (primed with the tenant's card and
    name), redacted, its playback copy toned out and sealed, its rows written by an encrypted
    Delta MERGE; each stage timed (``bench/stages.py``)."""
    from dataclasses import replace

    from bench import stages
    from transforms.core import kept_files
    from transforms.core.context import StepContext
    from transforms.core.keys import FileKeyStore
    from transforms.core.lakehouse import conform
    from transforms.core.tables import SEGMENTS, TRANSCRIPTS
    from transforms.transcribe.batch import BatchTranscripts, call_jobs
    from transforms.transcribe.model import model_id
    from transforms.transcribe.pool import plan_workers, transcribe_calls

    setup_started = time.perf_counter()
    clock = stages.CLOCK
    home = Path(tempfile.mkdtemp(prefix="ccr-bench-home-"))
    worker_stages = home / "stages"
    worker_stages.mkdir()
    stages.instrument_pipeline(worker_stages)
    env = {**os.environ, "CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")}
    ctx = StepContext.of(Settings.from_env(env))
    settings, tenants = ctx.settings, ctx.tenants
    kept_files.keep_under(settings.model_cache)  # as the step's process edge does
    keys = FileKeyStore(settings.keys)
    keys.create_kek()
    for tid in tenants:
        keys.create(tid)
    lh = ctx.lakehouse
    cipher = stages._Timed(
        lh.cipher,
        clock,
        {m: "encryption at rest" for m in ("encrypt_value", "seal_bytes", "open_bytes")},
    )
    lh = replace(lh, cipher=cipher)
    # As ingest stores them: each recording sealed with its tenant's key, under the lakehouse.
    calls = {}
    for item in items:
        uri = f"{settings.audio_store}/{item['tenant']}/{item['call_id']}.audio"
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        audio = Path(item["pipeline_file"]).read_bytes()
        Path(uri).write_bytes(lh.seal(item["tenant"], audio))
        calls[item["call_id"]] = {
            "call_uid": item["call_id"],
            "call_id": item["call_id"],
            "tenant_id": item["tenant"],
            "batch_id": "bench",
            "audio_uri": uri,
            "audio_sha256": item["call_id"],
            "file_size_bytes": len(audio),
            "campaign": None,
            "channels": item["pipeline_channels"],
            "language": item["language"],
            "channel_layout": item["layout"],
            "duration_s": item["audio_s"],
        }
    clock.seconds.clear()
    clock.calls.clear()
    setup_s = time.perf_counter() - setup_started
    workers, threads = plan_workers(
        workers=settings.whisper_workers, threads=settings.whisper_threads
    )
    audio_of: dict[str, bytes] = {}
    # The transcribe step's jobs: the tenant's assigned card and name prime the decoder and give
    # the roles their phrasings; longest call first, as the step orders a batch.
    jobs = call_jobs(
        sorted(calls.values(), key=lambda call: -call["duration_s"]),
        tenants,
        audio_of,
        lambda tid, campaign: ctx.card_choice(tid).card_for(campaign),
        lh.unseal,
    )
    if not primed:
        jobs = (replace(job, bias=None) for job in jobs)

    mid = model_id(Path(model_dir), settings.compute_type)
    out = BatchTranscripts()
    hyps, methods, langs = {}, {}, {}
    for result in transcribe_calls(
        jobs,
        model_dir=model_dir,
        workers=workers,
        threads=threads,
        beam_size=settings.whisper_beam,
    ):
        assert result.transcript is not None, result.error
        call = calls[result.key]
        out.add(
            result,
            call,
            audio_of.pop(result.key),
            tenants[call["tenant_id"]],
            mid,
            ctx.now(),
            lh.seal,
        )
        hyps[result.key] = result.transcript.text_of()
        methods[result.key] = result.transcript.speaker_method
        langs[result.key] = result.transcript.language
    write = clock.wrap("writing rows", lh.merge)
    write(SEGMENTS, conform(SEGMENTS, out.segments))
    write(TRANSCRIPTS, conform(TRANSCRIPTS, out.transcripts))
    return {
        "hyps": hyps,
        "methods": methods,
        "languages": langs,
        "workers": workers,
        "threads": threads,
        "stages": {"pipeline": clock.totals(), "workers": stages.worker_totals(worker_stages)},
        "encryption_s": clock.seconds.get("encryption at rest", 0.0),
        "home": str(home),
        "setup_s": setup_s,
    }


def child(kind: str, model_dir: str, items_file: str, out_file: str, seed: str) -> None:
    import ctranslate2

    ctranslate2.set_random_seed(int(seed))
    items = json.loads(Path(items_file).read_text())
    started = time.perf_counter()  # model load included: a real run pays for it too
    if kind == "baseline":
        result = run_baseline(model_dir, items)
    else:
        result = run_pipeline(model_dir, items, primed=kind == "pipeline")
    # Storing the recordings in the lakehouse is ingest's work, not the pipeline's.
    result["wall_s"] = time.perf_counter() - started - result.pop("setup_s", 0.0)
    if "home" in result:
        shutil.rmtree(result.pop("home"))
    Path(out_file).write_text(json.dumps(result))


def measure(kind: str, model_dir: str, items_file: Path, folder: Path, seed: int) -> dict:
    out = folder / f"{kind}.json"
    command = [sys.executable, __file__, "--child", kind, model_dir, str(items_file), str(out)]
    peak = run_measured([*command, str(seed)], kind)
    return {**json.loads(out.read_text()), "peak_rss_mb": peak}


def wer(items: list[dict], hyps: dict[str, str]) -> float:
    import jiwer

    refs = [normalise(i["reference"]) for i in items]
    outs = [normalise(hyps[i["call_id"]]) for i in items]
    return float(jiwer.wer(refs, outs))


def stage_table(run: dict, cores: int) -> dict[str, float]:
    """Print where the pipeline run's time went; returns seconds per stage."""
    from bench.stages import ORDER

    seconds = {
        k: v["s"] for part in ("workers", "pipeline") for k, v in run["stages"][part].items()
    }
    calls = {
        k: v["calls"] for part in ("workers", "pipeline") for k, v in run["stages"][part].items()
    }
    total = sum(seconds.values())
    print(
        f"where the time went (the last run's pipeline; seconds summed over its "
        f"{run['workers']} worker(s) and its own process, {run['wall_s']:.1f} s wall on "
        f"{cores} cores = {run['wall_s'] * cores:.1f} core-seconds):"
    )
    print(f"{'stage':<28}{'seconds':>10}{'share':>8}{'calls':>8}")
    for stage in [*ORDER, *sorted(set(seconds) - set(ORDER))]:
        if stage in seconds:
            print(
                f"{stage:<28}{seconds[stage]:>10.2f}{seconds[stage] / total:>8.1%}{calls[stage]:>8}"
            )
    print(f"{'total':<28}{total:>10.2f}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help="CTranslate2 sampling seed")
    parser.add_argument("--model", help="CTranslate2 Whisper folder (default: the bundled base)")
    parser.add_argument(
        "--runs", type=int, default=3, help="paired runs (baseline then pipeline); median ratio"
    )
    parser.add_argument(
        "--calls", type=int, help="only the first N sample calls (a quick look; not a figure)"
    )
    parser.add_argument(
        "--no-bias", action="store_true", help="pipeline without decoder biasing (main's behaviour)"
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    settings = Settings.from_env(os.environ)
    model_dir = str(resolve_model_dir(settings, args.model))
    cores = os.cpu_count() or 1
    pairs: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="ccr-bench-") as tmp:
        folder = Path(tmp)
        items = prepare(folder)[: args.calls]
        items_file = folder / "items.json"
        items_file.write_text(json.dumps(items))
        audio_s = sum(i["audio_s"] for i in items)
        pipeline = "pipeline-unprimed" if args.no_bias else "pipeline"
        for _ in range(args.runs):
            pairs.append(
                {
                    kind: measure(run, model_dir, items_file, folder, args.seed)
                    for kind, run in (("baseline", "baseline"), ("pipeline", pipeline))
                }
            )
    stereo = sum(i["pipeline_channels"] == 2 for i in items)
    print(
        f"{len(items)} calls, {audio_s / 60:.1f} min of audio; pipeline: {stereo} stereo, "
        f"{len(items) - stereo} mono mixes; languages fr+en; model {Path(model_dir).name}"
    )
    p = pairs[-1]["pipeline"]
    print(
        f"pipeline plan: {p['workers']} process(es) x {p['threads']} thread(s), "
        f"beam {settings.whisper_beam}, batched, VAD, word timestamps; the transcribe step's "
        "path: recordings opened from an encrypted lakehouse, redaction, playback copies, "
        "encrypted Delta MERGE"
    )
    print(
        f"{'pair':<6}{'run':<10}{'audio s':>10}{'wall s':>10}{'RTF':>8}{'WER':>8}"
        f"{'peak MB':>10}{'ratio':>8}"
    )
    ratios, wers = [], {"baseline": [], "pipeline": []}
    for n, runs in enumerate(pairs, start=1):
        ratio = runs["baseline"]["wall_s"] / runs["pipeline"]["wall_s"]
        ratios.append(ratio)
        for kind, run in runs.items():
            w = wer(items, run["hyps"])
            wers[kind].append(w)
            print(
                f"{n:<6}{kind:<10}{audio_s:>10.1f}{run['wall_s']:>10.1f}"
                f"{audio_s / run['wall_s']:>7.1f}x{w:>8.3f}{run['peak_rss_mb']:>10.0f}"
                + (f"{ratio:>7.2f}x" if kind == "pipeline" else "")
            )
    median = statistics.median(ratios)
    mono = [i for i in items if i["pipeline_channels"] == 1]
    lang_ok = sum(
        p["languages"][i["call_id"]]
        == next(c["language"] for c in calls() if c["call_id"] == i["call_id"])
        for i in mono
    )
    print(
        f"mono mixes: language detected right {lang_ok}/{len(mono)}; speaker methods "
        f"{sorted(set(p['methods'].values()))}"
    )
    print(
        f"speed ratio (pipeline over README use), {len(ratios)} paired runs: "
        + ", ".join(f"{r:.2f}x" for r in ratios)
        + f"; median {median:.2f}x"
    )
    seconds = stage_table(p, cores)
    # The ceiling: one unprimed decode of each chunk (encoder, beam search, word alignment) and
    # nothing else, every core busy all the time.
    floor = sum(seconds.get(k, 0.0) for k in ("encoder", "decoder", "word alignment")) / cores
    baseline_s = statistics.median(r["baseline"]["wall_s"] for r in pairs)
    pipeline_s = statistics.median(r["pipeline"]["wall_s"] for r in pairs)
    ceiling = baseline_s / floor if floor else float("nan")
    print(
        f"ceiling: one decode of each chunk and nothing else on {cores} cores = {floor:.1f} s, "
        f"{ceiling:.2f}x the README use; the pipeline (median {pipeline_s:.1f} s) is at "
        f"{floor / pipeline_s:.0%} of it"
    )
    crypto_share = p["encryption_s"] / p["wall_s"]
    print(
        f"encryption at rest (open, playback seal, text values): {p['encryption_s']:.2f} s, "
        f"{crypto_share:.2%} of the pipeline's wall time"
    )
    print(
        json.dumps(
            {
                "speed_ratio_median": round(median, 3),
                "speed_ratios": [round(r, 3) for r in ratios],
                "wer_baseline": round(statistics.median(wers["baseline"]), 4),
                "wer_pipeline": round(statistics.median(wers["pipeline"]), 4),
                "rtf_baseline": round(audio_s / baseline_s, 2),
                "rtf_pipeline": round(audio_s / pipeline_s, 2),
                "peak_rss_mb": round(max(r["pipeline"]["peak_rss_mb"] for r in pairs), 1),
                "peak_rss_mb_baseline": round(max(r["baseline"]["peak_rss_mb"] for r in pairs), 1),
                "audio_s": round(audio_s, 1),
                "calls": len(items),
                "seed": args.seed,
                "decoder_bias": not args.no_bias,
                "stages_s": {k: round(v, 2) for k, v in seconds.items()},
                "ceiling_ratio": round(ceiling, 2),
                "encryption_s": round(p["encryption_s"], 3),
                "encryption_share": round(crypto_share, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
