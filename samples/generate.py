"""Generate the synthetic call-recording sample set from ``samples/dialogues.yaml``.

Why this exists: the lakehouse needs realistic-looking call-centre drops to
exercise landing, quarantine, transcription and scoring end to end, but real
recordings carry personal data. So every call is scripted, voiced with
espeak-ng and mixed into a stereo file (agent LEFT, customer RIGHT) with
natural turn-taking, then written as a *landing tree* exactly like a call
centre would deliver it: ``landing/<tenant>/<batch_id>/`` with audio files
and a ``manifest.csv``. The hand-written scorecard labels of every decodable
call (good and poor quality alike), with the real timing of each turn, go to
``ground_truth.jsonl`` so the pipeline's output can be checked against known answers.

Run: ``.venv/bin/python samples/generate.py`` (needs ``espeak-ng`` and
``ffmpeg`` on PATH). ``--check-only`` validates the script and its labels
without those tools. Output is deterministic: timings come from a seeded RNG
and ffmpeg runs in bit-exact mode, so re-running gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import wave
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from transforms.ingest.manifest import MANIFEST_COLUMNS

SAMPLES_DIR = Path(__file__).resolve().parent

CRITERIA: tuple[str, ...] = (
    "greeting",
    "introduction",
    "recording_disclosure",
    "needs_discovery",
    "reformulation",
    "closing",
    "no_forbidden_words",
)

GREETING_WINDOW_S = 15.0  # greeting must start within the first 15 s of the file
CLOSING_WINDOW_S = 20.0  # closing must end within the last 20 s of the file
# The label cross-check reads the phrasings from the scorecard itself, so the two cannot drift.
# A criterion counts as "said" when one phrasing is a substring of the agent's normalised lines
# (for no_forbidden_words: what must NOT be said).
SCORECARD = SAMPLES_DIR.parent / "config" / "scorecards" / "standard-v1.yaml"


@functools.cache
def known_phrases(scorecard: Path = SCORECARD) -> dict[str, dict[str, tuple[str, ...]]]:
    """criterion -> language -> normalised phrasings, from the repo's scorecard."""
    card = yaml.safe_load(scorecard.read_text(encoding="utf-8"))
    return {
        c["id"]: {lang: tuple(normalise(p) for p in ps) for lang, ps in c["phrases"].items()}
        for section in card["sections"]
        for c in section["criteria"]
        if "phrases" in c
    }


CHANNEL_LAYOUT = "agent-left"

# Output formats: extension and ffmpeg codec arguments. Bit-exact flags keep
# the library version string out of the files, so they are reproducible.
FORMATS: dict[str, tuple[str, list[str]]] = {
    "mp3": ("mp3", ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "48k", "-id3v2_version", "0"]),
    "wav-mulaw": ("wav", ["-ar", "8000", "-c:a", "pcm_mulaw"]),
    "flac": (
        "flac",
        ["-ar", "16000", "-sample_fmt", "s16", "-c:a", "flac", "-compression_level", "8"],
    ),
    "ogg": ("ogg", ["-ar", "16000", "-c:a", "libvorbis", "-q:a", "2"]),
}
BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]

CALL_ID_RE = re.compile(r"^(?P<prefix>[a-z]+)-(?P<date>\d{8})-(?P<seq>\d{4})$")
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
FICTION_PHONE_RE = re.compile(r"^(\+3363998\d{4}|\+447700900\d{3})$")
TENANT_PREFIX = {"acme-telecom": "acme", "globex-energy": "glx"}
MEASURE_RATE_HZ = 16000


class ScriptError(Exception):
    """The dialogue script is inconsistent; raised instead of generating bad data."""


@dataclass(frozen=True)
class Turn:
    """One scripted utterance; flags shape the silence that precedes it."""

    speaker: str
    text: str
    overlap: bool = False
    hold_before: bool = False


@dataclass(frozen=True)
class ManifestEntry:
    """The manifest metadata every delivered file carries."""

    call_id: str
    tenant_id: str
    agent_id: str
    team: str
    campaign: str
    language: str
    started_at: str
    caller_phone: str


