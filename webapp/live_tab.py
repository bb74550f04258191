"""The Live tab: the microphone streams to the server, which scores every hop and raises an alarm.

Record starts a session (``webapp.live_session``), each chunk updates it, Stop ends it and offers the whole
recording to the first tab; the page's status, chart and event log show it. These light handlers do not queue behind
analyses. The browser's capture settings arrive once it has opened the microphone.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import gradio as gr

from aasist.views.present import keep_units_together
from aasist.inference.stream_settings import DEFAULT_HOP_S, DEFAULT_THRESHOLD, checked_hop_s, checked_threshold

from . import views
from .analysis_tab import AnalysisTab
from .errors import user_error
from .gradio_uploads import discard_upload, results_folder
from .live_session import BadChunk, LiveSession, LiveSessions, read_chunk
from .model_pool import ModelPool
from .recordings import capture_settings, capture_settings_text
from .settings import LIVE_MIN_HOP_S, LIMITS, Limits
from .texts import live_intro, live_model_text
from .updates import KEEP, bind, update_of

log = logging.getLogger("aasist.app")

# Asked of Gradio as stream_every; its page (6.31) sends the microphone's audio every 0.1 s whatever this says, and
# holds back chunks while the previous one is being handled, then sends them together.
CHUNK_S = 0.5
HOPS = [(keep_units_together(label), hop) for label, hop in (("every 0.5 s", 0.5), ("every second", 1.0),
                                                               ("every 2 s", 2.0), ("every 4 s", 4.04))]
STREAM = ("status", "chart", "log")  # what a chunk updates


@dataclass
class LiveView:
    status: gr.HTML
    chart: gr.HTML
    log: gr.HTML
    analyze_button: gr.Button


LiveUpdate = update_of(LiveView)


@dataclass
class HandOverView:
    """Where the whole live recording goes: the first tab's recorder and capture settings, and the tabs."""

    audio: gr.Audio
    tabs: gr.Tabs
    capture: gr.Textbox


HandOverUpdate = update_of(HandOverView)


def session_key(request: Optional[gr.Request]) -> str:
    return (getattr(request, "session_hash", None) or "in-process") if request is not None else "in-process"


def shown(session: Optional[LiveSession], chart: bool = True, **more) -> LiveUpdate:
    """The status, chart (unless ``chart`` is False: unchanged) and log of ``session``."""
    return LiveUpdate(status=views.live_status_html(session), chart=views.live_chart_html(session) if chart else KEEP,
                      log=views.live_log_html(session), **more)


