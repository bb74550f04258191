"""Measure the speech-presence check (``aasist.audio.speech``, Silero VAD) that comes before every verdict.

Assembles recordings offline and deterministically (every generated signal has its own fixed seed), finds the speech
in each (seconds, share of the recording) and scores each whole with AASIST and AASIST-L, once as the model alone
would answer (``verdict_for(spoof_probability)``) and once with the check (``result.verdict``: ``no_speech`` under
``MIN_SPEECH_S`` of speech). Classes:
  - real, near-field: the CMU ARCTIC example clips and the 2 s or longer recordings of Debian's
    pocketsphinx-testdata (LibriVox, CMU Sphinx), as ``measure_level.real_recordings`` finds them;
  - real, far-field: six of those, each through five simulated rooms (a synthetic impulse response: the direct
    sound, then exponentially decaying noise with the room's RT60 and a direct-to-reverberant ratio from the
    critical distance), the level falling 6 dB per doubling of distance from -26 dBFS speech at 1 m, over room
    noise (pink noise at -58 dBFS with 50 Hz hum): 1 m to 16 m, RT60 0.3 s to 1.3 s;
  - real, noisy: the same six at -26 dBFS with pink noise 10, 5 and 0 dB under them (noise without a room);
  - real, phone band: six of them resampled to 8 kHz, and band-passed 300-3400 Hz and mu-law coded (G.711), given
    back at 16 kHz; and the GSM example clip;
  - real, short: 1.0, 1.25 and 1.5 s cuts of six of them, and the CMU Sphinx "cards" utterances under 2 s;
  - synthetic: ``measure_level.SENTENCES`` read by espeak-ng, flite and festival voices
    (``measure_level.synthetic_recordings``); synthetic, short: 1.0-1.5 s cuts of seven of them;
  - real, sparse: a real utterance inside room tone four times its length (the little-speech warning);
  - voice-like, no words: a sung vowel, a hum, a vowel sequence (glottal pulses through formant filters);
  - non-speech: sine tones, chirps, white / pink / brown noise, digital silence, room tone with mains hum, music-like
    signals (chords, Karplus-Strong plucked strings, a melody, a drum pattern) and household sounds (fan, clapping,
    applause, typing, DTMF dialling, ring-back tone, rain, bird-like whistles), 6 s each.

Prints, per class and model: n, speech share min / median / max, speech seconds min / max, how many got
``no_speech`` and the ``little_speech`` warning, and which verdicts the check changed; the MIN_SPEECH_S margin
(smallest speech found in speech, largest in non-speech); far-field and non-speech at VAD thresholds 0.3, 0.4 and
0.5, and at 0.5 without the check's levelling (the VAD alone); MIN_SPEECH_S candidates; the VAD's time per
second of audio.

Needs Debian's pocketsphinx-testdata, espeak-ng, flite and festival (festvox-kallpc16k, festvox-kdlpc16k,
festvox-us-slt-hts), like measure_level.py (a missing voice is skipped and named).
Run: python benchmarks/measure_speech_presence.py [--models AASIST,AASIST-L] [--json rows.json] [--markdown]
(about 3 minutes of CPU time on 2 cores; README "Speech presence" holds its table)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import signal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_description, use_local_weights  # noqa: E402

WEIGHTS_SOURCE = use_local_weights()  # $AASIST_WEIGHTS_DIR, ../shared/weights, aasist/pretrained or the Hub

from measure_level import EXAMPLES, SPHINX, real_recordings, synthetic_recordings  # noqa: E402

from aasist import Detector  # noqa: E402
from aasist.audio.decoding import load_audio, prepare_waveform  # noqa: E402
from aasist.inference.detector import NO_SPEECH, verdict_for  # noqa: E402
from aasist.audio.level import input_level  # noqa: E402
from aasist.audio.speech import (LITTLE_SPEECH_SHARE, MIN_SPEECH_S, TARGET_SPEECH_DBFS, THRESHOLD,  # noqa: E402
                                 SpeechFinder)

SR = 16000
NON_SPEECH_S = 6.0
THRESHOLDS = (0.3, 0.4, 0.5)
MIN_SPEECH_CANDIDATES = (0.25, 0.5, 0.75, 1.0, 1.5)
CUT_S = (1.0, 1.25, 1.5)
# Far field: (distance m, RT60 s, room volume m^3). Speech level -26 dBFS at 1 m, 6 dB less per doubling.
ROOMS = ((1, 0.3, 40), (3, 0.5, 120), (6, 0.8, 400), (10, 1.0, 1000), (16, 1.3, 2000))
NEAR_SPEECH_DBFS = -26.0
NOISY_SNR_DB = (10, 5, 0)
ROOM_NOISE_DBFS = -58.0
SPEECH_TRUTHS = ("real", "synthetic")


@dataclass
class Recording:
    name: str
    cls: str  # the row of the summary
    truth: str  # "real", "synthetic", "voice" (voice-like, no words) or "none"
    waveform: np.ndarray  # 16 kHz mono
    group: str = ""  # a finer group inside a class (far-field room, non-speech kind)


@dataclass
class Measured:
    recording: Recording
    seconds: dict  # VAD threshold -> seconds of speech
    share: dict  # VAD threshold -> share of the recording
    spoof_probability: dict = field(default_factory=dict)  # model -> probability
    verdict: dict = field(default_factory=dict)  # model -> verdict with the check
    little: dict = field(default_factory=dict)  # model -> whether the little_speech warning came
    unlevelled_seconds: float = 0.0  # speech found (THRESHOLD) without the VAD's levelling (the VAD alone)


# ---------------------------------------------------------------------------------------------------------------
# Speech material


def trimmed(x: np.ndarray, floor_db: float = -35.0) -> np.ndarray:
    """``x`` from its first to its last 20 ms frame within ``floor_db`` of the loudest (the talk, without the
    recording's own leading and trailing silence)."""
    frames = x[: len(x) // 320 * 320].reshape(-1, 320)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.flatnonzero(db >= db.max() + floor_db)
    return x[loud[0] * 320 : (loud[-1] + 1) * 320]


def cuts(recordings: list, cls: str, seed: int) -> list:
    """1.0, 1.25 and 1.5 s cuts from inside the talk of each recording, at seeded positions."""
    rng = np.random.default_rng(seed)
    out = []
    for r in recordings:
        talk = trimmed(r.waveform)
        for length in CUT_S:
            n = int(length * SR)
            start = int(rng.integers(0, max(1, len(talk) - n)))
            out.append(Recording(f"{r.name} {length:g} s cut", cls, r.truth, talk[start : start + n].copy()))
    return out


def pink(n: int, rng: np.random.Generator, exponent: float = 1.0) -> np.ndarray:
    """Noise with power falling as 1/f**exponent (1: pink, 2: brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1]
    y = np.fft.irfft(spectrum / f ** (exponent / 2), n)
    y -= y.mean()
    return (y / np.sqrt(np.mean(y**2))).astype(np.float32)


def db(x: float) -> float:
    return 10 ** (x / 20)


def room_noise(n: int, rng: np.random.Generator, level_dbfs: float = ROOM_NOISE_DBFS, mains: float = 50.0):
    """Pink noise at ``level_dbfs`` RMS with mains hum (fundamental and two harmonics) 6 dB under it."""
    t = np.arange(n) / SR
    hum = sum(a * np.sin(2 * np.pi * mains * k * t + k) for k, a in ((1, 1.0), (2, 0.5), (3, 0.3)))
    hum = hum / np.sqrt(np.mean(hum**2)) * db(level_dbfs - 6)
    return (pink(n, rng) * db(level_dbfs) + hum).astype(np.float32)


def rir(distance: float, rt60: float, volume: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room impulse response: the direct sound (amplitude 1), then decaying noise with the room's RT60,
    its energy (distance / critical distance)^2 times the direct sound's (Sabine's critical distance
    0.057 sqrt(V / RT60)), slightly darker as it decays."""
    critical = 0.057 * np.sqrt(volume / rt60)
    delay = int(distance / 343 * SR)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    tail = rng.standard_normal(n) * np.exp(-6.908 * t / rt60)
    tail[: int(0.002 * SR)] = 0  # the first reflections a little after the direct sound
    tail = signal.sosfilt(signal.butter(1, 4000, fs=SR, output="sos"), tail)
    tail *= distance / critical / np.sqrt(np.sum(tail**2))
    h = np.zeros(delay + n)
    h[delay] = 1.0
    h[delay:] += tail
    return h


def speech_level(x: np.ndarray) -> float:
    return input_level(x).speech_dbfs


def far_field(recordings: list, seed: int) -> list:
    out = []
    for k, (distance, rt60, volume) in enumerate(ROOMS):
        group = f"{distance} m, RT60 {rt60:g} s"
        for j, r in enumerate(recordings):
            rng = np.random.default_rng(seed + 100 * k + j)
            x = r.waveform / db(speech_level(r.waveform))  # speech at 0 dBFS, for the arithmetic
            y = signal.fftconvolve(x, rir(distance, rt60, volume, rng))[: len(x) + int(0.3 * SR)]
            # Level: -26 dBFS at 1 m, 6 dB less per doubling of distance (the reverberant speech as a whole).
            y = y / db(speech_level(y)) * db(NEAR_SPEECH_DBFS - 20 * np.log10(distance))
            y = (y + room_noise(len(y), rng)).astype(np.float32)
            out.append(Recording(f"{r.name} at {group}", "real, far-field", "real", y, group))
    return out


def noisy(recordings: list, seed: int) -> list:
    """Speech at -26 dBFS with pink noise 10, 5 and 0 dB under it (noise without room or distance)."""
    out = []
    for k, snr in enumerate(NOISY_SNR_DB):
        for j, r in enumerate(recordings):
            rng = np.random.default_rng(seed + 100 * k + j)
            x = r.waveform / db(speech_level(r.waveform)) * db(NEAR_SPEECH_DBFS)
            y = (x + pink(len(x), rng) * db(NEAR_SPEECH_DBFS - snr)).astype(np.float32)
            out.append(Recording(f"{r.name}, pink noise at SNR {snr} dB", "real, noisy", "real", y, f"SNR {snr} dB"))
    return out


def mu_law(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    """G.711 mu-law: compressed, quantised to 8 bits, expanded."""
    y = np.sign(x) * np.log1p(mu * np.abs(np.clip(x, -1, 1))) / np.log1p(mu)
    y = np.round(y * 127) / 127
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu).astype(np.float32)


def phone_band(recordings: list) -> list:
    out = []
    band = signal.butter(4, (300, 3400), btype="bandpass", fs=8000, output="sos")
    for r in recordings:
        narrow = signal.resample_poly(r.waveform, 1, 2).astype(np.float32)
        out.append(Recording(f"{r.name} 8 kHz", "real, phone band", "real", prepare_waveform(narrow, 8000).waveform,
                             "8 kHz"))
        coded = mu_law(signal.sosfiltfilt(band, narrow).astype(np.float32))
        out.append(Recording(f"{r.name} 8 kHz 300-3400 Hz mu-law", "real, phone band", "real",
                             prepare_waveform(coded, 8000).waveform, "300-3400 Hz mu-law"))
    gsm = load_audio(EXAMPLES / "real_arctic_slt_a0009_phone_8khz.wav").waveform
    out.append(Recording("arctic_slt_a0009 GSM example", "real, phone band", "real", gsm, "GSM"))
    return out


def native_short() -> list:
    """The CMU Sphinx "cards" utterances under 2 s, as recorded."""
    out = []
    for path in sorted((SPHINX / "cards").glob("*.wav")):
        x = load_audio(path).waveform
        if len(x) < 2 * SR:
            out.append(Recording(f"sphinx cards {path.stem} ({len(x) / SR:.2f} s)", "real, short", "real", x))
    return out


def sparse(recordings: list, seed: int) -> list:
    """The talk of a real recording at a seeded place in room tone four times its length."""
    out = []
    for j, r in enumerate(recordings):
        rng = np.random.default_rng(seed + j)
        talk = trimmed(r.waveform)
        y = room_noise(4 * len(talk), rng)
        at = int(rng.integers(0, 3 * len(talk)))
        y[at : at + len(talk)] += talk
        out.append(Recording(f"{r.name} in {len(y) / SR:.1f} s of room tone", "real, sparse", "real", y))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Voice-like sounds without words, and non-speech


def _seconds(duration: float = NON_SPEECH_S) -> np.ndarray:
    return np.arange(int(duration * SR)) / SR


def _normalised(x: np.ndarray, peak: float = 0.5) -> np.ndarray:
    return (x / (np.max(np.abs(x)) + 1e-12) * peak).astype(np.float32)


def _envelope(n: int, attack: float, release: float) -> np.ndarray:
    t = np.arange(n) / SR
    return np.minimum(1, t / attack) * np.exp(-t / release)


def glottal_voice(f0: np.ndarray, formants: list, rng: np.random.Generator) -> np.ndarray:
    """Glottal pulses following ``f0`` (Hz per sample), tilted -12 dB/octave, through formant resonators
    ``[(frequency, bandwidth)...]`` per segment (list of lists, one per equal segment), with a little breath."""
    phase = np.cumsum(f0 / SR)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    source = signal.lfilter([1], [1, -1.96, 0.9604], pulses) + 0.02 * rng.standard_normal(len(pulses))
    out = np.zeros_like(source)
    edges = np.linspace(0, len(source), len(formants) + 1).astype(int)
    for (begin, end), vowel in zip(zip(edges[:-1], edges[1:]), formants):
        y = source[begin:end]
        for frequency, bandwidth in vowel:
            r = np.exp(-np.pi * bandwidth / SR)
            y = signal.lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * frequency / SR), r * r], y)
        out[begin:end] = y * _envelope(end - begin, 0.05, 10.0) * np.minimum(1, (end - np.arange(begin, end)) / 800)
    return _normalised(np.diff(out, prepend=0.0), 0.5)