@dataclass(frozen=True)
class Call(ManifestEntry):
    """One call of the script, with its manifest metadata and declared labels."""

    format: str
    agent_voice: str
    customer_voice: str
    labels: dict[str, bool]
    turns: tuple[Turn, ...]

    @property
    def file_name(self) -> str:
        """File name in the landing batch, ``<call_id>.<ext>``."""
        return f"{self.call_id}.{FORMATS[self.format][0]}"

    @property
    def is_good(self) -> bool:
        """A good-quality call meets all 7 criteria; a poor one misses some."""
        return all(self.labels.values())


@dataclass(frozen=True)
class BrokenFile(ManifestEntry):
    """A deliberately corrupt delivery with a normal manifest row (quarantine demo)."""

    file_name: str
    defect: str


@dataclass(frozen=True)
class Settings:
    """Timing and synthesis knobs shared by all calls."""

    seed: int
    speed_wpm: int
    synth_rate_hz: int
    lead_in_s: tuple[float, float]
    tail_s: tuple[float, float]
    gap_s: tuple[float, float]
    overlap_s: tuple[float, float]
    hold_s: tuple[float, float]
    duration_s: tuple[float, float]


@dataclass(frozen=True)
class Script:
    """The parsed dialogue file."""

    settings: Settings
    pronunciation: dict[str, dict[str, str]]
    batches: dict[str, str]
    calls: tuple[Call, ...]
    broken: tuple[BrokenFile, ...]


@dataclass
class PlacedTurn:
    """A turn with its real position (seconds) in the mixed recording."""

    turn: Turn
    start_s: float
    end_s: float
    audio: np.ndarray = field(repr=False)


# --------------------------------------------------------------------- parsing


def _pair(value: Any, name: str) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2 and value[0] <= value[1]):
        raise ScriptError(f"settings.{name} must be [low, high], got {value!r}")
    return float(value[0]), float(value[1])


def _require(entry: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in entry]
    if missing:
        raise ScriptError(f"{where}: missing keys {missing}")


def _parse_turn(raw: dict[str, Any], where: str) -> Turn:
    speakers = [k for k in ("agent", "customer") if k in raw]
    unknown = set(raw) - {"agent", "customer", "overlap", "hold_before"}
    if len(speakers) != 1 or unknown:
        raise ScriptError(f"{where}: a turn needs exactly one of agent/customer, got {raw!r}")
    speaker = speakers[0]
    text = str(raw[speaker]).strip()
    if not text:
        raise ScriptError(f"{where}: empty turn")
    return Turn(speaker, text, bool(raw.get("overlap", False)), bool(raw.get("hold_before", False)))


def load_script(path: Path) -> Script:
    """Parse and structurally validate the YAML so later stages can trust it."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    s = doc["settings"]
    settings = Settings(
        seed=int(s["seed"]),
        speed_wpm=int(s["speed_wpm"]),
        synth_rate_hz=int(s["synth_rate_hz"]),
        lead_in_s=_pair(s["lead_in_s"], "lead_in_s"),
        tail_s=_pair(s["tail_s"], "tail_s"),
        gap_s=_pair(s["gap_s"], "gap_s"),
        overlap_s=_pair(s["overlap_s"], "overlap_s"),
        hold_s=_pair(s["hold_s"], "hold_s"),
        duration_s=_pair(s["duration_s"], "duration_s"),
    )
    agents: dict[str, dict[str, Any]] = {}
    batches: dict[str, str] = {}
    for tenant_id, tenant in doc["tenants"].items():
        batches[tenant_id] = str(tenant["batch_id"])
        for agent_id, agent in tenant["agents"].items():
            agents[agent_id] = {"tenant_id": tenant_id, **agent}

    calls: list[Call] = []
    for raw in doc["calls"]:
        where = f"call {raw.get('call_id', '?')}"
        _require(
            raw,
            (
                "call_id",
                "tenant_id",
                "agent_id",
                "campaign",
                "language",
                "started_at",
                "caller_phone",
                "format",
                "customer_voice",
                "labels",
                "turns",
            ),
            where,
        )
        agent = agents.get(raw["agent_id"])
        if agent is None or agent["tenant_id"] != raw["tenant_id"]:
            raise ScriptError(
                f"{where}: agent {raw['agent_id']} is not an agent of {raw['tenant_id']}"
            )
        if raw["format"] not in FORMATS:
            raise ScriptError(f"{where}: unknown format {raw['format']!r}")
        labels = raw["labels"]
        if set(labels) != set(CRITERIA) or not all(isinstance(v, bool) for v in labels.values()):
            raise ScriptError(f"{where}: labels must give true/false for exactly {CRITERIA}")
        turns = tuple(_parse_turn(t, f"{where} turn {i}") for i, t in enumerate(raw["turns"]))
        calls.append(
            Call(
                call_id=raw["call_id"],
                tenant_id=raw["tenant_id"],
                agent_id=raw["agent_id"],
                team=agent["team"],
                campaign=raw["campaign"],
                language=raw["language"],
                started_at=raw["started_at"],
                caller_phone=raw["caller_phone"],
                format=raw["format"],
                agent_voice=agent["voices"][raw["language"]],
                customer_voice=raw["customer_voice"],
                labels={c: labels[c] for c in CRITERIA},
                turns=turns,
            )
        )
    broken = tuple(
        BrokenFile(team=agents[b["agent_id"]]["team"], **b) for b in doc.get("broken_files", [])
    )
    pronunciation = {k: dict(v or {}) for k, v in (doc.get("pronunciation") or {}).items()}
    return Script(settings, pronunciation, batches, tuple(calls), broken)


# ------------------------------------------------------------------ validation


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and spaces so substring checks are robust."""
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    return re.sub(r"\s+", " ", text)


