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
    from transforms.core.context import StepContext
    from transforms.transcribe.biasing import company_name, decoder_bias
    from transforms.transcribe.pool import CallJob, plan_workers, transcribe_calls
    from transforms.transcribe.roles import RoleHints

    ctx = StepContext.of(Settings.from_env(os.environ))
    settings, tenants = ctx.settings, ctx.tenants
    # As the transcribe step does: the tenant's assigned card and name prime the decoder.
    bias = {
        tid: decoder_bias(
            ctx.card_choice(tid).card_for(None), company_name(t.display_name), t.languages
        )
        for tid, t in tenants.items()
    }
    workers, threads = plan_workers(
        workers=settings.whisper_workers, threads=settings.whisper_threads
    )
    jobs = (
        CallJob(
            key=item["call_id"],
            audio=Path(item["pipeline_file"]).read_bytes(),
            channels=item["pipeline_channels"],
            language=item["language"],
            channel_layout=item["layout"],
            allowed_languages=tenants[item["tenant"]].languages,
            roles=RoleHints.for_tenant(tenants[item["tenant"]]),
            bias=bias[item["tenant"]] if primed else None,
        )
        # Longest first, as the transcribe asset orders a batch.
        for item in sorted(items, key=lambda item: -item["audio_s"])
    )
    hyps, methods, langs = {}, {}, {}
    crypto = Encryption()
    for result in transcribe_calls(
        crypto.opened(jobs),
        model_dir=model_dir,
        workers=workers,
        threads=threads,
        beam_size=settings.whisper_beam,
    ):
        assert result.transcript is not None, result.error
        crypto.stored(result.key, result.transcript)
        hyps[result.key] = result.transcript.text_of()
        methods[result.key] = result.transcript.speaker_method
        langs[result.key] = result.transcript.language
    return {
        "hyps": hyps,
        "methods": methods,
        "languages": langs,
        "workers": workers,
        "threads": threads,
        "encryption_s": crypto.seconds,
    }


class Encryption:
    """The pipeline's encryption at rest, timed (docs/encryption.md): each recording sealed as
    ingest stores it and opened as transcription reads it; the playback copy sealed (the size
    of the recording, the same cost); every text value and word of the transcript encrypted as
    the MERGE of silver.transcripts and silver.transcript_segments does. A key store of its own
    in a temporary folder."""

    def __init__(self) -> None:
        from transforms.core.crypto import TenantCipher
        from transforms.core.keys import FileKeyStore

        self.folder = tempfile.TemporaryDirectory(prefix="ccr-bench-keys-")
        keys = FileKeyStore(Path(self.folder.name) / "keys")
        keys.create_kek()
        keys.create("bench")
        self.cipher = TenantCipher(keys)
        self.seconds = 0.0

    def opened(self, jobs):
        from dataclasses import replace

        from transforms.core.crypto import object_aad

        aad = object_aad("bench", "object", "")
        for job in jobs:
            started = time.perf_counter()
            sealed = self.cipher.seal_bytes("bench", aad, job.audio)  # ingest
            audio = self.cipher.open_bytes("bench", aad, sealed)  # transcription
            self.cipher.seal_bytes("bench", aad, audio)  # the playback copy
            self.seconds += time.perf_counter() - started
            yield replace(job, audio=audio)

    def stored(self, key: str, transcript) -> None:
        from transforms.core.crypto import value_aad

        started = time.perf_counter()
        enc = self.cipher.encrypt_value
        for column in ("text", "agent_text", "customer_text"):
            aad = value_aad("bench", "silver/transcripts", column, (key, "m"))
            enc("bench", aad, transcript.text_of())
        for i, segment in enumerate(transcript.segments):
            row = (key, "m", i)
            enc(
                "bench", value_aad("bench", "silver/transcript_segments", "text", row), segment.text
            )
            for n, word in enumerate(segment.words):
                aad = value_aad("bench", "silver/transcript_segments", f"words.{n}", row)
                enc("bench", aad, word.word)
        self.seconds += time.perf_counter() - started


def child(kind: str, model_dir: str, items_file: str, out_file: str, seed: str) -> None:
    import ctranslate2

    ctranslate2.set_random_seed(int(seed))
    items = json.loads(Path(items_file).read_text())
    started = time.perf_counter()  # model load included: a real run pays for it too
    if kind == "baseline":
        result = run_baseline(model_dir, items)
    else:
        result = run_pipeline(model_dir, items, primed=kind == "pipeline")
    result["wall_s"] = time.perf_counter() - started
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help="CTranslate2 sampling seed")
    parser.add_argument("--model", help="CTranslate2 Whisper folder (default: the bundled base)")
    parser.add_argument(
        "--no-bias", action="store_true", help="pipeline without decoder biasing (main's behaviour)"
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    settings = Settings.from_env(os.environ)
    model_dir = str(resolve_model_dir(settings, args.model))
    with tempfile.TemporaryDirectory(prefix="ccr-bench-") as tmp:
        folder = Path(tmp)
        items = prepare(folder)
        items_file = folder / "items.json"
        items_file.write_text(json.dumps(items))
        audio_s = sum(i["audio_s"] for i in items)
        pipeline = "pipeline-unprimed" if args.no_bias else "pipeline"
        runs = {
            kind: measure(run, model_dir, items_file, folder, args.seed)
            for kind, run in (("baseline", "baseline"), ("pipeline", pipeline))
        }
    stereo = sum(i["pipeline_channels"] == 2 for i in items)
    print(
        f"{len(items)} calls, {audio_s / 60:.1f} min of audio; pipeline: {stereo} stereo, "
        f"{len(items) - stereo} mono mixes; languages fr+en; model {Path(model_dir).name}"
    )
    p = runs["pipeline"]
    print(
        f"pipeline plan: {p['workers']} process(es) x {p['threads']} thread(s), "
        f"beam {settings.whisper_beam}, batched, VAD, word timestamps"
    )
    print(f"{'run':<10}{'audio s':>10}{'wall s':>10}{'RTF':>8}{'WER':>8}{'peak MB':>10}")
    figures = {}
    for kind, run in runs.items():
        rtf = audio_s / run["wall_s"]
        w = wer(items, run["hyps"])
        figures[kind] = (rtf, w)
        print(
            f"{kind:<10}{audio_s:>10.1f}{run['wall_s']:>10.1f}{rtf:>7.1f}x{w:>8.3f}"
            f"{run['peak_rss_mb']:>10.0f}"
        )
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
    speed = figures["pipeline"][0] / figures["baseline"][0]
    print(f"speed ratio (b)/(a): {speed:.2f}x")
    crypto_share = p["encryption_s"] / p["wall_s"]
    print(
        f"encryption at rest (seal, open, playback seal, text values): {p['encryption_s']:.2f} s, "
        f"{crypto_share:.2%} of the pipeline's wall time"
    )
    print(
        json.dumps(
            {
                "speed_ratio": round(speed, 3),
                "wer_baseline": round(figures["baseline"][1], 4),
                "wer_pipeline": round(figures["pipeline"][1], 4),
                "rtf_baseline": round(figures["baseline"][0], 2),
                "rtf_pipeline": round(figures["pipeline"][0], 2),
                "peak_rss_mb": round(runs["pipeline"]["peak_rss_mb"], 1),
                "peak_rss_mb_baseline": round(runs["baseline"]["peak_rss_mb"], 1),
                "audio_s": round(audio_s, 1),
                "calls": len(items),
                "seed": args.seed,
                "decoder_bias": not args.no_bias,
                "encryption_s": round(p["encryption_s"], 3),
                "encryption_share": round(crypto_share, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
