"""The French evaluation set: seeded calls voiced with espeak-ng, put through a telephone line.

**Two splits. ``dev`` is the one to tune on (thresholds, margins, prompt wording); ``heldout`` is
only measured, never tuned on: do not look at its errors to change a rule.** Voices (espeak-ng
variants), phrasings, carrier sentences, tenants and agent names of held-out calls are kept out
of dev calls, so a rule tuned on dev cannot have learned them.

The script is ``bench/french_calls.yaml``, the scorecard ``bench/french_scorecard.yaml`` (a QA
lead's, not the project's). For each call the generator draws (seeded by split and call):
which criteria the agent meets (labels come from the script, never from what Whisper heard), a
phrasing and carrier sentence for each, an agent and a customer voice (variant, pitch, speed),
mono or stereo, and a telephone line: codec (16-bit 16 kHz, or G.711 µ-law / A-law at 8 kHz
band-passed to 300–3400 Hz), background noise at 10–20 dB SNR or none, and a whole-call speed
change of ±10 %. Every call is checked against its labels (each phrasing said is one of the
card's, none said where the label is false, none in the customer's lines) before it is voiced.

**A third split, ``dev-more``** (``more_calls``; the script's ``dev_more``): 60 more calls drawn
exactly as dev calls are, from dev's halves, with ids that go on from dev's (``fr-dev-041`` …) and
80 % of them mono: more to learn from on dev (issue 26's role errors) without touching held-out.
Dev's and held-out's calls and cache keys are as they were without it.

Derived from them (``customer_first_calls``): the first stereo calls of each split again, mixed
down to one channel, the customer speaking first, using a forbidden phrasing harmlessly, and the
agent saying a sound-alike of one (the script's ``customer_first``): what swapped the roles of a
real mono call and made sound-alikes and the customer's words cost an agent (issue 26). Who
speaks when (``turn_times``) is kept beside each call's audio, so the roles the transcriber gives
can be checked.

Audio is cached under ``$CCR_MODEL_CACHE/bench-audio/french/`` as float32 16 kHz arrays, keyed by
a hash of everything that shapes it (the call, the speech and telephone settings, this module's
``RENDER_VERSION``): it is never committed. ``.venv/bin/python bench/french_set.py`` lists the
calls; ``--render`` voices them (needs espeak-ng on PATH).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import yaml
from scipy.signal import butter, resample_poly, sosfilt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

import generate  # noqa: E402  (samples/generate.py: turn layout, mixing, WAV reading)

from transforms.core.scorecards import Scorecard, load_scorecard  # noqa: E402
from transforms.core.text import normalise  # noqa: E402

SCRIPT = ROOT / "bench" / "french_calls.yaml"
SPLITS = ("dev", "heldout")
#: Extra splits drawn from an existing split's halves (``dev_more`` in the script): more calls to
#: tune on, whose ids go on from that split's, leaving its calls and cache keys as they were.
MORE_SPLITS = {"dev-more": "dev"}
ALL_SPLITS = (*SPLITS, *MORE_SPLITS)
RATE_HZ = 16000
#: Bumped whenever rendering changes, so cached audio of an older renderer is not reused.
RENDER_VERSION = 1
LANGUAGE = "fr"


class SetError(Exception):
    """The script produced a call whose text disagrees with its labels."""


@dataclass(frozen=True)
class Voice:
    base: str  # fr | fr-be | fr-ch
    variant: str
    pitch: int
    speed_wpm: int

    @property
    def name(self) -> str:
        return f"{self.base}+{self.variant}"

    def key(self) -> str:
        return f"{self.name} p{self.pitch} s{self.speed_wpm}"


@dataclass(frozen=True)
class Line:
    codec: str  # pcm16k | mulaw8k | alaw8k
    snr_db: float | None
    speed: float


@dataclass(frozen=True)
class Call:
    call_id: str
    split: str
    tenant: str
    agent_name: str
    channels: str  # stereo | mono
    agent_voice: Voice
    customer_voice: Voice
    line: Line
    labels: dict[str, bool]
    #: criterion -> the phrasing said (None when not said)
    said: dict[str, str | None]
    turns: tuple[tuple[str, str], ...] = field(default=())  # (speaker, text)
    #: the call this one is derived from (``customer_first_calls``); "" for the drawn calls
    derived_from: str = ""

    @property
    def reference(self) -> str:
        return " ".join(text for _, text in self.turns)

    def cache_key(self, script: dict) -> str:
        call = asdict(self)
        if not self.derived_from:
            del call["derived_from"]  # the drawn calls keep the keys of their cached audio
        payload = {
            "call": call,
            "speech": script["speech"],
            "telephone": script["telephone"],
            "render": RENDER_VERSION,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def load_script(path: Path = SCRIPT) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_card(script: dict) -> Scorecard:
    return load_scorecard(ROOT / script["scorecard"])


# ----------------------------------------------------------------------------- drawing


def _rng(seed: int, *parts: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join(parts).encode()).digest()[:8]
    return np.random.default_rng([seed, int.from_bytes(digest, "big")])


def voice_pools(script: dict) -> dict[str, list[str]]:
    """The variants, shuffled once by the seed, halved: dev gets one half, heldout the other."""
    variants = sorted(script["voices"]["variants"])
    order = _rng(script["seed"], "voices").permutation(len(variants))
    shuffled = [variants[i] for i in order]
    half = len(shuffled) // 2
    return {"dev": shuffled[:half], "heldout": shuffled[half:]}


def _voice(rng: np.random.Generator, script: dict, variants: list[str], avoid: str = "") -> Voice:
    speech = script["speech"]
    choices = [v for v in variants if v != avoid]
    return Voice(
        base=str(rng.choice(script["voices"]["bases"])),
        variant=str(rng.choice(choices)),
        pitch=int(rng.integers(speech["pitch"][0], speech["pitch"][1] + 1)),
        speed_wpm=int(rng.integers(speech["speed_wpm"][0], speech["speed_wpm"][1] + 1)),
    )


def _line(rng: np.random.Generator, script: dict) -> Line:
    tel = script["telephone"]
    codecs = list(tel["codecs"])
    codec = str(rng.choice(codecs, p=np.array([tel["codecs"][c] for c in codecs]) / 1.0))
    snr = float(rng.uniform(*tel["snr_db"])) if rng.random() < tel["noise_share"] else None
    return Line(
        codec,
        None if snr is None else round(snr, 1),
        round(float(rng.uniform(*tel["speed_factor"])), 3),
    )


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return str(options[int(rng.integers(len(options)))])


def _part(rng, spec: dict, split: str, said: bool, fill: dict[str, str]) -> tuple[str, str | None]:
    """(text the agent says for a criterion, the phrasing said or None)."""
    if said:
        phrase = _pick(rng, spec[split]["phrases"])
        text = _pick(rng, spec[split]["carriers"]).format(p=phrase, **fill)
        return _capitalise(text), phrase
    return _capitalise(_pick(rng, spec["absent"]).format(**fill)) if spec.get(
        "absent"
    ) else "", None


def _capitalise(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def build_calls(script: dict, card: Scorecard) -> list[Call]:
    """Every call of both splits, drawn from the seed (the same script gives the same calls)."""
    pools = voice_pools(script)
    calls = []
    for split in SPLITS:
        for n in range(1, script["calls_per_split"] + 1):
            calls.append(_draw(script, split, f"fr-{split}-{n:03d}", pools[split]))
    for call in calls:
        check(call, card)
    return calls


def more_calls(script: dict, card: Scorecard, split: str = "dev-more") -> list[Call]:
    """The calls of an extra split (``MORE_SPLITS``): drawn as its source split's calls are (same
    halves of voices, phrasings, carriers, tenants and agent names; ``fr-dev-041`` onwards, seeded
    by that id as every call is), with the script's own share of mono calls."""
    spec = script["dev_more"]
    source = MORE_SPLITS[split]
    variants = voice_pools(script)[source]
    first = script["calls_per_split"] + 1
    calls = [
        replace(
            _draw(script, source, f"fr-{source}-{n:03d}", variants, spec["mono_share"]),
            split=split,
        )
        for n in range(first, first + spec["calls"])
    ]
    for call in calls:
        check(call, card)
    return calls