def said(criterion: str, language: str, text: str) -> list[str]:
    """Return the known phrasings of ``criterion`` that occur in ``text``."""
    norm = normalise(text)
    return [p for p in known_phrases()[criterion][language] if p in norm]


def check_metadata(call: Call | BrokenFile, batches: dict[str, str]) -> list[str]:
    """Manifest-level consistency: ids, dates, phones, languages."""
    errors: list[str] = []
    m = CALL_ID_RE.match(call.call_id)
    if not m or m["prefix"] != TENANT_PREFIX.get(call.tenant_id):
        errors.append(f"{call.call_id}: call id must be <tenant prefix>-YYYYMMDD-NNNN")
    try:
        started = datetime.fromisoformat(call.started_at)
    except ValueError:
        errors.append(f"{call.call_id}: started_at {call.started_at!r} is not ISO 8601")
    else:
        if started.tzinfo is None:
            errors.append(f"{call.call_id}: started_at needs a UTC offset")
        if m and started.strftime("%Y%m%d") != m["date"]:
            errors.append(f"{call.call_id}: date in call id differs from started_at")
    if not E164_RE.match(call.caller_phone) or not FICTION_PHONE_RE.match(call.caller_phone):
        errors.append(f"{call.call_id}: caller_phone must be E.164 in a fiction range")
    if call.language not in ("fr", "en"):
        errors.append(f"{call.call_id}: language must be fr or en")
    if call.tenant_id not in batches:
        errors.append(f"{call.call_id}: unknown tenant {call.tenant_id}")
    return errors


def check_labels(call: Call) -> list[str]:
    """Compare declared labels with the script text; labels must not drift."""
    errors: list[str] = []
    agent_text = " ".join(t.text for t in call.turns if t.speaker == "agent")
    customer_text = " ".join(t.text for t in call.turns if t.speaker == "customer")
    for criterion in CRITERIA:
        found = said(criterion, call.language, agent_text)
        met = not found if criterion == "no_forbidden_words" else bool(found)
        if met != call.labels[criterion]:
            errors.append(
                f"{call.call_id}: label {criterion}={call.labels[criterion]} but the agent's "
                f"lines {'contain ' + repr(found) if found else 'contain none of its phrasings'}"
            )
        # Customers may greet (only agent speech is scored); anything else from
        # the agent's phrasebook in a customer line would confuse a channel mix-up test.
        if criterion not in ("greeting", "no_forbidden_words"):
            leaked = said(criterion, call.language, customer_text)
            if leaked:
                errors.append(f"{call.call_id}: customer says agent phrase(s) {leaked}")
    if call.turns[0].speaker != "agent":
        errors.append(f"{call.call_id}: the agent must open the call")
    for prev, turn in zip(call.turns, call.turns[1:], strict=False):
        if turn.overlap and (turn.speaker == prev.speaker or turn.hold_before):
            errors.append(f"{call.call_id}: overlap needs a speaker change and no hold")
    if call.agent_voice == call.customer_voice:
        errors.append(f"{call.call_id}: agent and customer share voice {call.agent_voice}")
    return errors