class LiveTab:
    def __init__(self, pool: ModelPool, sessions: Optional[LiveSessions] = None, limits: Limits = LIMITS):
        self.pool = pool
        self.sessions = sessions if sessions is not None else LiveSessions()
        self.limits = limits

    # --- handlers -------------------------------------------------------------------------------------------------

    def start(self, model: str, threshold: float, hop_s: float, request: gr.Request = None) -> LiveUpdate:
        """Record pressed: a new session (the previous one of this visitor is dropped), unless the first chunks of
        this recording already made it."""
        key = session_key(request)
        session = self.sessions.get(key)
        if session is None or session.stopped or session.received_s > 2 * CHUNK_S:
            session = self._new_session(key, model, hop_s, threshold)
            if session is None:
                return LiveUpdate()
        return shown(session, analyze_button=gr.update(interactive=False))

    def chunk(self, path: Optional[str], model: str, hop_s: float, threshold: float, capture: str,
              request: gr.Request = None) -> LiveUpdate:
        """One chunk of the microphone stream: score the hops it completes; the page's status, chart and log."""
        if not path or not Path(path).exists():
            # Gradio names uploads after their content: a chunk it sent twice has the path of one already used (and
            # deleted), so there is nothing new to read.
            return LiveUpdate()
        try:
            chunk, problem = read_chunk(path), None
        except BadChunk as err:
            chunk, problem = None, str(err)
        finally:
            discard_upload(path)
        key = session_key(request)
        session = self.sessions.get(key)
        if session is None:  # the chunk came before Record was handled
            session = self._new_session(key, model, hop_s, threshold)
            if session is None:  # ... or after the page was closed
                return LiveUpdate()
        with session.lock:
            # Checked under the lock: a chunk handled while Stop finished the stream must not reach the finished
            # stream (it raised "This stream has finished" on a busy server).
            if session.stopped:
                return LiveUpdate()  # a chunk that arrived after Stop
            session.last_seen = time.monotonic()
            session.capture = capture_settings(capture) or session.capture
            if threshold is not None and float(threshold) != session.threshold:
                session.set_threshold(float(threshold))
            if problem is not None:
                session.note("bad_chunk", problem)
                return shown(session, chart=False)
            n_before = len(session.updates)
            if not session.receive(chunk, self.pool):
                return LiveUpdate()  # past the time limit
            return shown(session, chart=len(session.updates) != n_before or session.stopped is not None)

    def stop(self, request: gr.Request = None) -> LiveUpdate:
        """Stop pressed: finish the stream and offer the whole recording for analysis."""
        from aasist.models.model import MIN_SAMPLES

        session = self.sessions.get(session_key(request))
        if session is None:
            return shown(None, analyze_button=gr.update(interactive=False))
        with session.lock:
            session.stop("stopped", self.pool)
            long_enough = len(session.stream.audio()) >= MIN_SAMPLES
        return shown(session, analyze_button=gr.update(interactive=long_enough))

    def recording(self, request: gr.Request = None) -> HandOverUpdate:
        """The whole live recording (16 kHz, as scored) into the first tab, with its capture settings."""
        import soundfile as sf

        session = self.sessions.get(session_key(request))
        if session is None or not session.stopped:
            raise user_error("Record on the Live tab and press Stop first.")
        path = results_folder("aasist-live") / f"live-recording-{uuid.uuid4().hex[:8]}.wav"
        sf.write(path, session.stream.audio(), 16000, subtype="FLOAT")
        return HandOverUpdate(audio=str(path), tabs=gr.Tabs(selected="single"),
                        capture=capture_settings_text(session.capture))

    def unload(self, request: gr.Request = None) -> None:
        """The visitor closed the page (or lost the connection): forget the live session, stopped or not."""
        if self.sessions.close(session_key(request)):
            log.info("live session closed (%d open)", len(self.sessions))

    def _new_session(self, key: str, model: str, hop_s, threshold) -> Optional[LiveSession]:
        """A new live session for the page ``key`` (replacing its previous one); None when that page was closed."""
        self.pool.check(model)
        min_hop_s = LIVE_MIN_HOP_S.get(model, 0.0)
        if hop_s is not None and float(hop_s) < min_hop_s:
            raise user_error(f"{model} is slower: the live monitor keeps up with it when it scores every "
                             f"{min_hop_s:g} s or less often; choose that, or another model.")
        try:
            session = LiveSession(model, checked_hop_s(hop_s), checked_threshold(threshold),
                                  time_limit_s=self.limits.live_time_limit_s)
        except ValueError as err:
            raise user_error(str(err)) from None
        if not self.sessions.start(key, session):
            return None
        log.info("live session started (%d open)", len(self.sessions))
        session.ready(self.pool)  # starts loading the model if need be
        return session

    # --- the tab ----------------------------------------------------------------------------------------------------

    def build(self, analysis: AnalysisTab, tabs: gr.Tabs) -> None:
        """The tab's components and events (inside ``gr.Tab``); its recording goes to ``analysis``."""
        gr.Markdown(live_intro(self.limits), elem_classes="caveat")
        with gr.Row(equal_height=False):
            with gr.Column(scale=4):
                audio = gr.Audio(sources=["microphone"], streaming=True, type="filepath", label="Microphone",
                                 elem_id="live-audio", elem_classes="aasist-streaming-recorder")  # capture.js
                # Filled by assets/capture.js when the microphone opens (an async handler on Record made Gradio's
                # stream stall now and then), and sent with every chunk; rendered but not shown.
                capture = gr.Textbox("", container=False, elem_id="live-capture-settings",
                                     elem_classes="aasist-capture-sink")
                threshold = gr.Slider(0.5, 0.99, value=DEFAULT_THRESHOLD, step=0.01, label="Alarm threshold",
                                      info="Smoothed spoof probability at which the alarm goes off (applies at once).",
                                      elem_id="live-threshold")
                with gr.Row():
                    hop = gr.Radio(HOPS, value=DEFAULT_HOP_S, label="Score", info="Applies from the next Record.",
                                   elem_id="live-hop")
                    model = gr.Radio(self.pool.models, value=self.pool.default, label="Model",
                                     info=live_model_text(LIVE_MIN_HOP_S), elem_id="live-model")
                analyze_button = gr.Button("Analyze the whole recording", interactive=False, elem_id="live-analyze")
            with gr.Column(scale=7):
                status = gr.HTML(views.LIVE_IDLE_STATUS, elem_id="live-status")
                chart = gr.HTML("", elem_id="live-chart")
                log_html = gr.HTML(views.LIVE_LOG_EMPTY, elem_id="live-log")
        view = LiveView(status, chart, log_html, analyze_button)
        private = dict(api_visibility="private", show_progress="hidden")
        on_start, outputs = bind(self.start, view)
        audio.start_recording(on_start, inputs=[model, threshold, hop], outputs=outputs, concurrency_limit=None,
                              **private)
        on_chunk, outputs = bind(self.chunk, view, STREAM)
        audio.stream(on_chunk, inputs=[audio, model, hop, threshold, capture], outputs=outputs,
                     stream_every=CHUNK_S, time_limit=self.limits.live_time_limit_s + 30,
                     concurrency_limit=self.limits.live_sessions, concurrency_id="live", **private)
        on_stop, outputs = bind(self.stop, view)
        audio.stop_recording(on_stop, outputs=outputs, concurrency_limit=None, **private)
        on_recording, outputs = bind(self.recording, HandOverView(analysis.audio, tabs, analysis.capture))
        analysis.then_analyze(analyze_button.click(on_recording, outputs=outputs, concurrency_limit=None,
                                                   **private).then)