def pool_of(split: str) -> str:
    """The split whose phrasings, voices and names a split's calls use."""
    return MORE_SPLITS.get(split, split)


def _draw(
    script: dict, split: str, call_id: str, variants: list[str], mono_share: float | None = None
) -> Call:
    rng = _rng(script["seed"], call_id)
    crit = script["criteria"]
    cust = script["customer"]
    tenant = _pick(rng, script["tenants"][split])
    agent_name = _pick(rng, script["agents"][split])
    fill = {"tenant": tenant, "agent": agent_name}
    labels: dict[str, bool] = {}
    said: dict[str, str | None] = {}
    parts: dict[str, str] = {}
    reason = int(rng.integers(len(cust["reasons"])))
    for cid, spec in crit.items():
        forbidden = cid == "interdits"
        says = rng.random() < (
            script["forbidden_probability"] if forbidden else script["said_probability"]
        )
        local = {**fill, "need": cust["needs"][reason]}
        parts[cid], said[cid] = _part(rng, spec, split, bool(says), local)
        labels[cid] = (not says) if forbidden else bool(says)
    opening = ", ".join(p.rstrip(".") for p in (parts["accueil"], parts["presentation"]) if p)
    first = " ".join(x for x in (opening + ".", parts["enregistrement"], parts["decouverte"]) if x)
    restate = parts["reformulation"]
    promise = " ".join(x for x in (parts["delai"], parts["interdits"]) if x)
    turns = (
        ("agent", first.replace("..", ".")),
        ("customer", cust["reasons"][reason]),
        ("agent", parts["verification"]),
        ("customer", _pick(rng, cust["details"])),
        ("agent", restate),
        ("customer", _pick(rng, cust["agreements"])),
        ("agent", promise),
        ("customer", _pick(rng, cust["thanks"])),
        ("agent", parts["cloture"]),
    )
    agent_voice = _voice(rng, script, variants)
    customer_voice = _voice(rng, script, variants, avoid=agent_voice.variant)
    mono = script["mono_share"] if mono_share is None else mono_share
    channels = "mono" if rng.random() < mono else "stereo"
    return Call(
        call_id=call_id,
        split=split,
        tenant=tenant,
        agent_name=agent_name,
        channels=channels,
        agent_voice=agent_voice,
        customer_voice=customer_voice,
        line=_line(rng, script),
        labels=labels,
        said=said,
        turns=turns,
    )


