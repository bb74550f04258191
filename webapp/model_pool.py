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
from .texts import (downloading_text, loading_model_text, not_fetched_to_compare, recommended_failed_text,
                    recommended_fetching_text)
from .settings import ANALYSES, LIMITS, MODELS, ON_DEMAND_MODELS, RECOMMENDED

if TYPE_CHECKING:
    from aasist.inference.detector import DetectionResult, Detector
    from aasist.inference.pipeline import StageCallback

log = logging.getLogger("aasist.app")


@dataclass(frozen=True)
class LoadingState:
    """Where the startup loading stands, for the page's status line."""

    state: str  # "none" (nothing to say), "loading" or "failed" (the default model), "fetching" or "unavailable"
    error: str = ""  # why it failed; for the recommended model ("fetching", "unavailable"), the page's sentence


@dataclass
class Fetch:
    """The background fetch of the recommended model (``python app.py``), for the page's status line."""

    state: str = "waiting"  # "waiting" (not started), "fetching", "ready" or "failed"
    done_bytes: int = 0
    total_bytes: int = 0  # 0: not known (yet), or nothing to download (a local copy)
    error: str = ""  # why it failed, one sentence

    def progress(self, done: int, total: int) -> None:
        """``download_progress`` of ``Detector.from_pretrained``."""
        self.done_bytes, self.total_bytes = done, total or 0


