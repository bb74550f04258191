"""Decoding: every format, rate, channel count and sample encoding to mono float32 at 16 kHz; clear errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio

from aasist.audio.decoding import (RESAMPLING, SUPPORTED_FORMATS, Audio, AudioError, load_audio, prepare_waveform,
                                   resample)
from aasist.models.model import MIN_SAMPLES, SAMPLE_RATE
from numerics import assert_within_summation_bound, resampler_difference_bound

EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"
HAS_MP3 = "MP3" in sf.available_formats()


def tone(rate: int, seconds: float = 0.5, freq: float = 440.0, amplitude: float = 0.5, channels: int = 1):
    t = np.arange(int(rate * seconds)) / rate
    x = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return x if channels == 1 else np.repeat(x[:, None], channels, axis=1)


def peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)[np.argmax(spectrum)])


def assert_user_message(err: pytest.ExceptionInfo, *fragments: str) -> None:
    """One plain sentence: capitalised, one line, a single full stop at the end, no exception jargon."""
    message = str(err.value)
    assert message[0].isupper() and message.endswith("."), message
    assert "\n" not in message and not re.search(r"\.\s", message), message
    for jargon in ("Traceback", "Error", "errno", "libsndfile", "<_io", "0x"):
        assert jargon not in message, message
    for fragment in fragments:
        assert fragment in message, message


# --- formats, rates, channels --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "ext, fmt, subtype",
    [
        ("wav", "WAV", "PCM_16"),
        ("wav", "WAV", "PCM_24"),
        ("wav", "WAV", "PCM_32"),
        ("wav", "WAV", "PCM_U8"),
        ("wav", "WAV", "FLOAT"),
        ("wav", "WAV", "DOUBLE"),
        ("wav", "WAV", "ULAW"),
        ("flac", "FLAC", "PCM_16"),
        ("flac", "FLAC", "PCM_24"),
        ("ogg", "OGG", "VORBIS"),
        ("ogg", "OGG", "OPUS"),
        ("aiff", "AIFF", "PCM_16"),
        pytest.param("mp3", "MP3", "MPEG_LAYER_III",
                     marks=pytest.mark.skipif(not HAS_MP3, reason="libsndfile without MP3")),
    ],
)
def test_formats_decode_to_mono_float32_16k(tmp_path, ext, fmt, subtype):
    rate = 48000 if subtype == "OPUS" else 16000  # Opus only takes 8/12/16/24/48 kHz; 48 is its native rate
    path = tmp_path / f"tone.{ext}"
    sf.write(path, tone(rate), rate, format=fmt, subtype=subtype)
    audio = load_audio(path)
    assert (audio.format, audio.subtype, audio.sample_rate, audio.channels) == (fmt, subtype, rate, 1)
    assert audio.waveform.dtype == np.float32 and audio.waveform.ndim == 1
    assert abs(len(audio.waveform) - SAMPLE_RATE * 0.5) <= 0.02 * SAMPLE_RATE  # codecs may pad a little
    middle = audio.waveform[1000:-1000]
    assert abs(peak_hz(middle) - 440) < 40
    # Raw scale, not normalised: amplitude 0.5 stays 0.5 (lossy codecs within a few percent).
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.08)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000, 96000, 192000])
@pytest.mark.parametrize("channels", [1, 2, 8])
def test_any_rate_and_channel_count(tmp_path, rate, channels):
    path = tmp_path / "tone.wav"
    sf.write(path, tone(rate, channels=channels), rate, subtype="PCM_24")
    audio = load_audio(path)
    assert (audio.sample_rate, audio.channels, audio.duration_s) == (rate, channels, pytest.approx(0.5))
    assert len(audio.waveform) == SAMPLE_RATE // 2
    middle = audio.waveform[500:-500]
    assert abs(peak_hz(middle) - 440) < 40
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_high_frequencies_are_filtered_not_aliased(tmp_path):
    # A 12 kHz tone at 48 kHz is above the 8 kHz Nyquist limit of the output: it must vanish, not fold to 4 kHz.
    path = tmp_path / "high.wav"
    sf.write(path, tone(48000, freq=12000.0), 48000, subtype="FLOAT")
    assert np.abs(load_audio(path).waveform[100:-100]).max() < 1e-3  # away from the abrupt start and end


@pytest.mark.parametrize("rate", [8000, 12000, 32000, 44100, 48000, 96000])
@pytest.mark.parametrize("extra", [0, 7])
def test_resampler_is_torchaudios(rate, extra):
    # Where one rate divides the other, the filter runs as a bank of shifted kernels: the same numbers, faster.
    x = np.random.default_rng(rate).standard_normal(rate // 2 + extra).astype(np.float32)
    expected = torchaudio.transforms.Resample(rate, SAMPLE_RATE, **RESAMPLING)(torch.from_numpy(x)).numpy()
    # The same sums, in another order (torchaudio convolves the whole signal at once): float rounding only.
    assert_within_summation_bound(resample(x, rate), expected, resampler_difference_bound(x, rate))


def test_downmix_is_the_mean_of_channels(tmp_path):
    stereo = np.stack([tone(16000), np.zeros(8000, np.float32)], axis=1)
    path = tmp_path / "left_only.wav"
    sf.write(path, stereo, 16000, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(path).waveform, stereo[:, 0] / 2, atol=1e-7)


def test_float_samples_beyond_full_scale_are_kept(tmp_path):
    path = tmp_path / "loud.wav"
    sf.write(path, tone(16000, amplitude=2.0), 16000, subtype="FLOAT")
    assert np.abs(load_audio(path).waveform).max() == pytest.approx(2.0, rel=1e-3)


# --- sources: path, bytes, file objects ------------------------------------------------------------------------------

def test_path_bytes_and_file_objects_agree(tmp_path):
    path = tmp_path / "tone.flac"
    sf.write(path, tone(44100, channels=2), 44100)
    from_path = load_audio(path).waveform
    np.testing.assert_array_equal(load_audio(str(path)).waveform, from_path)
    np.testing.assert_array_equal(load_audio(path.read_bytes()).waveform, from_path)
    with open(path, "rb") as f:
        np.testing.assert_array_equal(load_audio(f).waveform, from_path)

    class Stream(io.RawIOBase):  # an upload that can only be read forwards
        def __init__(self, data: bytes):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    np.testing.assert_array_equal(load_audio(Stream(path.read_bytes())).waveform, from_path)


def test_unknown_extension_is_decoded_by_content(tmp_path):
    path = tmp_path / "recording.xyz"
    sf.write(path, tone(16000), 16000, format="WAV")
    assert load_audio(path).format == "WAV"


def test_encoding_that_cannot_seek(tmp_path):
    # libsndfile can neither seek in nor count GSM 6.10 frames; they are read in blocks.
    path = tmp_path / "gsm.wav"
    sf.write(path, tone(8000, seconds=1.0), 8000, subtype="GSM610")
    assert abs(load_audio(path).duration_s - 1.0) < 0.05
    short = load_audio(path, max_duration_s=0.5)
    assert short.truncated and len(short.waveform) == SAMPLE_RATE // 2


def test_max_duration_reads_only_the_start(tmp_path):
    x = tone(44100, seconds=2.0)
    path = tmp_path / "long.flac"
    sf.write(path, x, 44100)
    full = load_audio(path)
    head = load_audio(path, max_duration_s=1.0)
    assert not full.truncated and head.truncated
    assert head.duration_s == pytest.approx(1.0) and len(head.waveform) == SAMPLE_RATE
    # The same samples as the start of the full decode, apart from the resampler's edge.
    np.testing.assert_allclose(head.waveform[:-200], full.waveform[: SAMPLE_RATE - 200], atol=1e-5)
    assert not load_audio(path, max_duration_s=2.0).truncated
    assert not load_audio(path, max_duration_s=5.0).truncated


@pytest.mark.skipif(not HAS_MP3, reason="libsndfile without MP3")
def test_max_duration_on_mp3(tmp_path):
    path = tmp_path / "long.mp3"
    sf.write(path, tone(16000, seconds=2.0), 16000)
    head = load_audio(path, max_duration_s=0.5)
    assert head.truncated and len(head.waveform) == SAMPLE_RATE // 2


# --- arrays from Python --------------------------------------------------------------------------------------------

def test_array_shapes():
    mono = tone(16000)
    stereo = np.stack([mono, -mono], axis=1) * 0.5 + mono[:, None] * 0.5  # channels (mono, 0)
    np.testing.assert_array_equal(prepare_waveform(mono, 16000).waveform, mono)
    for array in (stereo, stereo.T, np.ascontiguousarray(stereo.T)):
        audio = prepare_waveform(array, 16000)
        assert audio.channels == 2
        np.testing.assert_allclose(audio.waveform, mono / 2, atol=1e-7)
    assert prepare_waveform(mono[None, :], 16000).channels == 1
    assert prepare_waveform(tone(16000, channels=16), 16000).channels == 16


def test_array_does_not_share_memory():
    x = tone(16000)
    audio = prepare_waveform(x, 16000)
    x[:] = 0
    assert np.abs(audio.waveform).max() > 0.4


@pytest.mark.parametrize("subtype, dtype", [("PCM_16", np.int16), ("PCM_32", np.int32), ("PCM_U8", np.uint8)])
def test_integer_arrays_scale_like_files(tmp_path, subtype, dtype):
    path = tmp_path / "pcm.wav"
    x = tone(16000, amplitude=0.9)
    sf.write(path, x, 16000, subtype=subtype)
    if dtype is np.uint8:
        raw = np.frombuffer(path.read_bytes()[44:], np.uint8)  # soundfile does not return unsigned 8-bit
    else:
        raw = sf.read(path, dtype=np.dtype(dtype).name)[0]
    np.testing.assert_array_equal(prepare_waveform(raw, 16000).waveform, load_audio(path).waveform)


def test_float64_and_resampling_arrays():
    audio = prepare_waveform(tone(44100).astype(np.float64), 44100)
    assert audio.waveform.dtype == np.float32 and len(audio.waveform) == SAMPLE_RATE // 2
    assert (audio.sample_rate, audio.format, audio.truncated) == (44100, None, False)


@pytest.mark.parametrize(
    "array, fragment",
    [
        (np.zeros((20, 20), np.float32), "Cannot tell the channels"),
        (np.zeros((40, 30000), np.float32), "Cannot tell the channels"),
        (np.zeros((2, 2, 1000), np.float32), "3 dimensions"),
        (np.zeros(0, np.float32), "empty"),
        (np.zeros(1000, np.int64), "int64"),
        (np.zeros(1000, np.complex64), "complex64"),
        (np.array([0.1, np.nan] * 1000, np.float32), "NaN or infinity"),
    ],
)
def test_bad_arrays(array, fragment):
    with pytest.raises(AudioError) as err:
        prepare_waveform(array, 16000)
    assert_user_message(err, fragment)


@pytest.mark.parametrize("rate", [0, 2000, 3999, 384001, 1_000_000, 16000.5])
def test_sample_rate_out_of_range(rate):
    with pytest.raises(AudioError) as err:
        prepare_waveform(tone(16000), rate)
    assert_user_message(err, "between 4000 and 384000 Hz")


# --- bad files -----------------------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "nope.wav")
    assert_user_message(err, "'nope.wav' does not exist")


def test_folder(tmp_path):
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path)
    assert_user_message(err, "is a folder")


def test_empty_file_and_bytes(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    for source in (path, b"", io.BytesIO()):
        with pytest.raises(AudioError) as err:
            load_audio(source)
        assert_user_message(err, "empty (0 bytes)")


def test_wav_with_zero_samples(tmp_path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros((0, 1), np.float32), 16000)
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert_user_message(err, "'zero.wav' contains no audio samples")


@pytest.mark.parametrize("name, content", [
    ("notes.wav", b"This is a text file with a .wav name.\n" * 10),
    ("movie.m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isommp42" + bytes(200)),
    ("data.xyz", bytes(range(256)) * 8),
])
def test_not_audio_or_unsupported_format(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert_user_message(err, f"'{name}' is not an audio file in a supported format", *SUPPORTED_FORMATS)


def test_truncated_flac(tmp_path):
    path = tmp_path / "cut.flac"
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 16000 * 2).astype(np.float32)
    sf.write(path, noise, 16000)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert_user_message(err, "'cut.flac' is damaged or incomplete")


def test_wav_with_a_broken_header(tmp_path):
    path = tmp_path / "header.wav"
    sf.write(path, tone(16000), 16000)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert_user_message(err, "damaged or incomplete")


def test_truncated_wav_keeps_what_is_there(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, tone(16000), 16000)
    path.write_bytes(path.read_bytes()[: 44 + 2 * 4000])
    assert len(load_audio(path).waveform) == 4000


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_samples(tmp_path, bad):
    x = tone(16000)
    x[100] = bad
    path = tmp_path / "bad.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert_user_message(err, "NaN or infinity")


def test_file_sample_rate_out_of_range(tmp_path):
    path = tmp_path / "low.wav"
    sf.write(path, tone(2000), 2000)
    with pytest.raises(AudioError) as err:
        load_audio(path)
    assert_user_message(err, "2000 Hz is not supported")


def test_wrong_source_type():
    with pytest.raises(TypeError):
        load_audio(12345)


# --- the example clips ---------------------------------------------------------------------------------------------

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.wav"))


def test_examples_exist():
    names = [p.name for p in EXAMPLE_FILES]
    assert sum(n.startswith("real_") for n in names) >= 2 and sum(n.startswith("synthetic_") for n in names) >= 2
    assert sum(p.stat().st_size for p in EXAMPLES.iterdir()) < 1_500_000


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_decode(path):
    audio = load_audio(path)
    assert isinstance(audio, Audio) and audio.long_enough and audio.num_samples > MIN_SAMPLES
    assert audio.channels == 1 and audio.subtype == "PCM_16"
    assert audio.sample_rate == (8000 if "8khz" in path.name else 16000)
    assert 3.0 <= audio.duration_s <= 8.0
    assert 0.1 < np.abs(audio.waveform).max() <= 1.0
