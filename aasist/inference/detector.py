"""The detector: a whole recording in, a typed verdict out.

Like pyannote.audio's ``Inference``: the recording is cut into fixed 64600-sample windows (``windows.py``), run in
batches through a backend, and the windows' spoof probabilities are aggregated. ``protocol="asvspoof"`` instead
reproduces the authors' evaluation exactly: the first 64600 samples only, tiled when shorter. AntiDeepfake models
score a recording of up to 13 s whole, as their authors do, and a longer one in 13 s windows
(``WindowGeometry.for_architecture``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np
from scipy.special import expit

from ..audio.decoding import Audio, AudioError, DecodedStream, load_audio, prepare_waveform
from ..audio.diagnostics import SignalMeter, for_architecture
from ..audio.speech import MIN_SPEECH_S, SpeechFinder, SpeechPresence
from ..audio.windows import WindowGeometry
from ..models.filter_scaling import FilterScaling, filter_scaling, is_filter_scaling_capture
from ..models.frame_scores import FrameScores, frame_scores, is_frame_scores_capture
from ..models.model import MIN_SAMPLES, SAMPLE_RATE, SAMPLES_PER_TEMPORAL_NODE, WINDOW_SAMPLES, spectral_node_bands
from ..text import one_sentence
from .backends import Backend, TorchBackend
from .sliding_window import ScoredWindows, SlidingWindowScorer

PROTOCOLS = ("full", "asvspoof")
SPOOF_THRESHOLD = 0.5
DEFAULT_BATCH_SIZE = 8  # windows per forward pass; bounds memory on long recordings

ProgressCallback = Callable[[int, int], None]


def spoof_margin(logits: np.ndarray) -> np.ndarray:
    """Spoof minus bona fide logit of (N, 2) logits: the log-odds of each window's spoof probability."""
    logits = np.asarray(logits, dtype=np.float64)
    return logits[:, 0] - logits[:, 1]


def spoof_probability_from_logits(logits: np.ndarray) -> np.ndarray:
    """Softmax index 0 (spoof) of (N, 2) logits, computed stably as a sigmoid of the logit difference."""
    return expit(spoof_margin(logits))


def aggregate_spoof_probability(logits: np.ndarray) -> float:
    """One spoof probability for a recording: the windows' spoof probabilities averaged in log-odds.

    Chosen by measurement (benchmarks/measure_aggregation.py, README "How a recording is scored"): on 21 real
    multi-window recordings it raised no false alarm, like the plain mean, while it caught more recordings with one
    synthetic sentence spliced in (AASIST 5/7 against 3/7); the maximum called half the real recordings spoof.
    """
    return float(expit(np.mean(spoof_margin(logits))))


# The verdicts. NO_SPEECH: too little speech for the model's number to mean anything (``aasist.audio.speech``); the
# spoof probability is still computed and kept, marked as not meaningful.
SPOOF, BONA_FIDE, NO_SPEECH = "spoof", "bona fide", "no_speech"


def verdict_for(spoof_probability: float) -> str:
    return SPOOF if spoof_probability >= SPOOF_THRESHOLD else BONA_FIDE


def _round(x: float, digits: int = 6) -> float:
    return float(round(float(x), digits))


@dataclass
class WindowResult:
    start_s: float
    end_s: float
    spoof_probability: float
    score: float  # bona fide logit
    speech_s: Optional[float] = None  # seconds of speech in the window; None when speech was not looked for

    @property
    def has_speech(self) -> bool:
        return self.speech_s is None or self.speech_s >= MIN_SPEECH_S

    def to_dict(self) -> dict:
        data = {
            "start_s": _round(self.start_s, 4),
            "end_s": _round(self.end_s, 4),
            "spoof_probability": _round(self.spoof_probability),
            "score": _round(self.score),
        }
        if self.speech_s is not None:
            data["speech_s"] = _round(self.speech_s, 3)
        return data


