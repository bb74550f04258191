"""The models of the demo, loaded once and shared by every request, and the CPU they share.

``python app.py`` serves the page first and loads the models in a background thread (``start_loading``): a visitor
waking a sleeping Space gets the page at once, with a line saying that the model is loading, and an analysis
requested meanwhile waits for the model (``get``) instead of failing.

A model run, whether an analysis or a live window, takes one of the compute slots (``slots``: as many as the CPU
runs at once); the live monitor never waits for one (``webapp.live_session``).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Sequence

from .errors import user_error
from .texts import not_fetched_to_compare
from .settings import ANALYSES, LIMITS, MODELS, ON_DEMAND_MODELS

if TYPE_CHECKING:
    from aasist.detector import DetectionResult, Detector
    from aasist.pipeline import StageCallback

log = logging.getLogger("aasist.app")


@dataclass(frozen=True)
class LoadingState:
    """Where the startup loading of the default model stands, for the page's status line."""

    state: str  # "none" (nothing to say), "loading" or "failed"
    error: str = ""  # why it failed


class Startup:
    """The background loading of the default model (``python app.py``); in-process use loads on first request."""

    def __init__(self):
        self.started = False
        self.error: Optional[str] = None
        self._done = threading.Event()

    def begin(self) -> None:
        self.started = True

    def finish(self, error: Optional[str] = None) -> None:
        """The default model is loaded and warmed up, or (``error``) could not be loaded."""
        self.error = error
        self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()