def customer_first_calls(script: dict, calls: list[Call]) -> list[Call]:
    """The derived calls of the script's ``customer_first``: per split, its first ``per_split``
    stereo calls mixed down to mono, the customer speaking first (an opener), a forbidden
    phrasing in the customer's first request and a sound-alike before the agent's identity check.
    Labels are the original call's (checked: the customer may now greet and say a forbidden
    phrasing, the agent still says only what the labels say)."""
    spec = script["customer_first"]
    out = []
    for split in [s for s in ALL_SPLITS if any(c.split == s for c in calls)]:
        words = spec[pool_of(split)]
        stereo = [c for c in calls if c.split == split and c.channels == "stereo"]
        for n, base in enumerate(stereo[: spec["per_split"]]):
            opener = words["openers"][n % len(words["openers"])]
            line = words["customer_lines"][(n // 2) % len(words["customer_lines"])]
            alike = words["sound_alikes"][n % len(words["sound_alikes"])]
            turns = list(base.turns)
            turns[1] = ("customer", f"{line} {turns[1][1]}")
            turns[2] = ("agent", f"{alike} {turns[2][1]}".strip())
            out.append(
                Call(
                    **{
                        **base.__dict__,
                        "call_id": f"{base.call_id}-cf",
                        "channels": "mono",
                        "turns": (("customer", opener), *turns),
                        "derived_from": base.call_id,
                    }
                )
            )
    return out


def check(call: Call, card: Scorecard) -> None:
    """Labels by construction, checked: a phrasing of the card is in the agent's lines exactly when
    the label says so (numbers compared as digits), and none is in the customer's (a derived
    customer-first call's customer may greet and say a forbidden phrasing: that is its point)."""
    agent = normalise(" ".join(t for s, t in call.turns if s == "agent"), LANGUAGE)
    customer = normalise(" ".join(t for s, t in call.turns if s == "customer"), LANGUAGE)
    allowed = {"accueil", "interdits"} if call.derived_from else set()
    problems = []
    for c in card.criteria:
        found = [p for p in c.phrases[LANGUAGE] if _contains(agent, normalise(p, LANGUAGE))]
        said = bool(found)
        met = not said if c.kind == "phrase_not_said" else said
        if met != call.labels[c.id]:
            problems.append(f"{c.id}: label {call.labels[c.id]} but agent phrasings found {found}")
        heard = [p for p in c.phrases[LANGUAGE] if _contains(customer, normalise(p, LANGUAGE))]
        if heard and c.id not in allowed:
            problems.append(f"{c.id}: the customer says {heard}")
    if problems:
        raise SetError(f"{call.call_id}: " + "; ".join(problems))


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


# ---------------------------------------------------------------------------- rendering


class Synth:
    """espeak-ng with a pitch and speed per voice; refuses variants espeak-ng ignores."""

    def __init__(self, tmp: Path) -> None:
        if shutil.which("espeak-ng") is None:
            raise SystemExit("espeak-ng is needed to voice the French set (apt install espeak-ng)")
        self.tmp = tmp
        self._voices: dict[str, Voice] = {}
        self._checked: set[str] = set()

    def register(self, voice: Voice) -> str:
        self._voices[voice.key()] = voice
        return voice.key()

    def _espeak(self, voice: Voice, text: str) -> np.ndarray:
        out = self.tmp / "tts.wav"
        cmd = ["espeak-ng", "-v", voice.name, "-p", str(voice.pitch), "-s", str(voice.speed_wpm)]
        subprocess.run([*cmd, "-w", str(out), text], check=True, capture_output=True)
        audio, _ = generate.read_wav(out.read_bytes())
        return audio

    def _check(self, voice: Voice) -> None:
        """espeak-ng silently ignores some variants (``fr+fast``, ``fr-fr+f2``): refuse them."""
        if voice.name in self._checked:
            return
        out = self.tmp / "probe.wav"
        heard = []
        for name in (voice.base, voice.name):
            subprocess.run(["espeak-ng", "-v", name, "-w", str(out), "un deux trois"], check=True)
            heard.append(out.read_bytes())
        if heard[0] == heard[1]:
            raise SetError(f"espeak-ng ignores the variant in {voice.name!r}")
        self._checked.add(voice.name)

    def say(self, voice_key: str, text: str, language: str) -> np.ndarray:
        voice = self._voices[voice_key]
        self._check(voice)
        audio = generate.trim_silence(self._espeak(voice, text))
        return audio * (0.7 / float(np.max(np.abs(audio))))


def _timing(script: dict) -> generate.Settings:
    s = script["speech"]
    return generate.Settings(
        seed=script["seed"],
        speed_wpm=0,
        synth_rate_hz=s["rate_hz"],
        lead_in_s=tuple(s["lead_in_s"]),
        tail_s=tuple(s["tail_s"]),
        gap_s=tuple(s["gap_s"]),
        overlap_s=tuple(s["overlap_s"]),
        hold_s=tuple(s["hold_s"]),
        duration_s=(0.0, 1e9),
    )


def _placed(call: Call, script: dict, synth: Synth) -> tuple[list, float, generate.Settings]:
    spec = SimpleNamespace(
        call_id=call.call_id,
        turns=tuple(generate.Turn(speaker, text) for speaker, text in call.turns if text),
        agent_voice=synth.register(call.agent_voice),
        customer_voice=synth.register(call.customer_voice),
        language=LANGUAGE,
    )
    settings = _timing(script)
    placed, total = generate.layout(spec, synth, settings)  # type: ignore[arg-type]
    return placed, total, settings


def _speed(line: Line) -> Fraction:
    """The line's tape-style speed change as the resampling ratio (times scale by it)."""
    return Fraction(1 / line.speed).limit_denominator(200)


def turn_times(call: Call, script: dict, synth: Synth | None, cache: Path) -> list[dict]:
    """Who speaks when in the rendered audio: ``{"speaker", "start_s", "end_s"}`` per turn,
    cached beside the audio (espeak-ng is needed the first time)."""
    path = cache / f"{call.call_id}-{call.cache_key(script)}.turns.json"
    if not path.exists():
        if synth is None:
            raise SystemExit(f"{path.name} is not cached: render with espeak-ng first")
        placed, _, _ = _placed(call, script, synth)
        scale = float(_speed(call.line))
        turns = [
            {"speaker": p.turn.speaker, "start_s": p.start_s * scale, "end_s": p.end_s * scale}
            for p in placed
        ]
        cache.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(turns))
    return json.loads(path.read_text())


def render(call: Call, script: dict, synth: Synth) -> np.ndarray:
    """(samples, channels) float32 at 16 kHz: agent left and customer right, or one mono mix."""
    placed, total, settings = _placed(call, script, synth)
    stereo = generate.mix(placed, total, settings.synth_rate_hz)
    signals = [stereo.mean(axis=1)] if call.channels == "mono" else [stereo[:, 0], stereo[:, 1]]
    rng = _rng(script["seed"], call.call_id, "line")
    out = [telephone(s, settings.synth_rate_hz, call.line, rng) for s in signals]
    return np.stack(out, axis=1).astype(np.float32)


def telephone(signal: np.ndarray, rate: int, line: Line, rng: np.random.Generator) -> np.ndarray:
    """One channel through the line: speed change, noise at the SNR, codec; back at 16 kHz."""
    speed = _speed(line)
    x = resample_poly(signal, speed.numerator, speed.denominator)  # tape-style: tempo and pitch
    narrow = line.codec != "pcm16k"
    target = 8000 if narrow else RATE_HZ
    ratio = Fraction(target, rate)
    x = resample_poly(x, ratio.numerator, ratio.denominator)
    if line.snr_db is not None:
        x = x + _noise(x, line.snr_db, rng)
    if narrow:
        x = sosfilt(butter(4, [300, 3400], btype="band", fs=8000, output="sos"), x)
        x = g711(x, line.codec)
        x = resample_poly(x, 2, 1)
    else:
        x = np.round(np.clip(x, -1, 1) * 32767) / 32767
    return np.clip(x, -1, 1)


def _noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Pink-ish background noise scaled against the speech's power (silence excluded)."""
    white = rng.standard_normal(len(x))
    spectrum = np.fft.rfft(white)
    freqs = np.arange(len(spectrum), dtype=float)
    spectrum /= np.sqrt(np.maximum(freqs, 1.0))
    noise = np.fft.irfft(spectrum, n=len(x))
    speech = x[np.abs(x) > 0.01]
    power = float(np.mean(speech**2)) if speech.size else 1e-4
    noise *= np.sqrt(power / (10 ** (snr_db / 10)) / float(np.mean(noise**2)))
    return noise


def g711(x: np.ndarray, codec: str) -> np.ndarray:
    """G.711 companding and 8-bit quantisation, encoded and decoded (µ-law or A-law)."""
    x = np.clip(x, -1, 1)
    if codec == "mulaw8k":
        mu = 255.0
        y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
        y = np.round(y * 127) / 127
        return np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu
    a = 87.6
    ax = np.abs(x)
    small = ax < 1 / a
    y = np.where(
        small, a * ax / (1 + np.log(a)), (1 + np.log(np.maximum(a * ax, 1e-12))) / (1 + np.log(a))
    )
    y = np.round(y * 127) / 127
    back = np.where(
        y < 1 / (1 + np.log(a)), y * (1 + np.log(a)) / a, np.exp(y * (1 + np.log(a)) - 1) / a
    )
    return np.sign(x) * back


def audio_for(call: Call, script: dict, synth: Synth | None, cache: Path) -> np.ndarray:
    path = cache / f"{call.call_id}-{call.cache_key(script)}.npy"
    if not path.exists():
        if synth is None:
            raise SystemExit(f"{path.name} is not cached: render with espeak-ng first")
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, render(call, script, synth))
        tmp.replace(path)
    return np.load(path)