@dataclass
class WindowAttention:
    """What the model attended to in one window, mapped to frequencies and times.

    Node weights are the mean attention each node receives (column means of the row-stochastic maps).
    ``kept_*`` are node indices into the 23 spectral / T temporal nodes, in the order the pools kept them.
    """

    window_index: int
    start_s: float  # where the window starts in the recording
    tiled: bool  # the recording was shorter than a window and was repeated to fill it
    spectral_map: np.ndarray  # (23, 23)
    spectral_bands_hz: np.ndarray  # (23, 2), approximate
    spectral_pool_scores: np.ndarray  # (23,)
    kept_spectral: np.ndarray  # nodes kept by pool_S
    temporal_map: np.ndarray  # (T, T)
    temporal_times_s: np.ndarray  # (T, 2), absolute times in the recording
    temporal_pool_scores: np.ndarray  # (T,)
    kept_temporal: np.ndarray  # nodes kept by pool_T
    branch_kept: dict  # {"spectral_1": [...], "temporal_1": ..., "spectral_2": ..., "temporal_2": ...}
    heterogeneous_uniform: bool  # HS-GAL attention is 1/N everywhere (true for both published checkpoints)
    heterogeneous_maps: dict  # name -> map, only when not uniform
    raw: dict = field(repr=False, default_factory=dict)  # every captured tensor of this window, as the npz names them
    spectral_axis: str = "hz"  # "feature" for W2V2-AASIST: spectral_bands_hz then holds feature-dimension ranges

    @property
    def spectral_weight(self) -> np.ndarray:
        return self.spectral_map.mean(axis=0)

    @property
    def temporal_weight(self) -> np.ndarray:
        return self.temporal_map.mean(axis=0)

    def to_dict(self) -> dict:
        def listed(a):
            return np.round(np.asarray(a, dtype=np.float64), 6).tolist() if np.asarray(a).dtype.kind == "f" else np.asarray(a).tolist()

        return {
            "window_index": self.window_index,
            "start_s": _round(self.start_s, 4),
            "tiled": self.tiled,
            "spectral": {
                "axis": self.spectral_axis,
                ("bands_hz" if self.spectral_axis == "hz" else "feature_dims"): listed(self.spectral_bands_hz),
                "weight": listed(self.spectral_weight),
                "map": listed(self.spectral_map),
                "pool_scores": listed(self.spectral_pool_scores),
                "kept": listed(self.kept_spectral),
            },
            "temporal": {
                "times_s": listed(self.temporal_times_s),
                "weight": listed(self.temporal_weight),
                "map": listed(self.temporal_map),
                "pool_scores": listed(self.temporal_pool_scores),
                "kept": listed(self.kept_temporal),
            },
            "branch_kept": {k: listed(v) for k, v in self.branch_kept.items()},
            "heterogeneous_uniform": self.heterogeneous_uniform,
            "heterogeneous_maps": {k: listed(v) for k, v in self.heterogeneous_maps.items()},
        }


@dataclass
class DetectionResult:
    file: Optional[str]
    model: str
    protocol: str
    spoof_probability: float
    score: float
    verdict: str
    duration_s: float
    sample_rate: int
    windows: list
    warnings: list
    attention: Optional[WindowAttention] = None
    robustness: Optional[Any] = None  # robustness.RobustnessResult, attached by pipeline.Pipeline
    agreement: Optional[Any] = None  # agreement.ModelAgreement, when scored with several models
    weights_sha256: Optional[str] = None  # of the model's weights file, for reports
    weights_check: Optional[str] = None  # how that checksum was checked (``weights.Checkpoint.sha256_note``)
    filter_scaling: Optional[FilterScaling] = None  # RawNet2's counterpart of ``attention``
    frame_scores: Optional[FrameScores] = None  # AntiDeepfake's: its per-frame logits (forward_seg)
    speech: Optional[SpeechPresence] = None  # where the recording holds speech; None when not looked for
    architecture: Optional[str] = None  # of the model that scored it (a key of ``weights.ARCHITECTURES``)
    # Another model's result for the same recording, shown beside this verdict (AASIST's, with its attention, beside
    # AntiDeepfake's: ``Pipeline.add_beside``).
    beside: Optional["DetectionResult"] = None

    @property
    def no_speech(self) -> bool:
        """Too little speech for a verdict: the spoof probability is kept but means nothing."""
        return self.verdict == NO_SPEECH

    @property
    def most_decisive_window(self) -> int:
        """Index of the window furthest towards the verdict (lowest bona fide logit for spoof, highest otherwise)."""
        scores = [w.score for w in self.windows]
        return int(np.argmin(scores) if self.spoof_probability >= SPOOF_THRESHOLD else np.argmax(scores))

    def to_dict(self, include_attention: bool = False) -> dict:
        result = {
            "file": self.file,
            "model": self.model,
            "protocol": self.protocol,
            "spoof_probability": _round(self.spoof_probability),
            "spoof_probability_meaningful": not self.no_speech,
            "score": _round(self.score),
            "verdict": self.verdict,
            "duration_s": _round(self.duration_s, 4),
            "sample_rate": self.sample_rate,
            "windows": [w.to_dict() for w in self.windows],
            "warnings": [w.to_dict() for w in self.warnings],
        }
        if self.speech is not None:
            result["speech"] = self.speech.to_dict()
        if include_attention and self.attention is not None:
            result["attention"] = self.attention.to_dict()
        if include_attention and self.filter_scaling is not None:
            result["filter_scaling"] = self.filter_scaling.to_dict()
        if include_attention and self.frame_scores is not None:
            result["frame_scores"] = self.frame_scores.to_dict()
        if self.robustness is not None:
            result["robustness"] = self.robustness.to_dict()
        if self.agreement is not None:
            result["agreement"] = self.agreement.to_dict()
        if self.beside is not None:
            result["beside"] = self.beside.to_dict(include_attention=include_attention)
        return result