@dataclass(frozen=True)
class VerdictPlan:
    """Which model gives the verdict for a model choice, which one runs beside it, and what the page says about it."""

    model: str
    beside: Optional[str] = None  # the model whose result and attention are shown beside the verdict
    notice: str = ""  # why the verdict is not the recommended model's (still fetching, could not be fetched)


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
                 on_demand: Sequence[str] = ON_DEMAND_MODELS, recommended: Optional[str] = None):
        self.models = list(models)
        self.default = self.models[0]
        self.on_demand = [m for m in on_demand if m in self.models and m != self.default]
        # The model the "Recommended" choice gives the verdict of once it is loaded (None: no such choice).
        self.recommended = recommended if recommended in self.models and recommended != self.default else None
        self.fetch = Fetch()
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
        from aasist.inference.detector import Detector
        from aasist.models.weights import WeightsError

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

    def load(self, model: str, on_load=None) -> Detector:
        """The detector of ``model`` (``get``); when it is not loaded yet, ``on_load(model)`` is called first and may
        return its ``download_progress`` (``announced_loading``: the page shows both)."""
        if on_load is None or self.is_loaded(model):
            return self.get(model)
        return self.get(model, download_progress=on_load(model))

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
        from aasist.models.registry import registered

        entry = registered(model)
        return entry is None or entry.fetched_to_compare

    # --- the "Recommended" choice ------------------------------------------------------------------------------------

    @property
    def default_choice(self) -> str:
        """The model choice selected when the page opens: "recommended" when there is a recommended model."""
        return RECOMMENDED if self.recommended else self.default

    def choices(self) -> list:
        """The page's model choice, (label, value) pairs: "Recommended" first when there is a recommended model."""
        models = [(m, m) for m in self.models]
        return [(f"Recommended: {self.recommended}", RECOMMENDED), *models] if self.recommended else models

    def plan(self, choice: str) -> VerdictPlan:
        """Which model gives the verdict for ``choice`` (a model, or "recommended"), and which runs beside it.

        "recommended": the recommended model once it is loaded, AASIST's result beside it; until then (or when it
        cannot be had) the default model, with a notice saying why. A model whose registry entry names one to show
        beside it (AntiDeepfake: AASIST) gets it, whichever way it was chosen.
        """
        from aasist.models.registry import registered

        if choice == RECOMMENDED:
            if self.recommended is None:
                return VerdictPlan(self.default)
            # The startup loader fetches it (with its progress); without one, the first request starts loading it.
            ready = self.is_loaded(self.recommended) if self.startup.started else self.loaded(self.recommended)
            if not ready:
                return VerdictPlan(self.default, notice=self.recommended_notice())
            choice = self.recommended
        self.check(choice)
        entry = registered(choice)
        beside = entry.shown_beside if entry is not None else None
        return VerdictPlan(choice, beside if beside in self.models and beside != choice else None)

    def recommended_notice(self) -> str:
        """Why the recommended model does not give the verdict yet: still fetching, or could not be had."""
        error = self.fetch.error or self.load_error(self.recommended) or ""
        if error:
            return recommended_failed_text(self.recommended, self.default, error)
        return recommended_fetching_text(self.recommended, self.default, self.fetch.done_bytes,
                                         self.fetch.total_bytes)

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
        from aasist.audio.decoding import AudioError
        from aasist.inference.pipeline import Pipeline

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
        from aasist.inference.pipeline import Pipeline

        if result.no_speech:
            return
        detectors, unavailable = [self.get(result.model)], {}
        for model in self.others(result.model):
            if not self.is_loaded(model) and not self.fetched_to_compare(model):
                unavailable[model] = not_fetched_to_compare(model)
                continue
            try:
                detectors.append(self.load(model, on_load))
            except Exception as err:  # noqa: BLE001 - a user_error: its message is one sentence
                unavailable[model] = getattr(err, "message", None) or str(err)
        with self.compute_slot():
            Pipeline(detectors, protocol=result.protocol).add_agreement(result, audio, progress=progress,
                                                                        unavailable=unavailable)

    def add_beside(self, result: DetectionResult, audio, model: str,
                   progress: Optional[StageCallback] = None) -> None:
        """Score the recording with ``model`` too (its attention included) and attach its result as
        ``result.beside``; nothing without speech. A model that cannot be loaded is left out (logged)."""
        from aasist.inference.pipeline import Pipeline

        if result.no_speech:
            return
        try:
            beside = self.get(model)
        except Exception as err:  # noqa: BLE001 - the verdict stands without it
            log.warning("could not load %s to show beside %s: %s", model, result.model, err)
            return
        with self.compute_slot():
            Pipeline([self.get(result.model)], protocol=result.protocol).add_beside(result, audio, beside,
                                                                                    progress=progress)

    def add_robustness(self, result: DetectionResult, audio, progress: Optional[StageCallback] = None) -> None:
        """Re-score the recording under the benign edits (``aasist.inference.robustness``) and attach the check; nothing
        without speech."""
        from aasist.inference.pipeline import Pipeline

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
        be loaded (until a later request loads it); then, with a recommended model, "fetching" while it is fetched
        and "unavailable" when it could not be (``error``: the page's sentence); else "none"."""
        if not self.startup.started:
            return LoadingState("none")
        if not self.startup.done:
            return LoadingState("loading")
        if self.startup.error is not None and self.default not in self._detectors:  # (unless a retry worked)
            return LoadingState("failed", self.startup.error)
        if self.recommended is not None and not self.is_loaded(self.recommended):
            if self.fetch.state == "failed":
                return LoadingState("unavailable", self.recommended_notice())
            return LoadingState("fetching", self.recommended_notice())
        return LoadingState("none")

    def warm_up(self, models: Sequence[str]) -> None:
        """Load the models and run one short analysis with figures, so that the first click is as fast as the next.

        A model that cannot be loaded (no weights, no network) is logged, not fatal: the page starts anyway and says
        why when someone picks that model.
        """
        import numpy as np

        from aasist.audio.decoding import prepare_waveform
        from aasist.views.plots import draw_all

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
        if self.recommended is not None:
            self._fetch_recommended()
        self.warm_up([m for m in self.others(self.default) if m not in self.on_demand and m != self.recommended])

    def _fetch_recommended(self) -> None:
        """Download (or find) the recommended model, load and warm it up; its progress and failure in ``fetch``."""
        model = self.recommended
        self.fetch.state = "fetching"
        started = time.perf_counter()
        try:
            self.get(model, download_progress=self.fetch.progress, announce=False)
        except Exception as err:  # noqa: BLE001 - the page says it, and AASIST's verdicts go on
            self.fetch.error = self.load_errors[model] = getattr(err, "message", None) or str(err)
            self.fetch.state = "failed"
            log.warning("could not fetch the recommended model %s: %s", model, self.fetch.error)
            return
        log.info("recommended model %s fetched in %.1f s", model, time.perf_counter() - started)
        self.warm_up([model])
        self.fetch.state = "ready"


def announced_loading(progress):
    """An ``on_load`` for ``ModelPool.load`` and ``add_agreement`` that shows on the page's ``progress``
    (``gr.Progress``) that a model is being loaded (its first use), then its download."""
    def on_load(model: str):
        progress(None, desc=loading_model_text(model))
        return lambda done, total: progress(done / total if total else None,
                                            desc=downloading_text(model, done, total))

    return on_load


def _source(detector) -> str:
    """'; weights from ...' for a built-in model's log line, else ''."""
    served_by = getattr(getattr(detector, "checkpoint", None), "served_by", "")
    return f"; weights from {served_by}" if served_by else ""