def cache_dir(model_cache: str | Path) -> Path:
    return Path(model_cache).expanduser() / "bench-audio" / "french"


def main(argv: list[str] | None = None) -> int:
    from transforms.core.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", action="store_true", help="voice every call into the cache")
    args = parser.parse_args(argv)
    script = load_script()
    card = load_card(script)
    calls = build_calls(script, card) + more_calls(script, card)
    derived = customer_first_calls(script, calls)
    for call in derived:
        check(call, card)
    calls += derived
    cache = cache_dir(Settings.from_env(os.environ).model_cache)
    with tempfile.TemporaryDirectory(prefix="ccr-fr-set-") as tmp:
        synth = Synth(Path(tmp)) if args.render else None
        for call in calls:
            unmet = [c for c, ok in call.labels.items() if not ok]
            line = call.line
            note = f"{line.codec} snr={line.snr_db} speed={line.speed}"
            seconds = ""
            if synth is not None:
                audio = audio_for(call, script, synth, cache)
                turn_times(call, script, synth, cache)
                seconds = f"{len(audio) / RATE_HZ:5.1f}s"
            print(
                f"{call.call_id} {call.channels:<6} {call.agent_voice.key():<24} {note:<34} "
                f"{seconds} unmet={','.join(unmet) or '-'}"
            )
    print(
        json.dumps(
            {
                "calls": len(calls),
                **{s: sum(c.split == s for c in calls) for s in ALL_SPLITS},
                "derived": len(derived),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