def _is_uniform(attention_map: np.ndarray, atol: float = 1e-6) -> bool:
    return bool(np.allclose(attention_map, 1.0 / attention_map.shape[-1], atol=atol, rtol=0))


@dataclass(frozen=True)
class NodeLayout:
    """What an AASIST back end's graph nodes stand for: the spectral nodes' axis and the samples per temporal node."""

    spectral_axis: str  # "hz": bands of the sinc front end; "feature": groups of learnt feature dimensions
    spectral_bands: np.ndarray  # (N, 2): Hz for "hz", feature-dimension ranges for "feature"
    samples_per_temporal_node: int


def node_layout(architecture: str) -> NodeLayout:
    """AASIST's nodes are sinc bands (Hz) and 2187-sample cells; W2V2-AASIST's are groups of three of its 128
    learnt feature dimensions and three 20 ms frames."""
    if architecture == "W2V2-AASIST":
        from ..models.w2v2_aasist import N_FEATURE_NODES
        from ..models.w2v2_aasist import SAMPLES_PER_TEMPORAL_NODE as W2V2_SAMPLES_PER_NODE

        groups = np.arange(N_FEATURE_NODES) * 3
        return NodeLayout("feature", np.stack([groups, groups + 3], axis=1).astype(float), W2V2_SAMPLES_PER_NODE)
    return NodeLayout("hz", spectral_node_bands(), SAMPLES_PER_TEMPORAL_NODE)


def window_attention(raw: dict, window_index: int, start_sample: int, tiled: bool,
                     layout: Optional[NodeLayout] = None) -> WindowAttention:
    """Map one window's captured tensors (no batch axis) to frequencies (or feature groups), times and original
    node indices."""
    layout = layout or node_layout("AASIST")
    n_temporal = raw["GAT_layer_T"].shape[-1]
    node_starts = start_sample + np.arange(n_temporal) * layout.samples_per_temporal_node
    times = np.stack([node_starts, node_starts + layout.samples_per_temporal_node], axis=1) / SAMPLE_RATE
    kept_S, kept_T = raw["pool_S:kept"], raw["pool_T:kept"]
    # The branch pools index the nodes that pool_S / pool_T kept, in kept order: map back to original nodes.
    branch_kept = {
        f"{kind}_{k}": base[raw[f"pool_h{axis}{k}:kept"]]
        for k in (1, 2)
        for kind, axis, base in (("spectral", "S", kept_S), ("temporal", "T", kept_T))
    }
    htrg_names = [n for n in raw if n.startswith("HtrgGAT") and ":" not in n]
    uniform = all(_is_uniform(raw[n]) and _is_uniform(raw[f"{n}:master"]) for n in htrg_names)
    return WindowAttention(
        window_index=window_index,
        start_s=start_sample / SAMPLE_RATE,
        tiled=tiled,
        spectral_map=raw["GAT_layer_S"],
        spectral_bands_hz=layout.spectral_bands,
        spectral_pool_scores=raw["pool_S"],
        kept_spectral=kept_S,
        temporal_map=raw["GAT_layer_T"],
        temporal_times_s=times,
        temporal_pool_scores=raw["pool_T"],
        kept_temporal=kept_T,
        branch_kept=branch_kept,
        heterogeneous_uniform=uniform,
        heterogeneous_maps={} if uniform else {n: raw[n] for n in htrg_names},
        raw=raw,
        spectral_axis=layout.spectral_axis,
    )


