"""Decode a recording into what the model takes: mono float32 samples at 16 kHz, on their raw [-1, 1] scale.

Files are decoded with libsndfile (through soundfile), so WAV, FLAC, OGG (Vorbis or Opus), MP3 and AIFF are read
at any sample rate, channel count and sample format. Arrays from Python go through ``prepare_waveform``, the same
path after decoding. The level is never normalised: the model was trained on unnormalised samples.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union

import numpy as np
import soundfile as sf
import torch
import torchaudio

from ..models.model import MIN_SAMPLES, SAMPLE_RATE

SUPPORTED_FORMATS = ("WAV", "FLAC", "OGG", "MP3", "AIFF")
MIN_SAMPLE_RATE = 4000
MAX_SAMPLE_RATE = 384000
MAX_ARRAY_CHANNELS = 16  # the largest axis of a 2-D array we accept as channels

# Kaiser-windowed sinc (the window of librosa's "kaiser_best", with a wider band): at 16 kHz output it is flat to
# 7.5 kHz (-0.2 dB), -12 dB at 7.9 kHz and -84 dB from 8.3 kHz, so the model's whole band is kept and almost nothing
# folds back into it (like sox's default). torchaudio's default (Hann, width 6, rolloff 0.99) lets a 9 kHz tone
# alias to 7 kHz at only -17 dB. On 2 CPU cores a minute of audio takes 10-70 ms from any common rate.
RESAMPLING = dict(resampling_method="sinc_interp_kaiser", lowpass_filter_width=64, rolloff=0.975,
                  beta=14.769656459379492)
MIN_CONV_CHANNELS = 64
DECODE_BLOCK_SAMPLES = 1 << 20  # samples (frames x channels) decoded at a time: 4 MB of float32
RESAMPLE_CHUNK_SAMPLES = 1 << 22  # input samples per convolution call (16 MB); larger calls are faster

AudioSource = Union[str, os.PathLike, bytes, bytearray, BinaryIO]


class AudioError(ValueError):
    """The input cannot be turned into audio for the model; the message is one sentence meant for users."""


@dataclass(frozen=True)
class Audio:
    waveform: np.ndarray = field(repr=False, compare=False)  # mono float32 at SAMPLE_RATE, raw [-1, 1] scale
    sample_rate: int  # of the input, before resampling
    channels: int  # of the input, before the downmix
    duration_s: float  # of what was decoded
    format: Optional[str] = None  # libsndfile's name, e.g. "WAV"; None for arrays
    subtype: Optional[str] = None  # sample encoding, e.g. "PCM_16", "FLOAT", "VORBIS"
    truncated: bool = False  # True when max_duration_s cut the recording short

    @property
    def num_samples(self) -> int:
        return len(self.waveform)

    @property
    def long_enough(self) -> bool:
        """Whether the model can take it at all (the detector decides what to do when not)."""
        return self.num_samples >= MIN_SAMPLES


def load_audio(source: AudioSource, max_duration_s: Optional[float] = None) -> Audio:
    """Decode a file path, the bytes of a file or a binary file object.

    ``max_duration_s`` decodes only the first that many seconds (only those frames are read) and sets
    ``Audio.truncated`` when the recording was longer. Decoding runs block by block (read, downmix, resample), so
    memory grows with the 16 kHz mono result only, whatever the file's channel count and sample rate: a small
    compressed file of 8-channel 192 kHz silence cannot make it allocate gigabytes.
    """
    with DecodedStream(source, max_duration_s) as decoded:
        blocks = list(decoded.blocks())
    return decoded.audio(np.concatenate(blocks) if blocks else np.zeros(0, np.float32))


class DecodedStream:
    """A file decoded block by block into mono float32 at 16 kHz, never whole: ``load_audio`` joins the blocks, and
    ``Detector.analyze`` on a file measures and scores them as they come, so that a recording of any length takes
    bounded memory.

        with DecodedStream("long.flac") as decoded:
            for samples in decoded.blocks():   # 16 kHz; together, exactly what load_audio returns
                ...
            decoded.audio(np.zeros(0))         # what load_audio would say about the file (rate, duration, ...)

    Errors are ``AudioError`` sentences, raised on opening or while decoding.
    """

    def __init__(self, source: AudioSource, max_duration_s: Optional[float] = None):
        self._name, stream = _open(source)
        try:
            self._file = sf.SoundFile(stream)
        except sf.LibsndfileError as err:
            raise _decode_error(self._name, err) from err
        try:
            _check_sample_rate(self._file.samplerate)
        except AudioError:
            self._file.close()
            raise
        self.sample_rate = int(self._file.samplerate)
        self.channels = int(self._file.channels)
        self._limit = None if max_duration_s is None else max(1, math.ceil(max_duration_s * self.sample_rate))
        self.frames = 0  # decoded so far
        self.truncated = False

    def __enter__(self) -> "DecodedStream":
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    @property
    def expected_samples(self) -> Optional[int]:
        """The 16 kHz length the header announces (a guess for some formats, e.g. MP3), None when it has none."""
        frames = self._file.frames
        if not 0 < frames < 2 ** 62:  # libsndfile's count for a stream it cannot seek is huge
            return None
        if self._limit is not None:
            frames = min(frames, self._limit)
        return math.ceil(frames * SAMPLE_RATE / self.sample_rate)

    def blocks(self) -> Iterator[np.ndarray]:
        """16 kHz mono blocks, in order, of up to ``max_duration_s``.

        One frame past the limit is read to tell whether there was more: the header's count is a guess for some
        formats (MP3), and some encodings (GSM 6.10 in WAV, for one) cannot seek, so libsndfile cannot count their
        frames at all.
        """
        file, limit = self._file, self._limit
        block = max(1024, DECODE_BLOCK_SAMPLES // max(1, self.channels))
        resampler = StreamResampler(self.sample_rate)
        try:
            while not self.truncated:
                wanted = block if limit is None else min(block, limit + 1 - self.frames)
                data = file.read(wanted, dtype="float32", always_2d=True)
                if len(data) == 0:
                    break
                if limit is not None and self.frames + len(data) > limit:
                    data, self.truncated = data[: limit - self.frames], True
                self.frames += len(data)
                resampler.push(_downmix(data))
                if len(out := resampler.read()):
                    yield out
        except sf.LibsndfileError as err:
            raise _decode_error(self._name, err) from err
        if self.frames == 0:
            raise AudioError(f"{_capital(self._name)} contains no audio samples; choose a file that contains a "
                             "recording.")
        if len(out := resampler.finish()):
            yield out

    def audio(self, waveform: np.ndarray) -> Audio:
        """The ``Audio`` of what was decoded, with ``waveform`` as its samples (empty when they were not kept)."""
        file = self._file
        return Audio(waveform, self.sample_rate, self.channels, self.frames / self.sample_rate, file.format,
                     file.subtype, self.truncated)


def read_blocks(source: AudioSource, block_s: float = 0.1) -> Iterator[tuple[np.ndarray, int]]:
    """Decode a file block by block, without downmix or resampling: (frames, channels) float32 blocks of ``block_s``
    seconds with the file's sample rate, for streams (``aasist.inference.streaming``). Errors are ``load_audio``'s
    sentences."""
    name, stream = _open(source)
    frames = 0
    try:
        with sf.SoundFile(stream) as file:
            _check_sample_rate(file.samplerate)
            block = max(1, round(block_s * file.samplerate))
            while len(data := file.read(block, dtype="float32", always_2d=True)):
                frames += len(data)
                yield data, int(file.samplerate)
    except sf.LibsndfileError as err:
        raise _decode_error(name, err) from err
    if frames == 0:
        raise AudioError(f"{_capital(name)} contains no audio samples; choose a file that contains a recording.")


PCM_FORMATS = {"s16le": np.dtype("<i2"), "f32le": np.dtype("<f4")}  # raw sample formats, ffmpeg's names
MAX_RAW_FLOAT = 100.0  # 40 dB over full scale: larger f32le "samples" are the bytes of another format


def read_pcm_blocks(stream: BinaryIO, sample_format: str, sample_rate: int, channels: int = 1,
                    block_s: float = 0.1) -> Iterator[np.ndarray]:
    """Raw little-endian PCM, channels interleaved, from a binary stream such as a pipe (``arecord``, ``ffmpeg -f
    s16le -``), as (frames, channels) blocks of ``block_s`` seconds while they arrive: int16 for s16le, float32 for
    f32le. A trailing partial frame, empty input and f32le values that cannot be audio raise a one-sentence
    ``AudioError``."""
    if sample_format not in PCM_FORMATS:
        raise AudioError(f"Unknown raw sample format {sample_format!r}; use {' or '.join(PCM_FORMATS)}.")
    _check_sample_rate(sample_rate)
    if not 1 <= channels <= MAX_ARRAY_CHANNELS:
        raise AudioError(f"Raw audio needs 1 to {MAX_ARRAY_CHANNELS} channels, not {channels}.")
    dtype = PCM_FORMATS[sample_format]
    frame_bytes = dtype.itemsize * channels
    block_bytes = max(1, round(block_s * sample_rate)) * frame_bytes
    leftover, frames = b"", 0
    while data := stream.read(block_bytes):
        data = leftover + data
        whole = len(data) - len(data) % frame_bytes
        leftover = data[whole:]
        if whole == 0:
            continue
        x = np.frombuffer(data[:whole], dtype).reshape(-1, channels)
        if dtype.kind == "f":
            where = f"at {frames / sample_rate:.2f} s"
            if not np.isfinite(x).all():
                raise AudioError(f"The raw audio holds invalid float values (NaN or infinity) {where}, so it is not "
                                 f"{sample_format} audio; check the sample format.")
            if np.abs(x).max() > MAX_RAW_FLOAT:
                raise AudioError(f"The raw audio holds float values far beyond full scale (up to "
                                 f"{np.abs(x).max():.3g}) {where}, so it is not {sample_format} audio; check the "
                                 "sample format.")
        frames += len(x)
        yield x
    if leftover:
        stray = f"{len(leftover)} stray byte{'s' if len(leftover) > 1 else ''}"
        raise AudioError(f"The raw audio ended with {stray}, not a whole frame of {frame_bytes} "
                         f"bytes ({channels} channel{'s' if channels > 1 else ''} of {sample_format}); check the "
                         "sample format and channel count.")
    if frames == 0:
        raise AudioError("No audio arrived: the raw input was empty.")


def prepare_waveform(array, sample_rate: int) -> Audio:
    """Turn an array from Python into ``Audio``, the way a file would have been decoded.

    Shapes: ``(n,)``, ``(n, channels)`` or ``(channels, n)``, where channels is the smaller axis and at most 16.
    Integer PCM is scaled to [-1, 1] as libsndfile does (int16 / 32768, int32 / 2**31, uint8 centred on 128);
    floats are taken as they are.
    """
    x = _frames_by_channels(np.array(array))  # a copy: the Audio must not share memory with the caller's array
    _check_sample_rate(sample_rate)
    if x.shape[0] == 0:
        raise AudioError("The audio array is empty; pass at least a fraction of a second of samples.")
    return _to_audio(_as_float32(x), int(sample_rate), x.shape[1], None, None, False)


def mono_samples(array, sample_rate: int, channels: Optional[int] = None) -> tuple[np.ndarray, int]:
    """(mono float32 at ``sample_rate``, channel count) of an array, checked and scaled as ``prepare_waveform`` does
    but not resampled: for streams, whose chunks go through one ``StreamResampler``. An empty array gives no samples.

    ``channels`` (a stream's earlier chunks) tells which axis of a 2-D chunk holds the channels when a chunk has
    fewer frames than channels; a square chunk is then read as (frames, channels).
    """
    x = np.asarray(array)
    if x.ndim == 2 and channels is not None and channels <= MAX_ARRAY_CHANNELS and channels in x.shape:
        x = x if x.shape[1] == channels else x.T
    else:
        x = _frames_by_channels(x)
    _check_sample_rate(sample_rate)
    return _downmix(_as_float32(x)), int(x.shape[1])


def _frames_by_channels(x: np.ndarray) -> np.ndarray:
    """A 1-D or 2-D array as (frames, channels), channels being the smaller axis of a 2-D one."""
    if x.ndim == 1:
        return x[:, None]
    if x.ndim == 2:
        if min(x.shape) > MAX_ARRAY_CHANNELS or x.shape[0] == x.shape[1]:
            raise AudioError(
                f"Cannot tell the channels of an array shaped {x.shape}; pass (samples,), (samples, channels) or "
                f"(channels, samples) with at most {MAX_ARRAY_CHANNELS} channels."
            )
        return x.T if x.shape[0] < x.shape[1] else x
    raise AudioError(f"Expected a 1-D or 2-D audio array, got {x.ndim} dimensions with shape {x.shape}.")


def _to_audio(data: np.ndarray, sample_rate: int, channels: int, fmt, subtype, truncated: bool) -> Audio:
    """(frames, channels) float32 at ``sample_rate`` -> mono float32 at 16 kHz."""
    waveform = resample(_downmix(data), sample_rate)
    return Audio(waveform, int(sample_rate), int(channels), len(data) / sample_rate, fmt, subtype, truncated)


def _downmix(data: np.ndarray) -> np.ndarray:
    """(frames, channels) float32 -> mono float32 (the mean of the channels), after checking the values."""
    if not np.isfinite(data).all():
        raise AudioError(
            "The audio contains invalid sample values (NaN or infinity), so it cannot be analysed; "
            "export the recording again."
        )
    mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)


def resample(waveform: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at ``sample_rate`` -> float32 at 16 kHz."""
    if sample_rate == SAMPLE_RATE:
        return waveform
    resampler = StreamResampler(sample_rate)
    resampler.push(waveform)
    return resampler.finish()


class StreamResampler:
    """Mono float32 at ``sample_rate`` -> 16 kHz, fed block by block: the same samples as one call on the whole signal.

    The filter is torchaudio's ``Resample`` (``RESAMPLING``): a convolution that, every ``stride`` input samples,
    computes ``new`` output samples from the ``taps`` input samples around them. Only the input that later outputs
    still need is kept between blocks, and the convolution runs on bounded chunks, so memory stays small however
    long the input is. ``read()`` hands out the output that is final so far (live streams); ``finish()`` the rest.
    """

    def __init__(self, sample_rate: int):
        self.sample_rate = int(sample_rate)
        self._identity = self.sample_rate == SAMPLE_RATE
        self._outputs: list = []
        self._length = 0  # input samples pushed
        self._returned = 0  # output samples already handed out by read()
        if not self._identity:
            self._weight, self._stride, self._new, self._width = _resampler(self.sample_rate)
            self._group = self._weight.shape[0] // self._new  # output frames per convolution step
            self._step = self._stride * self._group  # input samples per convolution step
            self._taps = self._weight.shape[-1]
            self._buffer = np.zeros(self._width, np.float32)  # the left padding, then input not yet consumed

    def push(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float32).reshape(-1)
        self._length += len(x)
        if self._identity:
            self._outputs.append(x.copy())
            return
        self._buffer = np.concatenate([self._buffer, x])
        if len(self._buffer) >= RESAMPLE_CHUNK_SAMPLES + self._taps:  # fewer, larger convolutions are faster
            self._convolve()

    def read(self) -> np.ndarray:
        """The output samples that no later input can change, not handed out before: every ``read()`` and then
        ``finish()``, concatenated, are the one-shot result. The output lags the input by half the filter (about
        4 ms at common rates), which needs the input that follows.

        Before ``finish`` no output past the final length exists: the last whole convolution step needs ``taps``
        input samples, more than the ``stride`` per ``new`` outputs that the target length ``ceil(new * length /
        stride)`` allows.
        """
        if not self._identity:
            self._convolve()
        out = self._take()
        self._returned += len(out)
        return out

    def finish(self) -> np.ndarray:
        """The rest of the output; the resampler is then empty (its count of input and output starts again)."""
        if not self._identity:
            # The same zero padding at the end as torchaudio, and more: outputs past the target length are dropped.
            self._buffer = np.concatenate([self._buffer, np.zeros(self._width + 2 * self._step, np.float32)])
            self._convolve()
        out = self._take()
        if not self._identity:
            out = out[: max(0, math.ceil(self._new * self._length / self._stride) - self._returned)]
            self._buffer = np.zeros(self._width, np.float32)
        self._length = self._returned = 0
        return out

    def _take(self) -> np.ndarray:
        out = np.concatenate(self._outputs) if self._outputs else np.zeros(0, np.float32)
        self._outputs = []
        return out

    def _convolve(self) -> None:
        """Every whole convolution step the buffer holds, in chunks; the buffer keeps what the next step needs."""
        steps = (len(self._buffer) - self._taps) // self._step + 1 if len(self._buffer) >= self._taps else 0
        if steps == 0:
            return
        done = 0
        while done < steps:
            n = min(steps - done, max(1, RESAMPLE_CHUNK_SAMPLES // self._step))
            begin = done * self._step
            chunk = torch.from_numpy(self._buffer[begin : begin + (n - 1) * self._step + self._taps])
            with torch.inference_mode():
                y = torch.nn.functional.conv1d(chunk[None, None], self._weight, stride=self._step)
            self._outputs.append(y[0].T.reshape(-1).numpy())
            done += n
        self._buffer = self._buffer[steps * self._step :].copy()


@lru_cache(maxsize=16)
def _resampler(sample_rate: int) -> tuple[torch.Tensor, int, int, int]:
    """(weight, stride, new, width) of torchaudio's ``Resample`` for ``sample_rate`` -> 16 kHz, built once per rate.

    Every ``stride`` input samples (after dividing both rates by their gcd) the weight's ``new`` rows compute ``new``
    output samples; the input is padded with ``width`` zeros in front.
    """
    transform = torchaudio.transforms.Resample(sample_rate, SAMPLE_RATE, **RESAMPLING)
    kernel = transform.kernel.to(torch.float32)
    phases, _, taps = kernel.shape
    gcd = math.gcd(sample_rate, SAMPLE_RATE)
    stride, new = sample_rate // gcd, SAMPLE_RATE // gcd
    if phases >= MIN_CONV_CHANNELS:
        return kernel, stride, new, transform.width
    # When one rate divides the other (48 -> 16 kHz) the kernel has one phase (two from 8 kHz), and a strided
    # convolution with a single output channel is slow: 0.1 s for a minute at 48 kHz, 0.5 s at 192 kHz. Stacking
    # copies of the kernel, each shifted by one stride, computes that many output frames per step instead, with the
    # same sums (tests/test_audio.py checks them against torchaudio): 5-7x faster.
    blocks = -(-MIN_CONV_CHANNELS // phases)
    bank = torch.zeros(blocks * phases, 1, taps + (blocks - 1) * stride, dtype=kernel.dtype)
    for b in range(blocks):
        bank[b * phases : (b + 1) * phases, :, b * stride : b * stride + taps] = kernel
    return bank, stride, new, transform.width


def _as_float32(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.int16:
        return x.astype(np.float32) / 32768.0
    if x.dtype == np.int32:
        return (x / 2147483648.0).astype(np.float32)
    if x.dtype == np.uint8:
        return (x.astype(np.float32) - 128.0) / 128.0
    if x.dtype == np.int8:
        return x.astype(np.float32) / 128.0
    if np.issubdtype(x.dtype, np.floating):
        return x.astype(np.float32, copy=False)
    raise AudioError(
        f"Audio arrays of type {x.dtype} are not supported; pass float samples in [-1, 1] or int16/int32 PCM."
    )


def _check_sample_rate(sample_rate) -> None:
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE or int(sample_rate) != sample_rate:
        raise AudioError(
            f"A sample rate of {sample_rate} Hz is not supported; use a recording sampled between "
            f"{MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE} Hz (16000 Hz is best)."
        )


def _open(source: AudioSource) -> tuple[str, BinaryIO | str]:
    """A name for messages and something soundfile can open, after the checks libsndfile would word badly."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise AudioError("The audio data is empty (0 bytes); choose a file that contains a recording.")
        return "the audio data", io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = f"'{path.name}'"
        if not path.exists():
            raise AudioError(f"The file {name} does not exist; check the path and try again.")
        if path.is_dir():
            raise AudioError(f"The path {name} is a folder, not an audio file; choose a file inside it.")
        if path.stat().st_size == 0:
            raise AudioError(f"The file {name} is empty (0 bytes); choose a file that contains a recording.")
        return f"the file {name}", str(path)
    if hasattr(source, "read"):
        file_name = getattr(source, "name", None)
        name = f"the file '{Path(file_name).name}'" if isinstance(file_name, str) else "the audio data"
        # libsndfile needs to seek; an upload stream may not, so read it whole.
        stream = source if _seekable(source) else io.BytesIO(source.read())
        start = stream.tell()
        empty = stream.seek(0, io.SEEK_END) == start
        stream.seek(start)
        if empty:
            raise AudioError(f"{_capital(name)} is empty (0 bytes); choose a file that contains a recording.")
        return name, stream
    raise TypeError(f"expected a path, bytes or a binary file object, got {type(source).__name__}")


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _decode_error(name: str, err: sf.LibsndfileError) -> AudioError:
    formats = ", ".join(SUPPORTED_FORMATS[:-1]) + " or " + SUPPORTED_FORMATS[-1]
    if err.code == 1:  # SF_ERR_UNRECOGNISED_FORMAT: not audio, or a format libsndfile cannot read (AAC, WMA, ...)
        return AudioError(
            f"{_capital(name)} is not an audio file in a supported format ({formats}); "
            "convert it (for example with ffmpeg) and try again."
        )
    if err.code == 4:  # SF_ERR_UNSUPPORTED_ENCODING
        return AudioError(
            f"{_capital(name)} uses an audio encoding that cannot be decoded; convert it to 16-bit PCM WAV or FLAC "
            "and try again."
        )
    return AudioError(
        f"{_capital(name)} is damaged or incomplete and could not be decoded; export or download it again."
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