def check_timing(call: Call, placed: list[PlacedTurn], total_s: float) -> list[str]:
    """Greeting/closing labels also depend on *when* the phrase is said."""
    errors: list[str] = []
    agent_turns = [p for p in placed if p.turn.speaker == "agent"]
    for criterion in ("greeting", "closing"):
        if not call.labels[criterion]:
            continue
        times = []
        for p in agent_turns:
            norm = normalise(p.turn.text)
            for phrase in known_phrases()[criterion][call.language]:
                idx = norm.find(phrase)
                if idx >= 0:  # rough position of the phrase inside the turn
                    times.append(p.start_s + (p.end_s - p.start_s) * idx / len(norm))
        ok = (
            any(t <= GREETING_WINDOW_S for t in times)
            if criterion == "greeting"
            else any(t >= total_s - CLOSING_WINDOW_S for t in times)
        )
        if not ok:
            errors.append(
                f"{call.call_id}: {criterion} is labelled met but falls outside its window"
            )
    return errors


def validate(script: Script) -> None:
    """Run every static check and fail loudly with the full list of problems."""
    errors: list[str] = []
    ids = [c.call_id for c in script.calls] + [b.call_id for b in script.broken]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        errors.append(f"duplicate call ids: {dupes}")
    for call in script.calls:
        errors += check_metadata(call, script.batches)
        errors += check_labels(call)
    for broken in script.broken:
        errors += check_metadata(broken, script.batches)
        if broken.defect not in ("not-audio", "truncated-mp3"):
            errors.append(f"{broken.call_id}: unknown defect {broken.defect!r}")
    if errors:
        raise ScriptError("dialogue script is inconsistent:\n  " + "\n  ".join(errors))


# ------------------------------------------------------------------- synthesis