class Detector:
    """Tells whether a recording is bona fide or spoofed, with a model and a backend.

    >>> detector = Detector.from_pretrained("AASIST")
    >>> result = detector.analyze("speech.wav")
    >>> result.verdict, result.spoof_probability
    """

    def __init__(
        self,
        backend: Backend,
        model_name: str = "AASIST",
        architecture: str = "AASIST",
        batch_size: int = DEFAULT_BATCH_SIZE,
        checkpoint: Any = None,
        speech_finder: Optional[SpeechFinder] = None,
        known_answer: Any = None,
    ):
        self.backend = backend
        self.model_name = model_name
        self.architecture = architecture
        self.batch_size = batch_size
        self.checkpoint = checkpoint
        self._speech_finder = speech_finder
        # ``known_answer.KnownAnswer``: how many bundled examples these downloaded weights called right on their first
        # load; a suspect one puts a warning next to every verdict. None: not checked (packaged or local weights).
        self.known_answer = known_answer

    @property
    def speech_finder(self) -> SpeechFinder:
        """The speech-presence check every analysis runs first (made on first use; shareable between detectors)."""
        if self._speech_finder is None:
            self._speech_finder = SpeechFinder()
        return self._speech_finder

    @property
    def supports_attention(self) -> bool:
        return self.backend.supports_attention

    @classmethod
    def from_pretrained(
        cls,
        model: str = "AASIST",
        revision: str = "main",
        filename: Optional[str] = None,
        backend: Optional[str] = None,
        device: Optional[str] = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        download_progress: Optional[Callable[[int, Optional[int]], None]] = None,
    ) -> "Detector":
        """Load a built-in model name, a local checkpoint path or a Hub repo id (see ``weights.load_checkpoint``).

        ``backend``: None picks the fastest available: ONNX Runtime for AASIST and RawNet2 models on the CPU (its
        graph is exported and checked against torch on first use, then cached, see ``onnx_backend``; about 4x faster
        than eager torch on 2 cores for AASIST), torch on a GPU and for other architectures. "onnx" or "torch" to
        choose; "onnx" is for AASIST and RawNet2 models on the CPU only.

        ``download_progress(done_bytes, total_bytes)`` hears of a built-in model's download from the Hub.

        The first load of a downloaded built-in model's file scores the bundled examples with it (the known-answer
        check, ``aasist.inference.known_answer``; recorded, so later loads only read it): ``detector.known_answer``.
        """
        from .known_answer import for_loaded
        from ..models.weights import build_model, load_checkpoint

        checkpoint = load_checkpoint(model, revision=revision, filename=filename, progress=download_progress)
        net = build_model(checkpoint)
        chosen = _make_backend(backend, net, checkpoint, device)
        detector = cls(chosen, model_name=model, architecture=checkpoint.architecture, batch_size=batch_size,
                       checkpoint=checkpoint)
        detector.known_answer = for_loaded(detector)  # never raises: a check that fails is logged and skipped
        return detector

    def analyze(
        self,
        source: Union[str, Path, bytes, np.ndarray, Audio],
        sample_rate: Optional[int] = None,
        protocol: str = "full",
        hop_s: Optional[float] = None,
        with_attention: bool = False,
        progress: Optional[ProgressCallback] = None,
        window_offset_s: float = 0.0,
        speech: Optional[SpeechPresence] = None,
        find_speech: bool = True,
    ) -> DetectionResult:
        """Analyse a file path, raw bytes of a file, a decoded ``Audio`` or an array (with ``sample_rate``).

        ``progress(done, total)`` after each batch of windows. ``window_offset_s`` starts the window grid that much
        later (see ``WindowGeometry``; the robustness check's grid shift). Several models and the robustness check
        are put together by ``aasist.inference.pipeline.Pipeline``. ``with_attention`` explains the most decisive
        window: ``result.attention`` for AASIST, ``result.filter_scaling`` for RawNet2, ``result.frame_scores`` for
        AntiDeepfake.

        Speech presence comes first (``aasist.audio.speech``): with less than ``MIN_SPEECH_S`` of speech in what the
        model scores, the verdict is ``NO_SPEECH``. ``speech``: the recording's presence when already known (another
        model's result); ``find_speech=False`` skips the check (the robustness check's edits, whose verdicts are
        compared by probability).
        """
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}.")
        geometry = WindowGeometry.for_architecture(self.architecture, hop_s, offset_s=window_offset_s)
        want_attention = with_attention and self.supports_attention
        meter = SignalMeter()
        if isinstance(source, (Audio, np.ndarray)):
            audio = _as_audio(source, sample_rate)
            _check_long_enough(audio.num_samples)
            scorer = self._scorer(geometry, protocol, want_attention, audio.num_samples, progress)
            scorer.push(audio.waveform)
            meter.push(audio.waveform)
            if speech is None and find_speech:
                speech = self.speech_finder.find(audio.waveform)
        else:  # a file: decoded, measured and scored block by block, so that memory stays bounded at any length
            with DecodedStream(source) as decoded:
                scorer = self._scorer(geometry, protocol, want_attention, decoded.expected_samples, progress)
                tracker = self.speech_finder.tracker() if speech is None and find_speech else None
                for block in decoded.blocks():
                    scorer.push(block)
                    meter.push(block)
                    if tracker is not None:
                        tracker.push(block)
                audio = decoded.audio(np.zeros(0, np.float32))
            _check_long_enough(meter.num_samples)
            if tracker is not None:
                speech = tracker.presence()
        scored = scorer.finish()
        result = self._result(scored, geometry, protocol, audio, speech, meter.warnings(audio.sample_rate, speech))
        result.file = str(source) if isinstance(source, (str, Path)) else None
        return result

    def _scorer(self, geometry: WindowGeometry, protocol: str, with_attention: bool, expected_samples: Optional[int],
                progress: Optional[ProgressCallback]) -> SlidingWindowScorer:
        return SlidingWindowScorer(self.backend.run, geometry, self.batch_size, first_only=protocol == "asvspoof",
                                   with_attention=with_attention, expected_samples=expected_samples,
                                   progress=progress)

    def _result(self, scored: ScoredWindows, geometry: WindowGeometry, protocol: str, audio: Audio,
                speech: Optional[SpeechPresence], warnings: list) -> DetectionResult:
        """The verdict from the scored windows: aggregated (or the first window's, the authors' protocol), then
        ``NO_SPEECH`` when what was scored holds too little speech."""
        logits = scored.logits
        probabilities = spoof_probability_from_logits(logits)
        window_results = []
        for start, p, logit in zip(scored.starts, probabilities, logits):
            start_s, end_s = geometry.span_seconds(start, scored.num_samples)
            speech_s = None if speech is None else speech.seconds_between(start_s, end_s)
            window_results.append(WindowResult(start_s, end_s, float(p), float(logit[1]), speech_s))

        if protocol == "asvspoof":
            spoof_probability, score = float(probabilities[0]), float(logits[0, 1])
        else:
            spoof_probability = aggregate_spoof_probability(logits)
            score = float(np.mean(logits[:, 1]))
        verdict = verdict_for(spoof_probability)
        if speech is not None and not _enough_speech(speech, window_results, protocol):
            verdict = NO_SPEECH

        result = DetectionResult(
            file=None,
            model=self.model_name,
            protocol=protocol,
            spoof_probability=spoof_probability,
            score=score,
            verdict=verdict,
            duration_s=audio.duration_s,
            sample_rate=audio.sample_rate,
            windows=window_results,
            warnings=self._warnings(warnings),
            weights_sha256=getattr(self.checkpoint, "sha256", None),
            weights_check=getattr(self.checkpoint, "sha256_note", None) or None,
            speech=speech,
            architecture=self.architecture,
        )
        i = result.most_decisive_window
        raw = scored.attention.get(i)
        if raw is not None:
            start = scored.starts[i]
            if is_filter_scaling_capture(raw):
                result.filter_scaling = filter_scaling(raw, i, start, scored.tiled)
            elif is_frame_scores_capture(raw):
                result.frame_scores = frame_scores(raw, i, start, min(start + geometry.window, scored.num_samples))
            else:
                result.attention = window_attention(raw, i, start, scored.tiled, node_layout(self.architecture))
        return result

    def _warnings(self, input_warnings: list) -> list:
        """The result's warnings: the known-answer check's first when these weights are suspect, then the input
        warnings, noted as AASIST's measurements for a model of another family."""
        suspect = self.known_answer.warning() if self.known_answer is not None else None
        return ([suspect] if suspect is not None else []) + for_architecture(input_warnings, self.architecture)

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        """Logits (N, 2) of whole 16 kHz windows (N, 64600): what ``analyze`` runs them through, without cutting or
        aggregating (live streams, ``aasist.inference.streaming``). Safe to call from several threads on one
        Detector."""
        windows = np.asarray(windows, dtype=np.float32)
        if windows.ndim == 1:
            windows = windows[None, :]
        if windows.ndim != 2 or windows.shape[1] != WINDOW_SAMPLES:
            raise ValueError(f"score_windows takes windows of exactly {WINDOW_SAMPLES} samples at 16 kHz, shaped "
                             f"(N, {WINDOW_SAMPLES}), not an array of shape {windows.shape}.")
        batches = [self.backend.run(windows[begin : begin + self.batch_size], False)[0]
                   for begin in range(0, len(windows), self.batch_size)]
        return np.concatenate(batches)