VOWELS = {"a": [(730, 90), (1090, 110), (2440, 170)], "e": [(530, 60), (1840, 100), (2480, 120)],
          "i": [(270, 60), (2290, 100), (3010, 120)], "o": [(570, 70), (840, 80), (2410, 150)],
          "u": [(300, 60), (870, 80), (2240, 120)], "m": [(250, 60), (1000, 300), (2200, 300)]}


def voice_like(seed: int) -> list:
    t = _seconds()
    rng = np.random.default_rng(seed)
    notes = np.repeat([196.0, 220.0, 247.0, 262.0, 247.0, 220.0], len(t) // 6 + 1)[: len(t)]
    vibrato = 1 + 0.02 * np.sin(2 * np.pi * 5.5 * t)
    items = [
        ("sung vowel 'ah', six notes with vibrato", glottal_voice(notes * vibrato, [VOWELS["a"]] * 6, rng)),
        ("hummed 'mm', six notes", glottal_voice(notes * 0.75, [VOWELS["m"]] * 6, rng)),
        ("vowel sequence a-e-i-o-u, falling pitch",
         glottal_voice(np.linspace(160, 110, len(t)), [VOWELS[v] for v in "aeiou"], rng)),
    ]
    return [Recording(name, "voice-like, no words", "voice", x) for name, x in items]


def karplus_strong(frequency: float, duration: float, rng: np.random.Generator) -> np.ndarray:
    period = int(round(SR / frequency))
    n = int(duration * SR)
    out = np.zeros(n)
    buffer = rng.uniform(-1, 1, period)
    for i in range(n):
        out[i] = buffer[i % period]
        buffer[i % period] = 0.996 * 0.5 * (buffer[i % period] + buffer[(i + 1) % period])
    return out


def harmonic_note(frequency: float, duration: float, harmonics: int = 6, release: float = 0.6,
                  vibrato: float = 0.0) -> np.ndarray:
    t = np.arange(int(duration * SR)) / SR
    phase = 2 * np.pi * frequency * (t + vibrato / (2 * np.pi * 5) * (1 - np.cos(2 * np.pi * 5 * t)))
    tone = sum(np.sin(k * phase) / k**1.2 for k in range(1, harmonics + 1))
    return tone * _envelope(len(t), 0.01, release)


def sequence(parts: list) -> np.ndarray:
    return np.concatenate(parts)[: int(NON_SPEECH_S * SR)]


def drums(rng: np.random.Generator) -> np.ndarray:
    n = int(NON_SPEECH_S * SR)
    out = np.zeros(n + SR)
    beat = int(0.25 * SR)  # eighth notes at 120 bpm
    kick_t = np.arange(int(0.3 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 * kick_t + 70 * (1 - np.exp(-kick_t / 0.03)) * 0.03)) * np.exp(-kick_t / 0.12)
    snare_noise = signal.sosfilt(signal.butter(2, (1000, 6000), btype="bandpass", fs=SR, output="sos"),
                                 rng.standard_normal(int(0.2 * SR)))
    snare = (snare_noise * 0.6 + np.sin(2 * np.pi * 190 * np.arange(len(snare_noise)) / SR)) * np.exp(
        -np.arange(len(snare_noise)) / SR / 0.05)
    hat = signal.sosfilt(signal.butter(4, 7000, btype="highpass", fs=SR, output="sos"),
                         rng.standard_normal(int(0.05 * SR))) * np.exp(-np.arange(int(0.05 * SR)) / SR / 0.01)
    for i in range(n // beat):
        at = i * beat
        out[at : at + len(hat)] += 0.3 * hat
        if i % 4 == 0:
            out[at : at + len(kick)] += kick
        if i % 4 == 2:
            out[at : at + len(snare)] += 0.7 * snare
    return out[:n]


def claps(rng: np.random.Generator, per_second: float, spread: bool) -> np.ndarray:
    """Hand claps: 1-3 kHz noise bursts with a fast decay, at ``per_second`` (irregular when ``spread``: applause)."""
    n = int(NON_SPEECH_S * SR)
    out = np.zeros(n + SR)
    count = int(per_second * NON_SPEECH_S)
    times = (np.sort(rng.uniform(0, NON_SPEECH_S, count)) if spread
             else np.arange(count) / per_second + rng.normal(0, 0.01, count).clip(0))
    band = signal.butter(2, (800, 3000), btype="bandpass", fs=SR, output="sos")
    for at in times:
        length = int(0.06 * SR)
        burst = signal.sosfilt(band, rng.standard_normal(length)) * np.exp(-np.arange(length) / SR / 0.008)
        i = int(at * SR)
        out[i : i + length] += burst * rng.uniform(0.5, 1.0)
    return out[:n]


def clicks(rng: np.random.Generator, per_second: float, low: float, high: float, decay: float) -> np.ndarray:
    """Short filtered noise clicks at random times (typing, rain drops)."""
    n = int(NON_SPEECH_S * SR)
    out = np.zeros(n + SR)
    band = signal.butter(2, (low, high), btype="bandpass", fs=SR, output="sos")
    for at in rng.uniform(0, NON_SPEECH_S, int(per_second * NON_SPEECH_S)):
        length = int(6 * decay * SR)
        click = signal.sosfilt(band, rng.standard_normal(length)) * np.exp(-np.arange(length) / SR / decay)
        i = int(at * SR)
        out[i : i + length] += click * rng.uniform(0.3, 1.0)
    return out[:n]


def dtmf(digits: str) -> np.ndarray:
    rows, cols = (697, 770, 852, 941), (1209, 1336, 1477)
    keys = "123456789*0#"
    parts = []
    for d in digits:
        k = keys.index(d)
        t = np.arange(int(0.2 * SR)) / SR
        parts += [np.sin(2 * np.pi * rows[k // 3] * t) + np.sin(2 * np.pi * cols[k % 3] * t), np.zeros(int(0.1 * SR))]
    parts.append(np.zeros(SR * 6))
    return sequence(parts)


def birds(rng: np.random.Generator) -> np.ndarray:
    """Bird-like whistles: 60-150 ms frequency sweeps between 2 and 6 kHz, in phrases."""
    n = int(NON_SPEECH_S * SR)
    out = np.zeros(n + SR)
    at = 0.2
    while at < NON_SPEECH_S:
        length = rng.uniform(0.06, 0.15)
        t = np.arange(int(length * SR)) / SR
        f = np.linspace(rng.uniform(2000, 6000), rng.uniform(2000, 6000), len(t))
        syllable = np.sin(2 * np.pi * np.cumsum(f) / SR) * np.sin(np.pi * t / length)
        i = int(at * SR)
        out[i : i + len(t)] += syllable
        at += length + rng.choice([0.05, 0.08, 0.5])
    return out[:n]


def fan(rng: np.random.Generator) -> np.ndarray:
    """A fan: low-passed noise, blade-pass tone at 45 Hz with harmonics, slowly swelling."""
    t = _seconds()
    noise = signal.sosfilt(signal.butter(2, 800, fs=SR, output="sos"), rng.standard_normal(len(t)))
    blades = sum(np.sin(2 * np.pi * 45 * k * t) / k for k in range(1, 5))
    return (noise / np.std(noise) + 0.3 * blades) * (1 + 0.1 * np.sin(2 * np.pi * 0.3 * t))


def non_speech(seed: int) -> list:
    t = _seconds()
    n = len(t)
    rng = np.random.default_rng(seed)
    items = []

    def add(group: str, name: str, x: np.ndarray, peak: float = 0.5) -> None:
        items.append(Recording(name, group, "none", _normalised(np.asarray(x, np.float64), peak), group))

    for frequency in (100, 440, 1000, 3000):
        add("tones and chirps", f"sine {frequency} Hz", np.sin(2 * np.pi * frequency * t))
    add("tones and chirps", "linear chirp 100-4000 Hz", signal.chirp(t, 100, t[-1], 4000))
    add("tones and chirps", "log chirp 50-7000 Hz", signal.chirp(t, 50, t[-1], 7000, method="logarithmic"))
    add("tones and chirps", "chirp 200-800 Hz up and down, 1 s each",
        np.sin(2 * np.pi * np.cumsum(500 + 300 * signal.sawtooth(2 * np.pi * 0.5 * t, 0.5)) / SR))
    add("noises", "white noise", rng.standard_normal(n), 0.3)
    add("noises", "pink noise", pink(n, rng), 0.3)
    add("noises", "brown noise", pink(n, rng, 2.0), 0.3)
    add("noises", "white noise, 1 s bursts", rng.standard_normal(n) * (np.sin(2 * np.pi * 0.5 * t) > 0), 0.3)
    items.append(Recording("digital silence", "silence and room tone", "none", np.zeros(n, np.float32),
                           "silence and room tone"))
    items.append(Recording("room tone, 50 Hz hum", "silence and room tone", "none", room_noise(n, rng),
                           "silence and room tone"))
    items.append(Recording("room tone, 60 Hz hum, -48 dBFS", "silence and room tone", "none",
                           room_noise(n, rng, -48.0, 60.0), "silence and room tone"))
    c, e, g, a, f, b, d = 261.63, 329.63, 392.0, 440.0, 349.23, 493.88, 293.66
    add("music-like", "chords C-F-G-C, 1.5 s each",
        sequence([sum(harmonic_note(x, 1.5, release=0.8) for x in chord)
                  for chord in ((c, e, g), (f, a, 2 * c), (g, b, 2 * d), (c, e, g))]))
    add("music-like", "plucked strings (Karplus-Strong), arpeggio",
        sequence([karplus_strong(x, 0.375, rng) for x in (c, e, g, 2 * c, g, e) * 3]))
    add("music-like", "plucked strings (Karplus-Strong), bass line",
        sequence([karplus_strong(x / 2, 0.5, rng) for x in (c, c, f, g) * 3]))
    add("music-like", "melody with vibrato (Twinkle Twinkle)",
        sequence([harmonic_note(x, 0.4, release=0.5, vibrato=0.01)
                  for x in (c, c, g, g, a, a, g, g, f, f, e, e, d, d, c)]))
    add("music-like", "drum pattern, 120 bpm", drums(rng))
    add("household sounds", "fan", fan(rng), 0.3)
    add("household sounds", "clapping, 3 claps a second", claps(rng, 3, False))
    add("household sounds", "applause", claps(rng, 40, True))
    add("household sounds", "keyboard typing", clicks(rng, 7, 2000, 6000, 0.004))
    add("household sounds", "rain", clicks(rng, 150, 1000, 7000, 0.002) + 0.05 * rng.standard_normal(n), 0.3)
    add("household sounds", "DTMF dialling 0123456789", dtmf("0123456789"))
    add("household sounds", "ring-back tone (440 + 480 Hz, 2 s on)",
        (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)) * ((t % 6) < 2))
    add("household sounds", "bird-like whistles", birds(rng))
    return items


# ---------------------------------------------------------------------------------------------------------------


def build(workdir: Path) -> list:
    near = [Recording(r.name, "real, near-field", "real", r.waveform) for r in real_recordings()]
    some = near[::2]  # six of the twelve, for the derived classes
    synthetic = [Recording(r.name, "synthetic", "synthetic", r.waveform) for r in synthetic_recordings(workdir)]
    return (near + far_field(some, 1000) + noisy(some, 1500) + phone_band(some) + cuts(some, "real, short", 2000)
            + native_short() + synthetic + cuts(synthetic[::8], "synthetic, short", 3000) + sparse(near[1::3], 4000)
            + voice_like(5000) + non_speech(6000))


def measure(recordings: list, models: list) -> list:
    finders = {t: SpeechFinder(threshold=t) for t in THRESHOLDS}
    unlevelled = SpeechFinder(threshold=THRESHOLD, level_to_dbfs=None)
    detectors = {m: Detector.from_pretrained(m) for m in models}
    rows = []
    for i, r in enumerate(recordings):
        presences = {t: f.find(r.waveform) for t, f in finders.items()}
        row = Measured(r, {t: p.seconds for t, p in presences.items()}, {t: p.share for t, p in presences.items()})
        row.unlevelled_seconds = unlevelled.find(r.waveform).seconds
        for m, d in detectors.items():
            result = d.analyze(r.waveform, sample_rate=SR, speech=presences[THRESHOLD])
            row.spoof_probability[m] = result.spoof_probability
            row.verdict[m] = result.verdict
            row.little[m] = any(w.code == "little_speech" for w in result.warnings)
        rows.append(row)
        print(f"\rmeasured {i + 1}/{len(recordings)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return rows


CLASS_ORDER = ("real, near-field", "real, far-field", "real, noisy", "real, phone band", "real, short", "real, sparse",
               "synthetic", "synthetic, short", "voice-like, no words", "tones and chirps", "noises",
               "silence and room tone", "music-like", "household sounds")


def changes(rows: list, model: str) -> str:
    """The verdicts the check turned into no_speech, e.g. "6 spoof, 1 bona fide"."""
    changed = Counter(verdict_for(r.spoof_probability[model]) for r in rows if r.verdict[model] == NO_SPEECH)
    return ", ".join(f"{changed[v]} {v}" for v in ("spoof", "bona fide") if changed[v]) or "none"


def model_alone(rows: list, model: str) -> str:
    """The model's own verdicts: "spoof / bona fide" counts."""
    spoof = sum(verdict_for(r.spoof_probability[model]) != "bona fide" for r in rows)
    return f"{spoof} / {len(rows) - spoof}"


def print_summary(rows: list, models: list, markdown: bool) -> None:
    t = THRESHOLD
    print(f"\n(a) Per class (VAD threshold {t:g}, MIN_SPEECH_S {MIN_SPEECH_S:g} s, little_speech under "
          f"{LITTLE_SPEECH_SHARE:.0%}): speech share min / median / max, speech seconds min / max, no_speech and "
          "little_speech (the same for both models: one speech check), each model's own verdicts (spoof / bona fide) "
          "and those the check turned into no_speech")
    header = ["class", "n", "speech share min / median / max", "speech s min / max", "no_speech", "little_speech"]
    for m in models:
        header += [f"{m} alone: spoof / bona fide", f"{m}: turned into no_speech"]
    lines = []
    for cls in CLASS_ORDER:
        group = [r for r in rows if r.recording.cls == cls]
        if not group:
            continue
        share = np.array([r.share[t] for r in group])
        seconds = np.array([r.seconds[t] for r in group])
        cells = [cls, str(len(group)),
                 f"{share.min():.0%} / {np.median(share):.0%} / {share.max():.0%}",
                 f"{seconds.min():.2f} / {seconds.max():.2f}",
                 str(sum(r.verdict[models[0]] == NO_SPEECH for r in group)),
                 str(sum(r.little[models[0]] for r in group))]
        for m in models:
            cells += [model_alone(group, m), changes(group, m)]
        lines.append(cells)
    if markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(c[i]) for c in [header] + lines) for i in range(len(header))]
        for cells in [header] + lines:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
    for m in models[1:]:
        differ = [r for r in rows if (r.verdict[m] == NO_SPEECH) != (r.verdict[models[0]] == NO_SPEECH)]
        print(f"{m} and {models[0]} differ on no_speech for {len(differ)} recordings")


def print_lists(rows: list, models: list) -> None:
    t = THRESHOLD
    speech = [r for r in rows if r.recording.truth in SPEECH_TRUTHS]
    others = [r for r in rows if r.recording.truth not in SPEECH_TRUTHS]
    print(f"\n(b) Speech recordings that lost their verdict (under {MIN_SPEECH_S:g} s of speech found):")
    for r in sorted(speech, key=lambda r: r.seconds[t]):
        if r.verdict[models[0]] == NO_SPEECH:
            alone = ", ".join(f"{m} {verdict_for(r.spoof_probability[m])} ({r.spoof_probability[m]:.2f})"
                              for m in models)
            print(f"  {r.recording.cls}: {r.recording.name}: {r.seconds[t]:.2f} s of speech; alone: {alone}")
    found = [r for r in others if r.seconds[t] > 0]
    print(f"Non-speech and voice-like recordings with any speech found: {'none' if not found else ''}")
    for r in sorted(found, key=lambda r: -r.seconds[t]):
        verdicts = ", ".join(f"{m} {r.verdict[m]} ({r.spoof_probability[m]:.2f})" for m in models)
        print(f"  {r.recording.cls}: {r.recording.name}: {r.seconds[t]:.2f} s of speech ({r.share[t]:.0%}); {verdicts}")
    print("\n(c) Margin: the least speech found in speech recordings, per class (the three smallest), and the most "
          "found in non-speech")
    for cls in CLASS_ORDER:
        group = sorted((r for r in rows if r.recording.cls == cls), key=lambda r: r.seconds[t])
        if not group:
            continue
        if group[0].recording.truth in SPEECH_TRUTHS:
            items = group[:3]
            what = "smallest"
        else:
            items = group[::-1][:3]
            what = "largest"
        print(f"  {cls:<24} {what}: " + "; ".join(f"{r.seconds[t]:.2f} s {r.recording.name}" for r in items))
    near_enough = [r for r in speech if r.recording.cls != "real, far-field"]
    print(f"  speech (all classes): smallest {min(r.seconds[t] for r in speech):.2f} s; "
          f"without far-field {min(r.seconds[t] for r in near_enough):.2f} s")
    none = [r for r in others if r.recording.truth == "none"]
    print(f"  non-speech: largest {max(r.seconds[t] for r in none):.2f} s; voice-like: largest "
          f"{max((r.seconds[t] for r in others if r.recording.truth == 'voice'), default=0):.2f} s")


def print_far_field(rows: list) -> None:
    print("\n(d) Far-field rooms and non-speech at each VAD threshold: speech share median, speech seconds min, "
          f"how many under MIN_SPEECH_S ({MIN_SPEECH_S:g} s); and the speech level of the reverberant speech and "
          f"its SNR against the room noise. Last column: threshold {THRESHOLD:g} without the check's levelling "
          f"(the VAD hearing the samples as they are, not brought up to {TARGET_SPEECH_DBFS:g} dBFS speech level)")
    columns = [f"{t:g}" for t in THRESHOLDS] + [f"{THRESHOLD:g} unlevelled"]
    far = [r for r in rows if r.recording.cls == "real, far-field"]
    for distance, rt60, volume in ROOMS:
        group_name = f"{distance} m, RT60 {rt60:g} s"
        group = [r for r in far if r.recording.group == group_name]
        level = NEAR_SPEECH_DBFS - 20 * np.log10(distance)
        cells = [f"share {np.median([r.share[t] for r in group]):>4.0%}, min {min(r.seconds[t] for r in group):.2f} s,"
                 f" {sum(r.seconds[t] < MIN_SPEECH_S for r in group)}/{len(group)} no_speech" for t in THRESHOLDS]
        cells.append(f"min {min(r.unlevelled_seconds for r in group):.2f} s, "
                     f"{sum(r.unlevelled_seconds < MIN_SPEECH_S for r in group)}/{len(group)} no_speech")
        print(f"  {group_name:<18} ({level:.0f} dBFS, SNR {level - ROOM_NOISE_DBFS:.0f} dB, "
              f"critical distance {0.057 * np.sqrt(volume / rt60):.1f} m): "
              + " | ".join(f"{t}: {c}" for t, c in zip(columns, cells)))
    for truth, label in (("none", "non-speech"), ("voice", "voice-like, no words")):
        group = [r for r in rows if r.recording.truth == truth]
        cells = [(max(r.seconds[t] for r in group), sum(r.seconds[t] >= MIN_SPEECH_S for r in group))
                 for t in THRESHOLDS]
        cells.append((max(r.unlevelled_seconds for r in group), sum(r.unlevelled_seconds >= MIN_SPEECH_S for r in group)))
        print(f"  {label:<18}: " + " | ".join(f"{t}: max {most:.2f} s, {n}/{len(group)} would get a verdict"
                                               for t, (most, n) in zip(columns, cells)))
    speech = [r for r in rows if r.recording.truth in SPEECH_TRUTHS]
    counts = [sum(r.seconds[t] < MIN_SPEECH_S for r in speech) for t in THRESHOLDS]
    counts.append(sum(r.unlevelled_seconds < MIN_SPEECH_S for r in speech))
    print("  all speech recordings: "
          + " | ".join(f"{t}: {n}/{len(speech)} no_speech" for t, n in zip(columns, counts)))


def print_min_speech(rows: list) -> None:
    t = THRESHOLD
    print(f"\n(e) MIN_SPEECH_S candidates (VAD threshold {t:g}): speech recordings without a verdict, per class; "
          "non-speech and voice-like recordings with one")
    for candidate in MIN_SPEECH_CANDIDATES:
        lost = Counter(r.recording.cls for r in rows
                       if r.recording.truth in SPEECH_TRUTHS and r.seconds[t] < candidate)
        kept = Counter(r.recording.truth for r in rows
                       if r.recording.truth not in SPEECH_TRUTHS and r.seconds[t] >= candidate)
        by_class = ", ".join(f"{k} {v}" for k, v in lost.items()) or "-"
        print(f"  {candidate:>4g} s: speech lost {sum(lost.values()):>2} ({by_class});"
              f" non-speech kept {kept.get('none', 0)}, voice-like kept {kept.get('voice', 0)}")


def vad_time(rows: list) -> None:
    x = np.concatenate([r.recording.waveform for r in rows if r.recording.cls == "real, near-field"])
    finder = SpeechFinder()
    finder.find(x)
    wall, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        finder.find(x)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    per_s = 1000 / (len(x) / SR)
    print(f"\n(f) VAD time per second of audio (median of 5 on {len(x) / SR:.0f} s of speech, one thread): "
          f"{np.median(wall) * per_s:.2f} ms wall-clock, {np.median(cpu) * per_s:.2f} ms of CPU (the two differ on a "
          "busy machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="AASIST,AASIST-L")
    parser.add_argument("--json", type=Path, help="also write every recording's measurements here")
    parser.add_argument("--markdown", action="store_true", help="print the per-class table as Markdown")
    args = parser.parse_args()
    models = args.models.split(",")
    print(f"machine: {machine_description()}; weights: {WEIGHTS_SOURCE}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        recordings = build(Path(tmp))
    rows = measure(recordings, models)
    print(f"{len(rows)} recordings, {sum(len(r.recording.waveform) for r in rows) / SR / 60:.1f} min of audio, "
          f"measured in {time.perf_counter() - started:.0f} s")
    print_summary(rows, models, args.markdown)
    print_lists(rows, models)
    print_far_field(rows)
    print_min_speech(rows)
    vad_time(rows)
    if args.json:
        args.json.write_text(json.dumps([{
            "name": r.recording.name, "class": r.recording.cls, "truth": r.recording.truth,
            "group": r.recording.group, "duration_s": round(len(r.recording.waveform) / SR, 3),
            "seconds": {str(t): round(v, 3) for t, v in r.seconds.items()},
            "share": {str(t): round(v, 4) for t, v in r.share.items()},
            "spoof_probability": r.spoof_probability, "verdict": r.verdict, "little_speech": r.little}
            for r in rows], indent=1))


if __name__ == "__main__":
    main()