class ModelPool:
    """The detectors of ``models`` (the first is the default), each loaded on first use or by the startup loader;
    ``on_demand`` models (downloaded from the Hub) are never loaded at start-up."""

    def __init__(self, models: Sequence[str] = MODELS, concurrency: int = LIMITS.concurrency,
                 on_demand: Sequence[str] = ON_DEMAND_MODELS):
        self.models = list(models)
        self.default = self.models[0]
        self.on_demand = [m for m in on_demand if m in self.models and m != self.default]
        self.slots = threading.BoundedSemaphore(concurrency)  # one per model run at a time
        self._detectors: dict = {}
        self._locks = {model: threading.Lock() for model in self.models}  # held while that model loads
        self.load_errors: dict = {}  # model -> why its background loading failed
        self.startup = Startup()

    # --- the models ---------------------------------------------------------------------------------------------

    def check(self, model: str) -> None:
        if model not in self.models:
            raise user_error(f"Unknown model {model!r}; choose one of {', '.join(self.models)}.")

    def get(self, model: str, download_progress=None, announce: bool = True) -> Detector:
        """The detector of ``model``, loaded on first use and then kept (thread-safe); while it loads (in the
        background at startup, or for another request) a caller waits for it. ``download_progress(done_bytes,
        total_bytes)`` hears of a download from the Hub. A load is logged in one line, with where the weights came
        from (``announce=False``: the caller says it, as ``warm_up`` does)."""
        from aasist.detector import Detector
        from aasist.weights import WeightsError

        self.check(model)
        detector = self._detectors.get(model)
        if detector is not None:
            return detector
        with self._locks[model]:
            detector = self._detectors.get(model)
            if detector is None:
                started = time.perf_counter()
                try:
                    detector = Detector.from_pretrained(model, download_progress=download_progress)
                except WeightsError as err:
                    raise user_error(str(err)) from None
                self._detectors[model] = detector
                self.load_errors.pop(model, None)
                if announce:
                    log.info("model %s loaded in %.1f s%s", model, time.perf_counter() - started, _source(detector))
            return detector

    def loaded(self, model: str) -> Optional[Detector]:
        """The detector of ``model`` if it is loaded; else None, and its loading starts in the background unless it
        is under way or has failed (``load_error`` says why; a later ``get`` tries again)."""
        detector = self._detectors.get(model)
        if detector is None and not self._locks[model].locked() and model not in self.load_errors:
            threading.Thread(target=self._load_quietly, args=(model,), daemon=True).start()
        return detector

    def load_error(self, model: str) -> Optional[str]:
        """Why the last background loading of ``model`` failed (one sentence), or None."""
        return self.load_errors.get(model)

    def is_loaded(self, model: str) -> bool:
        return model in self._detectors

    def fetched_to_compare(self, model: str) -> bool:
        """Whether a comparison downloads ``model`` (False for a large download: only choosing the model does)."""
        from aasist.registry import registered

        entry = registered(model)
        return entry is None or entry.fetched_to_compare

    def others(self, model: str) -> list:
        """The models other than ``model``: those a comparison adds."""
        return [m for m in self.models if m != model]

    def _load_quietly(self, model: str) -> None:
        try:
            self.get(model)
        except Exception as err:  # noqa: BLE001 - kept for whoever waits for the model (the live monitor)
            self.load_errors[model] = getattr(err, "message", None) or str(err)

    # --- running them ---------------------------------------------------------------------------------------------

    @contextmanager
    def compute_slot(self) -> Iterator[None]:
        with self.slots:
            yield

    def analyze(self, audio, model: str, protocol: str, *, with_attention: bool = False,
                progress: Optional[StageCallback] = None) -> DetectionResult:
        """``model``'s result for a decoded recording, in a compute slot."""
        from aasist.audio import AudioError
        from aasist.pipeline import Pipeline

        if protocol not in {value for _, value in ANALYSES}:
            raise user_error(f"Unknown analysis {protocol!r}; choose 'full' or 'asvspoof'.")
        pipeline = Pipeline([self.get(model)], protocol=protocol)
        try:
            with self.compute_slot():
                return pipeline.score(audio, with_attention=with_attention, progress=progress)
        except AudioError as err:
            raise user_error(str(err)) from None

    def add_agreement(self, result: DetectionResult, audio, progress: Optional[StageCallback] = None,
                      on_load=None) -> None:
        """Score the recording with every other model too, and attach the agreement. A model that cannot be loaded
        (say RawNet2 with no network) is left out, and the agreement says why. ``on_load(model)`` is called before
        a model is loaded for it and may return its ``download_progress`` (the page shows both). Nothing without
        speech (verdict "no_speech"): no model is loaded or run for it."""
        from aasist.pipeline import Pipeline

        if result.no_speech:
            return
        detectors, unavailable = [self.get(result.model)], {}
        for model in self.others(result.model):
            download = None
            if not self.is_loaded(model):
                if not self.fetched_to_compare(model):
                    unavailable[model] = not_fetched_to_compare(model)
                    continue
                download = on_load(model) if on_load is not None else None
            try:
                detectors.append(self.get(model, download_progress=download))
            except Exception as err:  # noqa: BLE001 - a user_error: its message is one sentence
                unavailable[model] = getattr(err, "message", None) or str(err)
        with self.compute_slot():
            Pipeline(detectors, protocol=result.protocol).add_agreement(result, audio, progress=progress,
                                                                        unavailable=unavailable)

    def add_robustness(self, result: DetectionResult, audio, progress: Optional[StageCallback] = None) -> None:
        """Re-score the recording under the benign edits (``aasist.robustness``) and attach the check; nothing
        without speech."""
        from aasist.pipeline import Pipeline

        if result.no_speech:
            return
        pipeline = Pipeline([self.get(result.model)], protocol=result.protocol)
        with self.compute_slot():
            pipeline.add_robustness(result, audio, progress=progress)

    # --- startup ----------------------------------------------------------------------------------------------------

    def start_loading(self) -> threading.Thread:
        """Load the models in a background thread, the default first (``python app.py``); not the on-demand ones."""
        self.startup.begin()
        thread = threading.Thread(target=self._load_all, name="model-loader", daemon=True)
        thread.start()
        return thread

    def loading_state(self) -> LoadingState:
        """"loading" until the default model is ready (only while a startup loader runs), "failed" if it could not
        be loaded (until a later request loads it), else "none"."""
        if not self.startup.started:
            return LoadingState("none")
        if not self.startup.done:
            return LoadingState("loading")
        if self.startup.error is not None and self.default not in self._detectors:  # (unless a retry worked)
            return LoadingState("failed", self.startup.error)
        return LoadingState("none")

    def warm_up(self, models: Sequence[str]) -> None:
        """Load the models and run one short analysis with figures, so that the first click is as fast as the next.

        A model that cannot be loaded (no weights, no network) is logged, not fatal: the page starts anyway and says
        why when someone picks that model.
        """
        import numpy as np

        from aasist.audio import prepare_waveform
        from aasist.plots import draw_all

        rng = np.random.default_rng(0)
        audio = prepare_waveform((0.05 * rng.standard_normal(16000 * 5)).astype(np.float32), 16000)
        for model in models:
            started, error = time.perf_counter(), None
            try:
                detector = self.get(model, announce=False)
                draw_all(audio, detector.analyze(audio, with_attention=True))
            except Exception as err:  # noqa: BLE001 - startup must not die on one model
                error = getattr(err, "message", None) or str(err)
                log.warning("could not load %s at startup: %s", model, error)
            else:
                log.info("model %s ready: loaded and warmed up in %.1f s%s", model, time.perf_counter() - started,
                         _source(detector))
            if model == self.default:
                self.startup.finish(error)

    def _load_all(self) -> None:
        self.warm_up([self.default])
        # Everything loaded so far (torch, gradio, the model) lives as long as the server: moving it out of the garbage
        # collector's sight turns the full collections that a click's figures trigger from ~0.3 s into ~0.05 s.
        gc.collect()
        gc.freeze()
        self.warm_up([m for m in self.others(self.default) if m not in self.on_demand])


def _source(detector) -> str:
    """'; weights from ...' for a built-in model's log line, else ''."""
    served_by = getattr(getattr(detector, "checkpoint", None), "served_by", "")
    return f"; weights from {served_by}" if served_by else ""