def _check_long_enough(num_samples: int) -> None:
    if num_samples < MIN_SAMPLES:
        raise AudioError(
            f"The recording is too short to analyse ({num_samples / SAMPLE_RATE:.3f} s): the model needs at "
            f"least {MIN_SAMPLES / SAMPLE_RATE:.2f} s, and 2 s or more for a meaningful result."
        )


def _enough_speech(speech: SpeechPresence, windows: list, protocol: str) -> bool:
    """Whether what the model scored holds enough speech: the whole recording, or the first window only (the
    authors' protocol; a tiled window counts what it repeats once)."""
    if protocol == "asvspoof":
        return windows[0].speech_s >= MIN_SPEECH_S
    return speech.enough


def _as_audio(source, sample_rate: Optional[int]) -> Audio:
    if isinstance(source, Audio):
        return source
    if isinstance(source, np.ndarray):
        if sample_rate is None:
            raise ValueError("an array needs its sample_rate, e.g. analyze(x, sample_rate=16000).")
        return prepare_waveform(source, sample_rate)
    return load_audio(source)


def _make_backend(name: Optional[str], net, checkpoint, device: Optional[str]) -> Backend:
    """The backend for ``net``: see ``Detector.from_pretrained`` for how None chooses."""
    import warnings

    import torch

    from .onnx_backend import exportable

    if name not in (None, "torch", "onnx"):
        raise ValueError(f"unknown backend {name!r}; choose 'torch' or 'onnx'.")
    try:
        on_cpu = torch.device(device).type == "cpu" if device else not torch.cuda.is_available()
    except RuntimeError as error:
        raise ValueError(f"unknown device {device!r} ({error}).") from None
    onnx_capable = exportable(net)
    architecture = getattr(checkpoint, "architecture", None) or type(net).__name__
    sha256 = getattr(checkpoint, "sha256", None)

    if name == "onnx":
        if not onnx_capable:
            raise ValueError(f"the ONNX backend runs AASIST and RawNet2 models only, and this is a {architecture} "
                             "model; use backend='torch'.")
        if not on_cpu:
            raise ValueError(f"the ONNX backend runs on the CPU, not on {device or 'cuda'}; use backend='torch' "
                             "for the GPU.")
        from .onnx_backend import OnnxBackend

        return OnnxBackend.from_model(net, weights_sha256=sha256)

    from .onnx_backend import available_cpus

    if name is None and onnx_capable and on_cpu:
        try:
            from .onnx_backend import OnnxBackend

            return OnnxBackend.from_model(net, weights_sha256=sha256)
        except Exception as error:  # onnxruntime missing, or a graph that failed its check against torch
            warnings.warn(f"ONNX Runtime is unavailable ({one_sentence(error)}); using the slower torch backend.",
                          RuntimeWarning, stacklevel=3)
    if on_cpu and torch.get_num_threads() > available_cpus():
        # torch counts the host's cores; in a container with a CPU quota the extra threads only contend.
        torch.set_num_threads(available_cpus())
    return TorchBackend(net, device)
