"""Two-speaker diarization for mono calls: VAD speech regions, MFCC statistics, clustering.

A call-centre call has two voices, usually on different handsets and lines, so the spectral
envelope of each (mean and spread of MFCCs over a second of speech) separates them well enough
for a fallback. Cheap by design: a few ms per audio second on one core, numpy only.

The clustering is a plain two-means in numpy rather than scikit-learn's KMeans: importing
scikit-learn costs each transcription worker ~3.5 s, more than diarizing a dozen calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transforms.core.audio import WHISPER_SAMPLE_RATE as SAMPLE_RATE

FRAME = 400  # 25 ms analysis window
HOP = 160  # 10 ms: 100 frames per second
N_MELS = 40
N_MFCC = 20
#: Seconds per clustered window and step: long enough for stable statistics, short enough
#: that most windows hold one voice (turns in a call last seconds).
WINDOW_S = 1.0
STEP_S = 0.25
#: Frames per block of the MFCC computation (one minute): bounds memory on long calls.
BLOCK_FRAMES = 6000


@dataclass(frozen=True)
class Diarization:
    """Per step of ``STEP_S``: speaker label (0/1, −1 outside speech) and its confidence."""

    labels: np.ndarray
    confidence: np.ndarray

    def at(self, t0: float, t1: float) -> tuple[int, float]:
        """Majority speaker over [t0, t1] and the mean confidence of the chosen label."""
        i0 = max(0, int(t0 / STEP_S))
        i1 = min(len(self.labels), max(i0 + 1, int(np.ceil(t1 / STEP_S))))
        lab = self.labels[i0:i1]
        conf = self.confidence[i0:i1]
        voiced = lab >= 0
        if not voiced.any():
            # Word outside any VAD region: take the nearest labelled step.
            idx = np.flatnonzero(self.labels >= 0)
            if idx.size == 0:
                return 0, 0.0
            j = idx[np.argmin(np.abs(idx - (i0 + i1) / 2))]
            return int(self.labels[j]), float(self.confidence[j]) * 0.5
        votes = np.bincount(lab[voiced], minlength=2)
        winner = int(np.argmax(votes))
        return winner, float(conf[voiced][lab[voiced] == winner].mean())

    def speech_s(self, voice: int) -> float:
        """Seconds of speech given to ``voice``, from the audio (whatever Whisper wrote of it)."""
        return float((self.labels == voice).sum()) * STEP_S

    def separation(self) -> float:
        """Mean confidence over the speech: 0.5 when every window sits halfway between the two
        voices' centres (one voice, or voices the features do not tell apart), more the further
        apart the two clusters are."""
        voiced = self.labels >= 0
        return float(self.confidence[voiced].mean()) if voiced.any() else 0.5


def _mel_filterbank(n_fft: int = 512) -> np.ndarray:
    def hz_to_mel(f: np.ndarray | float) -> np.ndarray | float:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    mels = np.linspace(hz_to_mel(80.0), hz_to_mel(3800.0), N_MELS + 2)  # telephone band
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    bins = np.floor((n_fft + 1) * hz / SAMPLE_RATE).astype(int)
    bank = np.zeros((N_MELS, n_fft // 2 + 1), dtype=np.float32)
    for m in range(1, N_MELS + 1):
        lo, mid, hi = bins[m - 1], bins[m], bins[m + 1]
        bank[m - 1, lo:mid] = (np.arange(lo, mid) - lo) / max(mid - lo, 1)
        bank[m - 1, mid:hi] = (hi - np.arange(mid, hi)) / max(hi - mid, 1)
    return bank


_BANK = _mel_filterbank()
_DCT = np.cos(np.pi / N_MELS * (np.arange(N_MELS)[None, :] + 0.5) * np.arange(N_MFCC)[:, None])


def mfcc(audio: np.ndarray) -> np.ndarray:
    """(frames, N_MFCC − 1) MFCCs without c0, so loudness does not decide the speaker.

    Computed a minute at a time in float32: done at once, the spectrum of a 30-minute call
    alone takes over a gigabyte.
    """
    if len(audio) < FRAME:
        return np.zeros((0, N_MFCC - 1), dtype=np.float32)
    n = 1 + (len(audio) - FRAME) // HOP
    window = np.hanning(FRAME).astype(np.float32)
    out = np.empty((n, N_MFCC - 1), dtype=np.float32)
    block = BLOCK_FRAMES
    for i in range(0, n, block):
        j = min(n, i + block)
        frames = np.lib.stride_tricks.sliding_window_view(
            audio[i * HOP : (j - 1) * HOP + FRAME], FRAME
        )[::HOP]
        spec = np.abs(np.fft.rfft(frames * window, n=512).astype(np.complex64)) ** 2
        logmel = np.log(spec @ _BANK.T + 1e-8)
        out[i:j] = (logmel @ _DCT.T.astype(np.float32))[:, 1:]
    return out


def two_means(
    x: np.ndarray, restarts: int = 10, iterations: int = 100, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """k-means with k = 2: labels (0/1) and each row's distance to both centres.

    k-means++ seeding, ``restarts`` tries from a fixed seed (so a re-run gives the same
    labels), the lowest within-cluster sum of squares kept.
    """
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(restarts):
        first = x[rng.integers(len(x))]
        d2 = ((x - first) ** 2).sum(axis=1)
        second = x[rng.choice(len(x), p=d2 / d2.sum())] if d2.sum() > 0 else x[0]
        centres = np.stack([first, second])
        labels = np.zeros(len(x), dtype=np.int64)
        for step in range(iterations):
            dist = np.sqrt(((x[:, None, :] - centres[None]) ** 2).sum(axis=2))
            new = dist.argmin(axis=1)
            if step and np.array_equal(new, labels):
                break
            labels = new
            for k in (0, 1):
                if (labels == k).any():
                    centres[k] = x[labels == k].mean(axis=0)
        inertia = float((dist[np.arange(len(x)), labels] ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, labels, dist)
    assert best is not None
    return best[1], best[2]


def diarize(audio: np.ndarray, regions: list[tuple[float, float]]) -> Diarization:
    """Label each ``STEP_S`` step inside the speech ``regions`` (seconds) with one of two voices."""
    steps = int(np.ceil(len(audio) / SAMPLE_RATE / STEP_S)) + 1
    labels = np.full(steps, -1, dtype=np.int64)
    confidence = np.zeros(steps, dtype=np.float64)
    feats = mfcc(audio)
    voiced = np.zeros(len(feats), dtype=bool)
    for start, end in regions:
        voiced[int(start * 100) : int(np.ceil(end * 100))] = True
    half = int(WINDOW_S * 100 / 2)
    centres, rows = [], []
    for i in range(steps):
        c = int((i + 0.5) * STEP_S * 100)
        if c >= len(feats) or not voiced[c]:
            continue
        lo, hi = max(0, c - half), min(len(feats), c + half)
        window = feats[lo:hi][voiced[lo:hi]]
        if len(window) < 10:
            continue
        centres.append(i)
        rows.append(np.concatenate([window.mean(axis=0), window.std(axis=0)]))
    if len(rows) < 4:
        labels[centres] = 0
        confidence[centres] = 0.5
        return Diarization(labels, confidence)
    x = np.asarray(rows, dtype=np.float64)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    raw, dist = two_means(x)
    # A 5-step median keeps a single odd window from splitting one turn in two.
    padded = np.pad(raw, 2, mode="edge")
    smooth = (np.lib.stride_tricks.sliding_window_view(padded, 5).sum(axis=1) >= 3).astype(int)
    own = dist[np.arange(len(smooth)), smooth]
    other = dist[np.arange(len(smooth)), 1 - smooth]
    labels[centres] = smooth
    confidence[centres] = other / np.maximum(own + other, 1e-9)
    return Diarization(labels, confidence)