def run(cmd: list[str], stdin: bytes | None = None) -> bytes:
    """Run a tool, surfacing its stderr when it fails (espeak/ffmpeg are terse)."""
    proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")
    return proc.stdout


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode 16-bit PCM WAV bytes to float32 mono in [-1, 1]."""
    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise RuntimeError("espeak-ng did not produce 16-bit mono WAV")
        frames = w.readframes(w.getnframes())
        rate = w.getframerate()
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0, rate


class Synthesizer:
    """espeak-ng wrapper with a cache, so repeated voices/lines cost nothing."""

    def __init__(self, settings: Settings, pronunciation: dict[str, dict[str, str]], tmp: Path):
        self.settings = settings
        self.pronunciation = pronunciation
        self.tmp = tmp
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._checked_voices: set[str] = set()

    def _espeak(self, voice: str, text: str) -> np.ndarray:
        out = self.tmp / "tts.wav"
        run(["espeak-ng", "-v", voice, "-s", str(self.settings.speed_wpm), "-w", str(out), text])
        audio, rate = read_wav(out.read_bytes())
        if rate != self.settings.synth_rate_hz:
            raise RuntimeError(
                f"espeak-ng produced {rate} Hz, expected {self.settings.synth_rate_hz}"
            )
        return audio

    def check_voice(self, voice: str) -> None:
        """Refuse voice variants espeak-ng silently ignores.

        espeak-ng 1.51 drops the ``+variant`` of some region-qualified names
        (``fr-fr+f2``, ``en-gb+f3`` sound exactly like ``fr-fr``/``en-gb``), which
        would quietly give agent and customer the same voice.
        """
        if "+" not in voice or voice in self._checked_voices:
            return
        base = voice.split("+", 1)[0]
        probe = "one two three"
        if np.array_equal(self._espeak(voice, probe), self._espeak(base, probe)):
            raise ScriptError(f"espeak-ng ignores the variant in {voice!r}; use e.g. 'fr+f2'")
        self._checked_voices.add(voice)

    def say(self, voice: str, text: str, language: str) -> np.ndarray:
        """Voice ``text``, trimmed to the speech so turn timings are exact."""
        key = (voice, text)
        if key not in self._cache:
            self.check_voice(voice)
            spoken = text
            for written, sound in self.pronunciation.get(language, {}).items():
                spoken = spoken.replace(written, sound)
            audio = trim_silence(self._espeak(voice, spoken))
            peak = float(np.max(np.abs(audio)))
            self._cache[key] = audio * (0.7 / peak)  # about -3 dBFS, no clipping
        return self._cache[key]


def trim_silence(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Drop espeak's leading/trailing silence so start_s/end_s mark real speech."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        raise RuntimeError("espeak-ng produced silence")
    return audio[loud[0] : loud[-1] + 1]


def call_rng(seed: int, call_id: str) -> np.random.Generator:
    """Per-call RNG: timings stay stable when other calls are added or reordered."""
    digest = int.from_bytes(hashlib.sha256(call_id.encode()).digest()[:8], "big")
    return np.random.default_rng([seed, digest])


def layout(call: Call, synth: Synthesizer, settings: Settings) -> tuple[list[PlacedTurn], float]:
    """Place turns on a timeline with natural gaps, overlaps and holds."""
    rng = call_rng(settings.seed, call.call_id)
    rate = settings.synth_rate_hz
    placed: list[PlacedTurn] = []
    cursor = float(rng.uniform(*settings.lead_in_s))
    for turn in call.turns:
        voice = call.agent_voice if turn.speaker == "agent" else call.customer_voice
        audio = synth.say(voice, turn.text, call.language)
        if placed:
            prev = placed[-1]
            if turn.overlap:
                start = prev.end_s - float(rng.uniform(*settings.overlap_s))
            elif turn.hold_before:
                start = prev.end_s + float(rng.uniform(*settings.hold_s))
            else:
                start = prev.end_s + float(rng.uniform(*settings.gap_s))
            # A speaker never talks over themselves: respect their own last turn.
            own = [p.end_s for p in placed if p.turn.speaker == turn.speaker]
            if own:
                start = max(start, own[-1] + 0.2)
        else:
            start = cursor
        start = round(start * rate) / rate
        placed.append(PlacedTurn(turn, start, start + len(audio) / rate, audio))
    total = max(p.end_s for p in placed) + float(rng.uniform(*settings.tail_s))
    return placed, total


def mix(placed: list[PlacedTurn], total_s: float, rate: int) -> np.ndarray:
    """Mix turns into a (samples, 2) array: agent LEFT, customer RIGHT."""
    stereo = np.zeros((round(total_s * rate), 2), dtype=np.float32)
    for p in placed:
        channel = 0 if p.turn.speaker == "agent" else 1
        begin = round(p.start_s * rate)
        stereo[begin : begin + len(p.audio), channel] += p.audio
    return np.clip(stereo, -1.0, 1.0)


def write_wav(stereo: np.ndarray, rate: int, path: Path) -> None:
    """Write 16-bit stereo PCM as the lossless hand-off to ffmpeg."""
    pcm = np.round(stereo * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def encode(src: Path, fmt: str, dest: Path) -> None:
    """Encode to the delivery format, bit-exact for reproducible files."""
    codec = FORMATS[fmt][1]
    run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(src),
            "-ac",
            "2",
            *codec,
            *BITEXACT,
            str(dest),
        ]
    )


def decoded_duration(path: Path) -> float:
    """Duration as a decoder sees it (after MP3 encoder-delay trimming)."""
    raw = run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-ac",
            "1",
            "-ar",
            str(MEASURE_RATE_HZ),
            "-f",
            "s16le",
            "-",
        ]
    )
    return len(raw) / 2 / MEASURE_RATE_HZ


# ---------------------------------------------------------------------- output


def manifest_row(item: Call | BrokenFile) -> dict[str, str]:
    """One manifest.csv row; broken files look just like normal deliveries."""
    return {
        "call_id": item.call_id,
        "file_name": item.file_name,
        "tenant_id": item.tenant_id,
        "agent_id": item.agent_id,
        "team": item.team,
        "campaign": item.campaign,
        "caller_phone": item.caller_phone,
        "started_at": item.started_at,
        "language": item.language,
        "channel_layout": CHANNEL_LAYOUT,
    }


def write_broken(broken: BrokenFile, synth: Synthesizer, settings: Settings, dest: Path) -> None:
    """Produce a corrupt delivery the pipeline must quarantine, not crash on."""
    if broken.defect == "not-audio":
        dest.write_bytes(b"this is not audio\n" * 40)
        return
    # truncated-mp3: a genuine MP3 of a short greeting, cut after 200 bytes.
    voice = "en-us+f2" if broken.language == "en" else "fr+f5"
    text = "Hello, this call is recorded." if broken.language == "en" else "Bonjour."
    audio = synth.say(voice, text, broken.language)
    stereo = np.zeros((len(audio), 2), dtype=np.float32)
    stereo[:, 0] = audio
    wav = synth.tmp / "broken.wav"
    mp3 = synth.tmp / "broken.mp3"
    write_wav(stereo, settings.synth_rate_hz, wav)
    encode(wav, "mp3", mp3)
    dest.write_bytes(mp3.read_bytes()[:200])


def generate(script: Script, out_dir: Path) -> list[dict[str, Any]]:
    """Build the landing tree and ground truth; return a summary per call."""
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is required to regenerate the samples (apt install {tool})")
    settings = script.settings
    landing = out_dir / "landing"
    if landing.exists():
        shutil.rmtree(landing)  # stale files from older scripts must not linger
    summary: list[dict[str, Any]] = []
    ground_truth: list[dict[str, Any]] = []
    rows: dict[Path, list[dict[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="ccr-samples-") as tmp_name:
        tmp = Path(tmp_name)
        synth = Synthesizer(settings, script.pronunciation, tmp)
        timing_errors: list[str] = []
        for call in script.calls:
            batch_dir = landing / call.tenant_id / script.batches[call.tenant_id]
            batch_dir.mkdir(parents=True, exist_ok=True)
            placed, total = layout(call, synth, settings)
            timing_errors += check_timing(call, placed, total)
            lo, hi = settings.duration_s
            if not lo <= total <= hi:
                timing_errors.append(f"{call.call_id}: {total:.1f} s is outside [{lo}, {hi}] s")
            wav = tmp / f"{call.call_id}.wav"
            write_wav(mix(placed, total, settings.synth_rate_hz), settings.synth_rate_hz, wav)
            dest = batch_dir / call.file_name
            encode(wav, call.format, dest)
            duration = round(decoded_duration(dest), 3)
            rows.setdefault(batch_dir, []).append(manifest_row(call))
            unmet = [c for c in CRITERIA if not call.labels[c]]
            summary.append(
                {
                    "call_id": call.call_id,
                    "tenant_id": call.tenant_id,
                    "language": call.language,
                    "good": call.is_good,
                    "unmet": unmet,
                    "duration_s": duration,
                    "bytes": dest.stat().st_size,
                }
            )
            ground_truth.append(
                {
                    "tenant_id": call.tenant_id,
                    "call_id": call.call_id,
                    "file_name": call.file_name,
                    "language": call.language,
                    "duration_s": duration,
                    "labels": call.labels,
                    "turns": [
                        {
                            "speaker": p.turn.speaker,
                            "start_s": round(p.start_s, 3),
                            "end_s": round(p.end_s, 3),
                            "text": p.turn.text,
                        }
                        for p in placed
                    ],
                }
            )
        if timing_errors:
            raise ScriptError("timing checks failed:\n  " + "\n  ".join(timing_errors))
        for broken in script.broken:
            batch_dir = landing / broken.tenant_id / script.batches[broken.tenant_id]
            batch_dir.mkdir(parents=True, exist_ok=True)
            write_broken(broken, synth, settings, batch_dir / broken.file_name)
            rows.setdefault(batch_dir, []).append(manifest_row(broken))
    for batch_dir, batch_rows in rows.items():
        with (batch_dir / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(sorted(batch_rows, key=lambda r: r["call_id"]))
    with (out_dir / "ground_truth.jsonl").open("w", encoding="utf-8") as f:
        for record in sorted(ground_truth, key=lambda r: (r["tenant_id"], r["call_id"])):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--script", type=Path, default=SAMPLES_DIR / "dialogues.yaml")
    parser.add_argument(
        "--out",
        type=Path,
        default=SAMPLES_DIR,
        help="directory that receives landing/ and ground_truth.jsonl",
    )
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="validate the script and its labels; needs neither espeak-ng nor ffmpeg",
    )
    args = parser.parse_args(argv)
    try:
        script = load_script(args.script)
        validate(script)
        if args.check_only:
            print(f"{len(script.calls)} calls, {len(script.broken)} broken files: script OK")
            return 0
        summary = generate(script, args.out)
    except ScriptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for s in summary:
        status = "good" if s["good"] else "poor (unmet: " + ", ".join(s["unmet"]) + ")"
        print(
            f"{s['call_id']:<20} {s['language']} {s['duration_s']:6.2f}s "
            f"{s['bytes'] / 1024:7.1f} KiB  {status}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
