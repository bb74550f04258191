"""Figures for one analysis: the spectrogram with the spoof probability over time, and the attention (AASIST), the
filter-wise scaling (RawNet2) or the per-frame scores (AntiDeepfake) of the most decisive window.

Built for speed on a 2-core CPU (the web demo draws them for every click):
- each figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot: no global state, safe in the
  web server's worker threads), with fixed axes positions (no layout engine);
- images are reduced to about the display resolution before drawing (STFT columns averaged to at most
  ``MAX_COLUMNS``) and drawn with ``imshow``, never a mesh;
- each figure is drawn once, at display resolution, into an RGB array (``Figures.spectrogram`` ...), which is what
  ``gr.Image`` shows; the ``Figure`` objects stay available in ``Figures.figures`` for tests and for saving.

    from aasist.views.plots import draw_all
    figures = draw_all(audio, result)        # result from Detector.analyze(..., with_attention=True)
    figures.spectrogram                      # (H, W, 3) uint8
    draw_all(audio, result, PHONE)           # drawn for a phone (aasist.views.layout): panels stacked, larger type

Each figure has two arrangements: the desktop's (``DESKTOP``, the default: as before narrow layouts existed, pixel for
pixel) and a narrow one (``layout.narrow``), planned top down with ``_Column``. Both draw the same data with the same
panel code; the ``_desktop_*`` and ``_narrow_*`` functions only place the panels and the labels that move.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .layout import DESKTOP, LABEL_SIZE, TICK_SIZE, TITLE_SIZE, Layout
from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES
from ..text import short_percent_text
from .present import shown_probability, speech_text, verdict_headline
from ..audio.speech import MIN_SPEECH_S

# --- style --------------------------------------------------------------------------------------------------------

SPOOF_COLOR = "#dc2626"  # red
BONAFIDE_COLOR = "#16a34a"  # green
NO_SPEECH_COLOR = "#64748b"  # slate-500: no verdict (no speech), and windows with too little speech in them
SPEECH_COLOR = "#0072b2"  # Okabe-Ito blue: where speech was found (apart from red, green and the magma map for all)
SPEECH_STRIP_BG = "#eef2f7"
NO_SPEECH_BG = "#f3f4f6"
KEPT_COLOR = "#4f46e5"  # indigo: nodes the graph pooling kept
DROPPED_COLOR = "#cbd5e1"  # slate-300: nodes it dropped
INK = "#1f2937"  # text
MUTED = "#6b7280"  # secondary text, ticks
GRID = "#e5e7eb"
SPOOF_BG = "#fef2f2"
BONAFIDE_BG = "#f0fdf4"
SPECTROGRAM_CMAP = "magma"
MAP_CMAP = "Blues"
THRESHOLD = 0.5

WIDTH_IN = 11.0  # 1100 px: the attention figures, beside their explanation in the demo
SPECTROGRAM_WIDTH_IN = 12.0  # 1200 px: about the full width of the demo's main column
MAX_COLUMNS = 1050  # spectrogram columns drawn: the axes' width in pixels
N_FFT = 512  # 32 ms at 16 kHz, the authors' FFT size
MIN_HOP = 128
TOP_DB = 80.0
NYQUIST = SAMPLE_RATE / 2


@dataclass
class Figures:
    """Rendered figures of one analysis (RGB uint8 arrays at display resolution); ``None`` where not applicable."""

    spectrogram: np.ndarray
    spectral_attention: Optional[np.ndarray] = None
    temporal_attention: Optional[np.ndarray] = None
    heterogeneous: Optional[np.ndarray] = None  # only when the HS-GAL attention is not uniform
    robustness: Optional[np.ndarray] = None  # only when the result has a robustness check
    filter_scaling: Optional[np.ndarray] = None  # only for a RawNet2 result with its filter scaling
    frame_scores: Optional[np.ndarray] = None  # only for an AntiDeepfake result with its per-frame scores
    # The model whose attention the attention figures show: the result's own, or the one run beside it (AASIST beside
    # AntiDeepfake, which has none); None without attention figures.
    attention_model: Optional[str] = None
    figures: dict = field(default_factory=dict, repr=False)  # name -> matplotlib Figure
    timings: dict = field(default_factory=dict)  # name -> seconds spent drawing and rendering
    layout: Layout = DESKTOP  # the screen they were drawn for


# --- helpers ------------------------------------------------------------------------------------------------------


def _new_figure(height_in: float, width_in: float = WIDTH_IN, layout: Layout = DESKTOP) -> Figure:
    """A figure ``height_in`` tall; ``width_in`` wide on the desktop, the screen's width in a narrow ``layout``."""
    fig = Figure(figsize=(layout.width_in(width_in), height_in), dpi=layout.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _axes(fig: Figure, left_in: float, bottom_in: float, width_in: float, height_in: float,
          layout: Layout = DESKTOP, **kwargs):
    """Axes placed in inches from the figure's bottom-left corner (no layout engine: cheap and predictable)."""
    w, h = fig.get_size_inches()
    ax = fig.add_axes((left_in / w, bottom_in / h, width_in / w, height_in / h), **kwargs)
    _style(ax, layout)
    return ax


def _style(ax, layout: Layout = DESKTOP) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9ca3af")
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(labelsize=layout.tick_size, colors=MUTED, length=3, width=0.8)
    ax.xaxis.label.set_color(INK)
    ax.yaxis.label.set_color(INK)
    ax.xaxis.label.set_size(layout.label_size)
    ax.yaxis.label.set_size(layout.label_size)
    ax.title.set_color(INK)


# The narrow layout's title block: margins and line heights in inches (1 inch = 100 CSS px).
NARROW_MARGIN_IN = 0.12
_LINE_SPACING = 1.3
_GLYPH_EM = 0.58  # a generous average glyph width of DejaVu Sans, in em: wrapped lines never run off the figure
_BOLD_GLYPH_EM = 0.64  # and of DejaVu Sans Bold


# Spaces a line must not break at: between a number and its unit ("4 s", "79.1 %"), and in "bona fide".
_KEEP_TOGETHER = re.compile(r"(?<=\d) (?=(?:s|ms|Hz|kHz|dB|%)(?:\W|$))|(?<=bona) (?=fide)")
_NO_BREAK = "\ue000"  # in place of those spaces while wrapping (textwrap breaks at ASCII whitespace only)


def wrap_to_width(text: str, width_in: float, size: float, bold: bool = False) -> list:
    """``text`` (paragraphs split by newlines) wrapped into lines that fit ``width_in`` inches at ``size`` pt."""
    import textwrap

    chars = max(12, int(width_in * 72 / (size * (_BOLD_GLYPH_EM if bold else _GLYPH_EM))))
    kept = _KEEP_TOGETHER.sub(_NO_BREAK, text)
    return [line.replace(_NO_BREAK, " ") for paragraph in kept.split("\n")
            for line in (textwrap.wrap(paragraph, chars) or [""])]


def _title_lines(text: str, subtitle: str, layout: Layout) -> tuple:
    usable = layout.width_in(0) - 2 * NARROW_MARGIN_IN
    return (wrap_to_width(text, usable, layout.title_size, bold=True),
            wrap_to_width(subtitle, usable, layout.label_size) if subtitle else [])


def title_height_in(text: str, subtitle: str, layout: Layout) -> float:
    """In a narrow layout, how far the title block (``_title``) reaches down from the figure's top, in inches: the
    figure's height is planned with it."""
    title, sub = _title_lines(text, subtitle, layout)
    height = NARROW_MARGIN_IN + len(title) * layout.title_size * _LINE_SPACING / 72
    if sub:
        height += 0.05 + len(sub) * layout.label_size * _LINE_SPACING / 72
    return height + 0.08


def _title(fig: Figure, text: str, subtitle: str = "", layout: Layout = DESKTOP) -> None:
    """The figure's title and subtitle, top left; wrapped to the width in a narrow layout (``title_height_in``)."""
    w, h = fig.get_size_inches()
    if not layout.narrow:
        fig.text(0.6 / w, 1 - 0.3 / h, text, fontsize=TITLE_SIZE, fontweight="bold", color=INK, va="top", ha="left")
        if subtitle:
            fig.text(0.6 / w, 1 - 0.58 / h, subtitle, fontsize=LABEL_SIZE, color=MUTED, va="top", ha="left")
        return
    title, sub = _title_lines(text, subtitle, layout)
    top = NARROW_MARGIN_IN
    fig.text(NARROW_MARGIN_IN / w, 1 - top / h, "\n".join(title), fontsize=layout.title_size, fontweight="bold",
             color=INK, va="top", ha="left", linespacing=_LINE_SPACING)
    if sub:
        top += len(title) * layout.title_size * _LINE_SPACING / 72 + 0.05
        fig.text(NARROW_MARGIN_IN / w, 1 - top / h, "\n".join(sub), fontsize=layout.label_size, color=MUTED,
                 va="top", ha="left", linespacing=_LINE_SPACING)


def _panel_title(ax, text: str, layout: Layout = DESKTOP, width_in: Optional[float] = None) -> None:
    """A panel's title, over its left edge; in a narrow layout wrapped to ``width_in`` (by default as far as the
    figure's right margin), as ``_Column.title_room`` plans it."""
    if layout.narrow:
        if width_in is None:
            fig_width = ax.figure.get_size_inches()[0]
            width_in = fig_width * (1 - ax.get_position().x0) - NARROW_MARGIN_IN
        text = "\n".join(wrap_to_width(text, width_in, layout.label_size + 0.5))
    ax.set_title(text, fontsize=layout.label_size + 0.5, color=INK, loc="left", pad=6)


def _small_size(layout: Layout, less: float) -> float:
    """A secondary text's size: ``less`` pt under the tick labels' on the desktop; in a narrow layout the tick
    labels' own, already the smallest text allowed there."""
    return layout.tick_size if layout.narrow else TICK_SIZE - less


def _lines_in(size: float, lines: int = 1) -> float:
    """The height of ``lines`` lines of text at ``size`` pt, in inches."""
    return lines * size * _LINE_SPACING / 72


def _text_width_in(text: str, size: float) -> float:
    """A generous estimate of a one-line text's width in inches (``_GLYPH_EM``), to place it before drawing."""
    return len(text) * size * _GLYPH_EM / 72


def _axes_width_in(ax) -> float:
    return ax.get_position().width * ax.figure.get_size_inches()[0]


def _inside(ax, text: str, size: float, x: float, ha: str) -> tuple:
    """(x, ha) of a one-line text put at ``x`` aligned ``ha`` (data units), moved against the end of the axes' x
    range it would run past (the range as set when called)."""
    low, high = ax.get_xlim()
    width = _text_width_in(text, size) * (high - low) / _axes_width_in(ax)
    start = x - width * {"left": 0.0, "center": 0.5, "right": 1.0}[ha]
    pad = 0.01 * (high - low)
    if start + width > high - pad:
        return high - pad, "right"
    if start < low + pad:
        return low + pad, "left"
    return x, ha


@dataclass
class _Slot:
    """A panel's place in a narrow figure: its top edge (inches down from the figure's top) and its height."""

    top_in: float
    height_in: float

    @property
    def bottom_in(self) -> float:
        """Its bottom edge, inches down from the figure's top."""
        return self.top_in + self.height_in


@dataclass
class _Column:
    """A narrow figure planned from the top down, in inches: the title block, then panels one under the other, each
    with the room its titles and labels take above and below it. ``figure()`` makes it once all is planned (a
    figure's height is fixed when it is made); ``axes`` then places the panels, still without a layout engine."""

    layout: Layout
    title: str
    subtitle: str = ""
    used_in: float = field(init=False)
    fig: Optional[Figure] = field(init=False, default=None)

    def __post_init__(self):
        self.used_in = title_height_in(self.title, self.subtitle, self.layout)

    @property
    def width_in(self) -> float:
        return self.layout.width_in(0)

    def slot(self, height_in: float, above_in: float = 0.0, below_in: float = 0.0) -> _Slot:
        """The next panel down: ``above_in`` for its title, then ``height_in``, then ``below_in`` for its labels."""
        slot = _Slot(self.used_in + above_in, height_in)
        self.used_in = slot.bottom_in + below_in
        return slot

    def title_room(self, text: str, left_in: float, width_in: Optional[float] = None) -> float:
        """The room above a panel at ``left_in`` for its title ``text`` (``_panel_title``: wrapped to ``width_in``, by
        default as far as the right margin)."""
        size = self.layout.label_size + 0.5
        width_in = self.width_in - NARROW_MARGIN_IN - left_in if width_in is None else width_in
        return 0.12 + _lines_in(size, len(wrap_to_width(text, width_in, size)))

    def figure(self, bottom_in: float = NARROW_MARGIN_IN) -> Figure:
        self.fig = _new_figure(self.used_in + bottom_in, layout=self.layout)
        _title(self.fig, self.title, self.subtitle, self.layout)
        return self.fig

    def box(self, slot: _Slot, left_in: float, width_in: float) -> tuple:
        """(left, bottom, width, height) in inches from the bottom-left corner, as ``_axes`` takes them."""
        return left_in, self.fig.get_size_inches()[1] - slot.bottom_in, width_in, slot.height_in

    def axes(self, slot: _Slot, left_in: float, width_in: float, **kwargs):
        return _axes(self.fig, *self.box(slot, left_in, width_in), self.layout, **kwargs)

    def y(self, down_in: float) -> float:
        """The point ``down_in`` inches under the figure's top, as a fraction of its height (for legends)."""
        return 1 - down_in / self.fig.get_size_inches()[1]

    def x(self, left_in: float) -> float:
        return left_in / self.fig.get_size_inches()[0]


def render_figure(fig: Figure) -> np.ndarray:
    """A figure of this module as the (H, W, 3) uint8 image the demo shows (what ``draw_all`` returns)."""
    canvas = fig.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _hz_formatter(value, _pos=None) -> str:
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


def _share_formatter(value, _pos=None) -> str:
    """Attention shares as percentages: 0.05 -> '5%', 0.025 -> '2.5%'."""
    return f"{value * 100:.3g}%"


def _waveform(audio) -> np.ndarray:
    """The 16 kHz mono waveform the model saw, from an ``aasist.audio.decoding.Audio`` or an array."""
    x = getattr(audio, "waveform", audio)
    return np.asarray(x, dtype=np.float32).reshape(-1)


def log_spectrogram(x: np.ndarray, max_columns: int = MAX_COLUMNS) -> tuple:
    """(dB image (freq, time) with 0 dB at the loudest cell, seconds per column) reduced to at most ``max_columns``.

    The STFT hop grows with the recording so that at most 4 × ``max_columns`` frames are computed (bounded time and
    memory for a 10-minute recording); neighbouring frames' power is then averaged down to the display width.
    """
    import librosa

    n = len(x)
    if n < N_FFT:
        x = np.pad(x, (0, N_FFT - n))
        n = N_FFT
    hop = max(MIN_HOP, int(np.ceil(n / (4 * max_columns))))
    power = np.abs(librosa.stft(x, n_fft=N_FFT, hop_length=hop, center=True)) ** 2  # (257, frames)
    group = max(1, int(np.ceil(power.shape[1] / max_columns)))
    if group > 1:
        usable = power.shape[1] // group * group
        reduced = power[:, :usable].reshape(power.shape[0], -1, group).mean(axis=2)
        if usable < power.shape[1]:
            reduced = np.concatenate([reduced, power[:, usable:].mean(axis=1, keepdims=True)], axis=1)
        power = reduced
    db = 10.0 * np.log10(np.maximum(power, 1e-12))
    db -= db.max()
    np.maximum(db, -TOP_DB, out=db)
    return db.astype(np.float32), hop * group / SAMPLE_RATE


def _draw_spectrogram(ax, x: np.ndarray, t0: float, duration: float, max_columns: int = MAX_COLUMNS):
    db, _ = log_spectrogram(x, max_columns)
    image = ax.imshow(
        db,
        origin="lower",
        aspect="auto",
        cmap=SPECTROGRAM_CMAP,
        vmin=-TOP_DB,
        vmax=0,
        extent=(t0, t0 + duration, 0, NYQUIST),
        interpolation="nearest",
        resample=False,
    )
    ax.set_ylim(0, NYQUIST)
    ax.set_yticks([0, 2000, 4000, 6000, 8000])
    ax.yaxis.set_major_formatter(_hz_formatter)
    return image


def _window_waveform(x: np.ndarray, start_s: float) -> np.ndarray:
    """The samples of the model's input window starting at ``start_s`` (repeated to fill it when short)."""
    from ..audio.windows import tile_to_length

    start = int(round(start_s * SAMPLE_RATE))
    return tile_to_length(x[start : start + WINDOW_SAMPLES])

# --- the spectrogram and the timeline -----------------------------------------------------------------------------

SPECTROGRAM_TITLE = "The recording, and how suspicious each part sounded to the model"
PROBABILITY_PANEL_TITLE = "Spoof probability of each window"  # the timeline's, when narrow


@dataclass(frozen=True)
class _Timeline:
    """What the spectrogram figure shows, in either layout."""

    x: np.ndarray
    duration: float
    speech: object  # speech.SpeechPresence; None when speech was not looked for
    no_speech: bool  # no verdict
    windows: list
    decisive: int  # the window shown in the attention plots; -1 when there is none
    analysed_to: Optional[float]  # the authors' protocol: where the part analysed ends, when before the end
    no_verdict_note: str
    shown_in: str = "attention plots"  # the figure that looks inside the decisive window

    @property
    def subtitle(self) -> str:
        speech = self.speech
        found = "none" if speech is None or speech.seconds < 0.05 else speech_text(speech)
        strip_note = "" if speech is None else f"; blue: where speech was found ({found})"
        return (f"Top: spectrogram (brighter = louder){strip_note}. Bottom: spoof probability of each ~4 s "
                "window.")

    def has_speech(self, window) -> bool:
        return getattr(window, "has_speech", True) and not self.no_speech

    @property
    def any_without_speech(self) -> bool:
        """A window is drawn grey: the timeline's legend says what that means."""
        return not all(self.has_speech(w) for w in self.windows)

    def end_of(self, window) -> float:
        return min(float(window.end_s), self.duration)


def _timeline(audio, result) -> _Timeline:
    x = _waveform(audio)
    duration = len(x) / SAMPLE_RATE
    windows = list(result.windows)
    analysed_to = max((min(float(w.end_s), duration) for w in windows), default=duration)
    cut = result.protocol == "asvspoof" and analysed_to < duration - 1e-3
    return _Timeline(x=x, duration=duration, speech=getattr(result, "speech", None),
                     no_speech=result.verdict == "no_speech", windows=windows,
                     decisive=result.most_decisive_window if windows else -1,
                     analysed_to=analysed_to if cut else None,
                     no_verdict_note=f"{verdict_headline('no_speech')}: spoof probability {shown_probability(result)}",
                     shown_in="frame-by-frame plot" if getattr(result, "frame_scores", None) is not None
                     else "attention plots")


@dataclass
class _TimelinePanels:
    """The spectrogram figure's axes, placed for one layout."""

    fig: Figure
    spec: object
    prob: object
    strip: object = None  # the speech strip, when speech was looked for
    colorbar_in: Optional[tuple] = None  # (left, bottom, width, height) of the dB colour bar; None: left out
    legend: dict = field(default_factory=dict)  # where the legend of grey windows goes (loc, bbox_to_anchor)


def draw_spectrogram(audio, result, layout: Layout = DESKTOP) -> Figure:
    """Spectrogram (dB, Hz), a strip marking where speech was found (``result.speech``), and the per-window spoof
    probability on the same time axis underneath; windows with too little speech in them are grey and dashed."""
    t = _timeline(audio, result)
    panels = _narrow_timeline_panels(t, layout) if layout.narrow else _desktop_timeline_panels(t)
    fig, spec, prob = panels.fig, panels.spec, panels.prob

    image = _draw_spectrogram(spec, t.x, 0.0, t.duration)
    spec.set_ylabel("Frequency (Hz)")
    spec.tick_params(labelbottom=False)
    spec.set_xlim(0, t.duration)
    if panels.colorbar_in is not None:
        _decibel_colorbar(fig, image, panels.colorbar_in)
    if panels.strip is not None:
        _draw_speech_strip(panels.strip, t.speech, t.duration, layout)

    # The probability timeline: light red above the threshold, light green below (grey without a verdict).
    prob.axhspan(THRESHOLD, 1.0, color=NO_SPEECH_BG if t.no_speech else SPOOF_BG, zorder=0, lw=0)
    prob.axhspan(0.0, THRESHOLD, color=NO_SPEECH_BG if t.no_speech else BONAFIDE_BG, zorder=0, lw=0)
    prob.axhline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    if layout.narrow:
        _label_probability_narrow(prob, t.no_speech, layout)
    else:
        _label_probability_desktop(prob, t.no_speech)
    if 0 <= t.decisive < len(t.windows):
        _mark_decisive_window(spec, prob, t, layout)
    _draw_windows(prob, t, layout)
    if t.no_speech:  # no verdict: say so over the numbers
        _say_no_verdict(prob, t.no_verdict_note, layout)
    if t.any_without_speech:
        _legend_without_speech(fig, panels.legend, layout)
    if t.analysed_to is not None:
        _shade_not_analysed(spec, prob, t, layout)
    prob.set_ylim(0, 1)
    prob.set_xlabel("Time (s)")
    prob.set_xlim(0, t.duration)
    return fig


def _desktop_timeline_panels(t: _Timeline) -> _TimelinePanels:
    fig = _new_figure(5.2, width_in=SPECTROGRAM_WIDTH_IN)
    _title(fig, SPECTROGRAM_TITLE, t.subtitle)
    left, width = 0.75, SPECTROGRAM_WIDTH_IN - 1.45
    spec = _axes(fig, left, 2.25, width, 2.05)
    prob = _axes(fig, left, 0.55, width, 1.2, sharex=spec)
    strip = None if t.speech is None else _axes(fig, left, 1.88, width, 0.22, sharex=spec)
    w, h = fig.get_size_inches()
    return _TimelinePanels(fig, spec, prob, strip, colorbar_in=(left + width + 0.12, 2.25, 0.12, 2.05),
                           legend=dict(loc="lower right", bbox_to_anchor=(1 - 0.65 / w, 0.02 / h)))


NARROW_LEFT_IN = 0.6  # room for a narrow figure's y tick labels and axis label
NARROW_RIGHT_IN = 0.2  # half the last x tick label sticks out right of its axes
NARROW_X_LABELS_IN = 0.42  # below a panel with x tick labels and an axis label


def _narrow_timeline_panels(t: _Timeline, layout: Layout) -> _TimelinePanels:
    """The spectrogram full width and taller, relative to its width, than on the desktop (2:3 rather than 1:5), the
    speech strip and the timeline under it, the legend under the time axis. No colour bar: the subtitle says brighter
    is louder, and its dB ticks (relative to the loudest cell) would take a tenth of a phone's width for nothing
    a reader needs."""
    col = _Column(layout, SPECTROGRAM_TITLE, t.subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    spec = col.slot(max(1.6, 0.62 * width), above_in=0.04)
    strip = col.slot(0.2, above_in=0.07) if t.speech is not None else None
    # Without a verdict the panel holds two notes, one over the other (_say_no_verdict, _shade_not_analysed).
    prob = col.slot(1.3 if t.no_speech else 1.05, above_in=col.title_room(PROBABILITY_PANEL_TITLE, NARROW_LEFT_IN),
                    below_in=NARROW_X_LABELS_IN)
    legend_top = col.used_in
    if t.any_without_speech:
        col.slot(_lines_in(layout.tick_size) + 0.05)
    fig = col.figure()
    spec_ax = col.axes(spec, NARROW_LEFT_IN, width)
    prob_ax = col.axes(prob, NARROW_LEFT_IN, width, sharex=spec_ax)
    _panel_title(prob_ax, PROBABILITY_PANEL_TITLE, layout)
    strip_ax = None if strip is None else col.axes(strip, NARROW_LEFT_IN, width, sharex=spec_ax)
    return _TimelinePanels(fig, spec_ax, prob_ax, strip_ax,
                           legend=dict(loc="upper left", bbox_to_anchor=(col.x(NARROW_MARGIN_IN), col.y(legend_top))))


def _decibel_colorbar(fig: Figure, image, box_in: tuple) -> None:
    colorbar = fig.colorbar(image, cax=_axes(fig, *box_in))
    colorbar.set_ticks([0, -20, -40, -60, -80])
    colorbar.ax.tick_params(labelsize=TICK_SIZE - 1, colors=MUTED, length=2)
    colorbar.outline.set_visible(False)
    colorbar.set_label("dB", fontsize=TICK_SIZE, color=MUTED, labelpad=2)


def _label_probability_desktop(prob, no_speech: bool) -> None:
    """The threshold, "spoof" and "bona fide" right of the timeline; 0 and 1 on its axis."""
    prob.text(1.005, THRESHOLD, "0.5", transform=prob.get_yaxis_transform(), fontsize=TICK_SIZE - 0.5,
              color=MUTED, va="center", ha="left")
    prob.text(1.005, 0.8, "spoof", transform=prob.transAxes, fontsize=TICK_SIZE,
              color=MUTED if no_speech else SPOOF_COLOR, va="center", ha="left", fontweight="bold")
    prob.text(1.005, 0.2, "bona\nfide", transform=prob.transAxes, fontsize=TICK_SIZE,
              color=MUTED if no_speech else BONAFIDE_COLOR, va="center", ha="left", fontweight="bold",
              linespacing=1.0)
    prob.set_yticks([0, 0.5, 1])
    prob.set_yticklabels(["0", "", "1"])
    prob.set_ylabel("Spoof\nprobability")


def _label_probability_narrow(prob, no_speech: bool, layout: Layout) -> None:
    """"spoof", the threshold and "bona fide" as the timeline's tick labels, left of it: no room on the right (the
    panel's title says what the axis is)."""
    prob.set_yticks([0.25, 0.5, 0.75])
    labels = prob.set_yticklabels(["bona\nfide", "0.5", "spoof"])
    for label, color in zip(labels, (BONAFIDE_COLOR, MUTED, SPOOF_COLOR)):
        label.set_color(MUTED if no_speech else color)
        label.set_fontweight("normal" if color == MUTED else "bold")
        label.set_linespacing(1.0)
    prob.tick_params(axis="y", length=0, labelsize=layout.tick_size)


def _mark_decisive_window(spec, prob, t: _Timeline, layout: Layout) -> None:
    """The window the attention plots show, dashed on the spectrogram and the timeline."""
    w = t.windows[t.decisive]
    end = t.end_of(w)
    spec.add_patch(Rectangle((w.start_s, 60), end - w.start_s, NYQUIST - 120, fill=False, edgecolor="white",
                             lw=1.6, ls=(0, (5, 3)), zorder=4))
    label, x, ha = f"window shown in the {t.shown_in}", w.start_s + 0.008 * t.duration, "left"
    if layout.narrow:  # shorter, and inside the panel: from the window's end leftwards when it ends far right
        label = f"in the {t.shown_in}"
        x, ha = _inside(spec, label, layout.tick_size, x, ha)
        if ha == "right":
            x, ha = _inside(spec, label, layout.tick_size, end - 0.008 * t.duration, "right")
    spec.text(x, NYQUIST - 260, label, fontsize=_small_size(layout, 0.5), color="white", va="top", ha=ha, zorder=5)
    prob.add_patch(Rectangle((w.start_s, 0.004), end - w.start_s, 0.992, fill=False, edgecolor=MUTED, lw=1.2,
                             ls=(0, (5, 3)), zorder=4))


def _draw_windows(prob, t: _Timeline, layout: Layout) -> None:
    """A line per window at its spoof probability; the decisive one thicker, with its percentage."""
    for i, w in enumerate(t.windows):
        p = float(w.spoof_probability)
        has_speech = t.has_speech(w)
        color = (SPOOF_COLOR if p >= THRESHOLD else BONAFIDE_COLOR) if has_speech else NO_SPEECH_COLOR
        end = t.end_of(w) if t.duration > 0 else float(w.end_s)
        y = min(max(p, 0.025), 0.975)  # keep the line inside the panel
        prob.plot([w.start_s, end], [y, y], color=color, lw=4.0 if i == t.decisive else 2.8,
                  ls="-" if has_speech else (0, (2.5, 1.2)), solid_capstyle="butt", dash_capstyle="butt", zorder=3)
        if i == t.decisive:
            prob.annotate(short_percent_text(p), xy=((w.start_s + end) / 2, y), xytext=(0, 5 if y < 0.8 else -15),
                          textcoords="offset points", ha="center", va="bottom", fontsize=layout.tick_size,
                          fontweight="bold", color=color, zorder=5)


def _say_no_verdict(prob, note: str, layout: Layout) -> None:
    if layout.narrow:
        note = "\n".join(wrap_to_width(note, _axes_width_in(prob) - 0.3, layout.label_size))
    prob.text(0.5, 0.5, note, transform=prob.transAxes, fontsize=layout.label_size, fontweight="bold", color=INK,
              ha="center", va="center", zorder=6, bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=GRID, alpha=0.9))


def _shade_not_analysed(spec, prob, t: _Timeline, layout: Layout) -> None:
    """The authors' protocol reads the first 4 s only: the rest is faded and says so."""
    for ax in (spec, prob):
        ax.axvspan(t.analysed_to, t.duration, color="white", alpha=0.55 if ax is spec else 0.8, lw=0, zorder=4)
    y = 0.15 if t.no_speech else 0.5  # under the note that there is no verdict, which takes the middle
    if not layout.narrow:
        prob.text((t.analysed_to + t.duration) / 2, y, "not analysed (the authors' protocol reads the first 4 s)",
                  fontsize=TICK_SIZE, color=MUTED, ha="center", va="center", zorder=6)
        return
    note = "not analysed (the authors'\nprotocol reads the first 4 s)"
    x, ha = _inside(prob, note.split("\n")[1], layout.tick_size, (t.analysed_to + t.duration) / 2, "center")
    prob.text(x, y, note, fontsize=layout.tick_size, color=MUTED, ha=ha, va="center", zorder=6,
              linespacing=1.1, multialignment="center")


def _draw_speech_strip(ax, speech, duration: float, layout: Layout = DESKTOP) -> None:
    """A thin band under the spectrogram, blue where speech was found (``SpeechPresence.regions``)."""
    ax.set_facecolor(SPEECH_STRIP_BG)
    ax.broken_barh([(start, end - start) for start, end in speech.regions], (0, 1), facecolors=SPEECH_COLOR,
                   edgecolors="none")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, duration)
    ax.set_yticks([])
    ax.tick_params(labelbottom=False, length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel("Speech", rotation=0, ha="right", va="center", labelpad=6, color=SPEECH_COLOR,
                  fontweight="bold")
    if not speech.regions:
        ax.text(0.5, 0.5, "no speech found", transform=ax.transAxes, fontsize=layout.tick_size, color=MUTED,
                ha="center", va="center")


def _legend_without_speech(fig: Figure, place: dict, layout: Layout) -> None:
    """The timeline's legend for grey windows: bottom right, on the time axis' label line, on the desktop; under
    the time axis in a narrow layout."""
    from matplotlib.lines import Line2D

    handle = Line2D([0], [0], color=NO_SPEECH_COLOR, lw=2.8, ls=(0, (2.5, 1.2)), dash_capstyle="butt")
    legend = fig.legend([handle], [f"window with under {MIN_SPEECH_S:g} s of speech"], fontsize=layout.tick_size,
                        frameon=False, handlelength=2.4, **place)
    for text in legend.get_texts():
        text.set_color(INK)


# --- attention ----------------------------------------------------------------------------------------------------


def _kept_mask(n: int, kept) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(kept, dtype=int)] = True
    return mask


def _window_label(att) -> str:
    start = float(att.start_s)
    text = f"window {start:.2f}–{start + WINDOW_SAMPLES / SAMPLE_RATE:.2f} s"
    return text + (" (recording repeated to fill it)" if att.tiled else "")


@dataclass
class _AttentionPanels:
    """An attention figure's axes, placed for one layout."""

    fig: Figure
    spec: object  # the decisive window's spectrogram
    bars: object  # the attention per node
    pool: object  # the graph pooling's keep scores
    amap: object  # the node-to-node map
    colorbar_in: tuple  # (left, bottom, width, height) of the map's colour bar
    legend: dict  # where the legend of kept and dropped nodes goes (loc, bbox_to_anchor, ncols)


def _legend_kept(fig: Figure, place: dict, layout: Layout = DESKTOP) -> None:
    """Legend of the attention figures: top right, on the subtitle's line, on the desktop; over the bars when
    narrow."""
    from matplotlib.lines import Line2D

    handles = [
        Rectangle((0, 0), 1, 1, color=KEPT_COLOR),
        Rectangle((0, 0), 1, 1, color=DROPPED_COLOR),
        Line2D([0], [0], color=MUTED, lw=1, ls=(0, (4, 3))),
    ]
    labels = ["kept by the graph pooling", "dropped", "even share"]
    legend = fig.legend(handles, labels, fontsize=layout.tick_size, frameon=False, handlelength=1.4,
                        handleheight=0.8, columnspacing=1.2, **place)
    for text in legend.get_texts():
        text.set_color(INK)


def _desktop_legend_place(fig: Figure) -> dict:
    w, h = fig.get_size_inches()
    return dict(loc="upper right", bbox_to_anchor=(1 - 0.45 / w, 1 - 0.22 / h), ncols=3)


NARROW_LEGEND_IN = 0.36  # the kept/dropped legend in two rows


def _narrow_legend_place(col: _Column, slot: _Slot) -> dict:
    return dict(loc="upper left", bbox_to_anchor=(col.x(NARROW_MARGIN_IN), col.y(slot.top_in)), ncols=2,
                borderaxespad=0)


@dataclass(frozen=True)
class _AttentionTexts:
    """An attention figure's title and subtitle, and its panels' titles (a narrow layout plans their lines)."""

    title: str
    subtitle: str
    map_title: str
    bars_title: str = ""


WINDOW_PANEL_TITLE = "Decisive window"


def _spectral_texts(att, learnt: bool) -> _AttentionTexts:
    if learnt:
        return _AttentionTexts(
            "Which learnt features the model relied on",
            f"Most decisive {_window_label(att)}. Each bar is a group of 3 of the 128 features its back end reads "
            "from wav2vec 2.0: a learnt axis, not frequency.",
            "Group-to-group attention map", "Attention per feature group")
    return _AttentionTexts(
        "Which frequency ranges the model relied on",
        f"Most decisive {_window_label(att)}. Each bar is one of the model's 23 frequency bands (approximate).",
        "Band-to-band attention map", "Attention per band")


def draw_spectral_attention(audio, result, layout: Layout = DESKTOP) -> Figure:
    """The 23 spectral nodes' weights along the frequency axis (kept nodes marked), the pool scores, the map."""
    att = result.attention
    x = _waveform(audio)
    bands = np.asarray(att.spectral_bands_hz, dtype=float)
    weight = np.asarray(att.spectral_weight, dtype=float)
    scores = np.asarray(att.spectral_pool_scores, dtype=float)
    n = len(weight)
    kept = _kept_mask(n, att.kept_spectral)
    colors = np.where(kept, KEPT_COLOR, DROPPED_COLOR)

    learnt = getattr(att, "spectral_axis", "hz") == "feature"  # W2V2-AASIST: groups of learnt feature dimensions
    texts = _spectral_texts(att, learnt)
    p = _narrow_spectral_panels(texts, layout) if layout.narrow else _desktop_spectral_panels(texts, learnt)
    spec, bars, pool, amap = p.spec, p.bars, p.pool, p.amap

    window = _window_waveform(x, att.start_s)
    _draw_spectrogram(spec, window, float(att.start_s), WINDOW_SAMPLES / SAMPLE_RATE, max_columns=240)
    spec.set_ylabel("Frequency (Hz)")
    spec.set_xlabel("Time (s)")
    spec.xaxis.set_major_locator(_max_n_locator(4))
    _panel_title(spec, WINDOW_PANEL_TITLE, layout)

    heights = bands[:, 1] - bands[:, 0]
    bars.barh(bands[:, 0], weight, height=heights, align="edge", color=colors, edgecolor="white", linewidth=0.6)
    even = 1.0 / n
    bars.axvline(even, color=MUTED, lw=1, ls=(0, (4, 3)))
    bars.set_xlim(0, max(weight.max() * 1.15, even * 1.6))
    bars.set_xlabel("Share of attention")
    bars.xaxis.set_major_formatter(_share_formatter)
    bars.xaxis.set_major_locator(_max_n_locator(3 if layout.narrow else 4))
    if layout.narrow:  # not beside the spectrogram: the bands' frequencies on their own axis
        bars.set_ylabel("Learnt feature group" if learnt else "Frequency (Hz)")
        if not learnt:
            bars.set_yticks([0, 2000, 4000, 6000, 8000])
            bars.yaxis.set_major_formatter(_hz_formatter)
    else:
        bars.tick_params(labelleft=learnt)
        if learnt:
            bars.set_ylabel("Learnt feature group")
    _panel_title(bars, texts.bars_title, layout, width_in=_axes_width_in(bars))
    _legend_kept(p.fig, p.legend, layout)

    centers = bands.mean(axis=1)
    pool.hlines(centers, 0, scores, color=colors, lw=1.6)
    pool.scatter(scores, centers, s=16, c=colors, zorder=3, linewidths=0)
    pool.set_xlim(0, 1.05)
    pool.set_xticks([0, 0.5, 1])
    pool.set_xticklabels(["0", ".5", "1"])
    pool.set_xlabel("Keep score")
    pool.tick_params(labelleft=False)
    _panel_title(pool, "Kept?", layout)
    pool.set_ylim(0, bands[-1, 1] if learnt else NYQUIST)

    # The bands are mel-spaced: the map's cells are stretched to the bands' true edges (a 23 x 23 mesh is cheap).
    edges = np.concatenate([bands[:, 0], bands[-1:, 1]])
    amap.pcolormesh(edges, edges, att.spectral_map, cmap=MAP_CMAP, norm=_map_norm(att.spectral_map), shading="flat")
    amap.set_xlim(0, edges[-1])
    amap.set_ylim(0, edges[-1])
    _panel_title(amap, texts.map_title, layout)
    if learnt:
        amap.set_xlabel("attended feature group")
        amap.set_ylabel("attending feature group")
    else:
        amap.set_xlabel("attended band (Hz)")
        amap.set_ylabel("attending band (Hz)")
        for axis in (amap.xaxis, amap.yaxis):
            axis.set_major_formatter(_hz_formatter)
        amap.set_xticks([0, 2000, 4000, 6000])
        amap.set_yticks([0, 2000, 4000, 6000])
    _colorbar(p.fig, amap, p.colorbar_in, layout)
    return p.fig


def _desktop_spectral_panels(texts: _AttentionTexts, learnt: bool) -> _AttentionPanels:
    """Four panels in a row: the window's spectrogram, the bars and keep scores on its frequency axis, the map."""
    fig = _new_figure(4.5)
    _title(fig, texts.title, texts.subtitle)
    bottom, height = 0.6, 2.85
    spec = _axes(fig, 0.75, bottom, 2.3, height)
    bars = _axes(fig, 3.35, bottom, 2.3, height, **({} if learnt else {"sharey": spec}))
    pool = _axes(fig, 5.8, bottom, 1.0, height, sharey=bars)
    amap = _axes(fig, 7.65, bottom, 2.75, height)
    return _AttentionPanels(fig, spec, bars, pool, amap, (10.48, bottom, 0.1, height), _desktop_legend_place(fig))


NARROW_COLORBAR_IN = 0.55  # right of a narrow map: the bar, and its percentage ticks


def _narrow_spectral_panels(texts: _AttentionTexts, layout: Layout) -> _AttentionPanels:
    """Stacked: the window's spectrogram; the bars and the keep scores side by side under the legend; the map,
    square, as wide as its colour bar leaves room for."""
    col = _Column(layout, texts.title, texts.subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    bars_width = 0.7 * width
    spec = col.slot(1.5, above_in=col.title_room(WINDOW_PANEL_TITLE, NARROW_LEFT_IN), below_in=NARROW_X_LABELS_IN)
    legend = col.slot(NARROW_LEGEND_IN, above_in=0.04)
    row = col.slot(1.9, above_in=col.title_room(texts.bars_title, NARROW_LEFT_IN, bars_width),
                   below_in=NARROW_X_LABELS_IN)
    side = width - NARROW_COLORBAR_IN
    square = col.slot(side, above_in=col.title_room(texts.map_title, NARROW_LEFT_IN), below_in=NARROW_X_LABELS_IN)
    fig = col.figure()
    bars = col.axes(row, NARROW_LEFT_IN, bars_width)
    pool = col.axes(row, NARROW_LEFT_IN + bars_width + 0.14, width - bars_width - 0.14, sharey=bars)
    colorbar_in = col.box(square, NARROW_LEFT_IN + side + 0.1, 0.08)
    return _AttentionPanels(fig, col.axes(spec, NARROW_LEFT_IN, width), bars, pool,
                            col.axes(square, NARROW_LEFT_IN, side), colorbar_in, _narrow_legend_place(col, legend))


def _map_norm(matrix):
    """Square-root colour scale from 0: a few strong cells do not wash out the rest of an attention map."""
    from matplotlib.colors import PowerNorm

    return PowerNorm(gamma=0.5, vmin=0, vmax=max(float(np.max(matrix)), 1e-12))


def _colorbar(fig, ax, box_in: tuple, layout: Layout = DESKTOP):
    mappable = ax.collections[-1] if ax.collections else ax.images[-1]
    cax = _axes(fig, *box_in)
    colorbar = fig.colorbar(mappable, cax=cax)
    colorbar.ax.tick_params(labelsize=_small_size(layout, 1.5), colors=MUTED, length=2)
    colorbar.ax.yaxis.set_major_formatter(_share_formatter)
    if layout.narrow:  # a short bar: fewer ticks
        colorbar.ax.yaxis.set_major_locator(_max_n_locator(4))
    colorbar.outline.set_visible(False)
    return colorbar


def draw_temporal_attention(audio, result, layout: Layout = DESKTOP) -> Figure:
    """Each temporal node's weight along the time axis under the decisive window's spectrogram, and the map."""
    att = result.attention
    x = _waveform(audio)
    times = np.asarray(att.temporal_times_s, dtype=float)
    weight = np.asarray(att.temporal_weight, dtype=float)
    scores = np.asarray(att.temporal_pool_scores, dtype=float)
    n = len(weight)
    kept = _kept_mask(n, att.kept_temporal)
    colors = np.where(kept, KEPT_COLOR, DROPPED_COLOR)
    t0 = float(att.start_s)
    t1 = t0 + WINDOW_SAMPLES / SAMPLE_RATE

    texts = _AttentionTexts("Which moments the model relied on",
                            f"Most decisive {_window_label(att)}. Each bar is one of the model's {n} time slices "
                            f"(~{(times[0, 1] - times[0, 0]) * 1000:.0f} ms).", "Moment-to-moment attention map")
    p = _narrow_temporal_panels(texts, layout) if layout.narrow else _desktop_temporal_panels(texts)
    spec, bars, pool, amap = p.spec, p.bars, p.pool, p.amap

    window = _window_waveform(x, t0)
    _draw_spectrogram(spec, window, t0, t1 - t0, max_columns=600)
    spec.set_ylabel("Frequency (Hz)")
    spec.tick_params(labelbottom=False)
    _panel_title(spec, WINDOW_PANEL_TITLE, layout)

    bars.bar(times[:, 0], weight, width=times[:, 1] - times[:, 0], align="edge", color=colors, edgecolor="white",
             linewidth=0.6)
    even = 1.0 / n
    bars.axhline(even, color=MUTED, lw=1, ls=(0, (4, 3)))
    bars.set_ylim(0, max(weight.max() * 1.2, even * 1.8))
    bars.set_ylabel("Share of attention" if layout.narrow else "Share of\nattention")
    bars.tick_params(labelbottom=False)
    bars.yaxis.set_major_locator(_max_n_locator(3))
    bars.yaxis.set_major_formatter(_share_formatter)
    _legend_kept(p.fig, p.legend, layout)

    centers = times.mean(axis=1)
    pool.scatter(centers, np.zeros(n), s=np.clip(scores, 0.05, 1) * 60, c=colors, linewidths=0)
    pool.set_ylim(-1, 1)
    pool.set_yticks([])
    pool.spines["left"].set_visible(False)
    pool.set_ylabel("Keep\nscore", rotation=0, ha="right", va="center", labelpad=4)
    pool.set_xlabel("Time in the recording (s)")
    pool.set_xlim(t0, t1)

    recording_end = len(x) / SAMPLE_RATE
    if att.tiled and recording_end < t1:
        for ax in (spec, bars, pool):
            ax.axvspan(recording_end, t1, facecolor="white", alpha=0.45, lw=0, zorder=4, hatch="///",
                       edgecolor=GRID)
        x, ha = (recording_end + t1) / 2, "center"
        if layout.narrow:
            x, ha = _inside(spec, "repeated audio", layout.tick_size, x, ha)
        spec.text(x, NYQUIST * 0.92, "repeated audio", color="white", fontsize=layout.tick_size, ha=ha, va="top",
                  zorder=5)

    edges = np.concatenate([times[:, 0], times[-1:, 1]])
    amap.pcolormesh(edges, edges, att.temporal_map, cmap=MAP_CMAP, norm=_map_norm(att.temporal_map), shading="flat")
    amap.set_xlim(edges[0], edges[-1])
    amap.set_ylim(edges[0], edges[-1])
    _panel_title(amap, texts.map_title, layout)
    amap.set_xlabel("attended time slice (s)")
    amap.set_ylabel("attending time slice (s)")
    _colorbar(p.fig, amap, p.colorbar_in, layout)
    return p.fig


def _desktop_temporal_panels(texts: _AttentionTexts) -> _AttentionPanels:
    """The window's spectrogram, the bars and the keep scores on one time axis (left), the map (right)."""
    fig = _new_figure(4.85)
    _title(fig, texts.title, texts.subtitle)
    left, width = 0.75, 6.1
    spec = _axes(fig, left, 2.25, width, 1.45)
    bars = _axes(fig, left, 1.0, width, 1.1, sharex=spec)
    pool = _axes(fig, left, 0.55, width, 0.32, sharex=spec)
    amap = _axes(fig, 7.65, 0.55, 2.75, 3.15)
    return _AttentionPanels(fig, spec, bars, pool, amap, (10.48, 0.55, 0.1, 3.15), _desktop_legend_place(fig))


def _narrow_temporal_panels(texts: _AttentionTexts, layout: Layout) -> _AttentionPanels:
    """Stacked on one time axis: the window's spectrogram, the legend, the bars, the keep scores; the map under
    them, square."""
    col = _Column(layout, texts.title, texts.subtitle)
    left = NARROW_LEFT_IN + 0.04  # the keep scores' label
    width = col.width_in - left - NARROW_RIGHT_IN
    spec = col.slot(1.3, above_in=col.title_room(WINDOW_PANEL_TITLE, left))
    legend = col.slot(NARROW_LEGEND_IN, above_in=0.1)
    bars = col.slot(1.25, above_in=0.04)
    pool = col.slot(0.32, above_in=0.1, below_in=NARROW_X_LABELS_IN)
    side = width - NARROW_COLORBAR_IN
    square = col.slot(side, above_in=col.title_room(texts.map_title, left) + 0.1, below_in=NARROW_X_LABELS_IN)
    fig = col.figure()
    spec_ax = col.axes(spec, left, width)
    return _AttentionPanels(fig, spec_ax, col.axes(bars, left, width, sharex=spec_ax),
                            col.axes(pool, left, width, sharex=spec_ax), col.axes(square, left, side),
                            col.box(square, left + side + 0.1, 0.08), _narrow_legend_place(col, legend))


def _max_n_locator(n: int):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(n)


HETEROGENEOUS_TITLE = "Heterogeneous (spectral + temporal) attention layers"
HETEROGENEOUS_SUBTITLE = ("Each map mixes the kept time slices (left of and below the red line) with the kept "
                          "frequency bands.")


def draw_heterogeneous(result, layout: Layout = DESKTOP) -> Optional[Figure]:
    """The HS-GAL layers' maps; only for a checkpoint whose heterogeneous attention is not uniform. Four in a row on
    the desktop, a 2 x 2 grid when narrow."""
    att = result.attention
    if att is None or att.heterogeneous_uniform or not att.heterogeneous_maps:
        return None
    names = sorted(att.heterogeneous_maps)[:4]
    fig, places = (_narrow_heterogeneous_grid if layout.narrow else _desktop_heterogeneous_row)(layout)
    for name, place in zip(names, places):
        ax = _axes(fig, *place, layout)
        matrix = np.asarray(att.heterogeneous_maps[name])
        ax.imshow(matrix, origin="lower", cmap=MAP_CMAP, aspect="auto", interpolation="nearest",
                  norm=_map_norm(matrix))
        # The layer concatenates temporal nodes first, then spectral ones: ST{k}1 gets the nodes pool_T and pool_S
        # kept, ST{k}2 those the branch pools kept.
        branch, stage = name[-2], name[-1]
        n_temporal = len(att.kept_temporal) if stage == "1" else len(att.branch_kept.get(f"temporal_{branch}", ()))
        if 0 < n_temporal < matrix.shape[0]:
            for line in (ax.axvline, ax.axhline):
                line(n_temporal - 0.5, color=SPOOF_COLOR, lw=0.8)
        _panel_title(ax, f"Branch {branch}, layer {stage}", layout, width_in=place[2])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("time slices | bands", fontsize=layout.tick_size)
    return fig


def _desktop_heterogeneous_row(layout: Layout) -> tuple:
    """(figure, each map's (left, bottom, width, height) in inches)."""
    fig = _new_figure(3.6)
    _title(fig, HETEROGENEOUS_TITLE, HETEROGENEOUS_SUBTITLE)
    size, gap = 2.05, 0.55
    return fig, [(0.75 + i * (size + gap), 0.5, size, size) for i in range(4)]


def _narrow_heterogeneous_grid(layout: Layout) -> tuple:
    col = _Column(layout, HETEROGENEOUS_TITLE, HETEROGENEOUS_SUBTITLE)
    gap = 0.3
    size = (col.width_in - 2 * NARROW_MARGIN_IN - gap) / 2
    rows = [col.slot(size, above_in=col.title_room("Branch 1, layer 1", NARROW_MARGIN_IN, size), below_in=0.28)
            for _ in range(2)]
    fig = col.figure()
    return fig, [col.box(row, NARROW_MARGIN_IN + i * (size + gap), size) for row in rows for i in range(2)]


# --- RawNet2's filter-wise scaling ----------------------------------------------------------------------------------


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def _band_levels_db(magnitude: np.ndarray) -> np.ndarray:
    """Band magnitudes in dB relative to the strongest band (floored at -TOP_DB)."""
    magnitude = np.maximum(np.asarray(magnitude, dtype=float), 1e-12)
    return np.maximum(20.0 * np.log10(magnitude / magnitude.max()), -TOP_DB)


def _gate_matrix(block_scales: list) -> np.ndarray:
    """(blocks, most filters) gates, NaN where a block has fewer filters than the widest one."""
    width = max(len(s) for s in block_scales)
    matrix = np.full((len(block_scales), width), np.nan)
    for i, scales in enumerate(block_scales):
        matrix[i, : len(scales)] = scales
    return matrix

FILTER_SCALING_TITLE = "What RawNet2 passed on, band by band and filter by filter"
BANDS_PANEL_TITLE = "Sinc band magnitude (per band)"


def draw_filter_scaling(audio, result, layout: Layout = DESKTOP) -> Optional[Figure]:
    """RawNet2 in its most decisive window: what each fixed sinc band passed (on a mel-spaced frequency axis) and the
    gate of every learnt filter after each residual block, side by side on the desktop, the gates under the bands
    when narrow; ``None`` without ``result.filter_scaling``."""
    scaling = getattr(result, "filter_scaling", None)
    if scaling is None:
        return None
    edges = np.asarray(scaling.band_edges_hz, dtype=float)
    levels = _band_levels_db(scaling.band_magnitude)
    gates = _gate_matrix(scaling.block_scales)

    first, second = ("Top", "Bottom") if layout.narrow else ("Left", "Right")
    subtitle = (f"Most decisive {_window_label(scaling)}. {first}: its {len(edges)} fixed frequency bands. {second}: "
                "one gate per learnt filter (filters mix the bands).")
    heat_title = "Filter-wise scale after each block (per learnt filter, not per band)"
    if layout.narrow:
        fig, bands, heat, colorbar_in = _narrow_filter_panels(subtitle, heat_title, len(gates), layout)
    else:
        fig, bands, heat, colorbar_in = _desktop_filter_panels(subtitle)

    floor = min(float(levels.min()) - 3.0, -6.0)
    bands.set_xscale("function", functions=(_hz_to_mel, _mel_to_hz))
    bands.bar(edges[:, 0], levels - floor, width=edges[:, 1] - edges[:, 0], bottom=floor, align="edge",
              color=KEPT_COLOR, edgecolor="white", linewidth=0.6)
    bands.set_xlim(0, edges[-1, 1])
    bands.set_ylim(floor, 1.0)
    bands.set_xticks([0, 500, 1000, 2000, 4000, 8000] if layout.narrow else [0, 250, 500, 1000, 2000, 4000, 8000])
    bands.xaxis.set_major_formatter(_hz_formatter)
    x_label, y_label = "Frequency (Hz, mel-spaced like the bands)", "Level (dB re strongest band)"
    if layout.narrow:
        x_label, y_label = "Frequency (Hz, mel-spaced\nlike the bands)", "dB re strongest band"
    bands.set_xlabel(x_label)
    bands.set_ylabel(y_label)
    _panel_title(bands, BANDS_PANEL_TITLE, layout)

    image = heat.imshow(np.ma.masked_invalid(gates), origin="upper", aspect="auto", cmap=_gate_cmap(), vmin=0.0,
                        vmax=1.0, interpolation="nearest")
    heat.set_yticks(range(len(gates)))
    heat.set_yticklabels([f"{i}" for i in range(len(gates))])
    heat.set_ylabel("Residual block")
    heat.set_xlabel("Learnt filter (channel) of the block")
    _panel_title(heat, heat_title, layout)
    _label_narrow_blocks(heat, scaling.block_scales, gates.shape[1], layout)
    orientation = "horizontal" if layout.narrow else "vertical"
    colorbar = fig.colorbar(image, cax=_axes(fig, *colorbar_in), orientation=orientation)
    colorbar.set_ticks([0, 0.5, 1])
    colorbar.ax.tick_params(labelsize=_small_size(layout, 1.5), colors=MUTED, length=2)
    colorbar.outline.set_visible(False)
    colorbar.set_label("gate (0 muted, 1 passed)", fontsize=layout.tick_size, color=MUTED, labelpad=2)
    return fig


def _desktop_filter_panels(subtitle: str) -> tuple:
    """(figure, band axes, gate axes, the colour bar's box): the bands left, the gates right."""
    fig = _new_figure(4.5)
    _title(fig, FILTER_SCALING_TITLE, subtitle)
    bottom, height = 0.6, 2.85
    bands = _axes(fig, 0.75, bottom, 3.9, height)
    heat = _axes(fig, 5.45, bottom, 4.85, height)
    return fig, bands, heat, (10.48, bottom, 0.1, height)


def _narrow_filter_panels(subtitle: str, heat_title: str, blocks: int, layout: Layout) -> tuple:
    """The bands, then the gates under them (a row per block), then a horizontal colour bar under those."""
    col = _Column(layout, FILTER_SCALING_TITLE, subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    two_line_label = NARROW_X_LABELS_IN + _lines_in(layout.label_size)
    bands = col.slot(1.7, above_in=col.title_room(BANDS_PANEL_TITLE, NARROW_LEFT_IN), below_in=two_line_label)
    heat = col.slot(max(1.2, 0.26 * blocks), above_in=col.title_room(heat_title, NARROW_LEFT_IN),
                    below_in=NARROW_X_LABELS_IN)
    bar = col.slot(0.08, above_in=0.08, below_in=_lines_in(layout.tick_size, 2) + 0.08)
    fig = col.figure()
    return (fig, col.axes(bands, NARROW_LEFT_IN, width), col.axes(heat, NARROW_LEFT_IN, width),
            col.box(bar, NARROW_LEFT_IN, min(width, 2.0)))


def _gate_cmap():
    """The attention maps' colours, with the cells a narrower block lacks in grey."""
    from matplotlib import colormaps

    return colormaps[MAP_CMAP].with_extremes(bad=GRID)


def _label_narrow_blocks(ax, block_scales: list, width: int, layout: Layout = DESKTOP) -> None:
    """Say in the grey part of the heat map how many filters the narrower blocks have ("blocks 0–1: 20 filters");
    on two lines in a narrow layout."""
    rows = [i for i, s in enumerate(block_scales) if len(s) < width]
    groups = []
    for i in rows:
        if groups and groups[-1][-1] == i - 1 and len(block_scales[groups[-1][0]]) == len(block_scales[i]):
            groups[-1].append(i)
        else:
            groups.append([i])
    for group in groups:
        n = len(block_scales[group[0]])
        blocks = f"block {group[0]}" if len(group) == 1 else f"blocks {group[0]}–{group[-1]}"
        text = f"{blocks}:\n{n} filters" if layout.narrow else f"{blocks}: {n} filters"
        ax.text((n - 0.5 + width - 0.5) / 2, (group[0] + group[-1]) / 2, text, ha="center", va="center",
                fontsize=layout.tick_size, color=MUTED)


# --- AntiDeepfake's per-frame scores --------------------------------------------------------------------------------

FRAME_AXIS_LABEL = "Time in the recording (s)"
FRAME_COLOR = "#334155"  # slate-700: the frames' curve
POOLED_COLOR = KEPT_COLOR  # the window's own score, apart from the curve
_FRAME_LW = {False: 0.9, True: 0.6}  # thinner when narrow: the same frames in a third of the width
_POOLED_DASH = (0, (3, 2))


@dataclass(frozen=True)
class _FrameTexts:
    """The frame-scores figure's title, subtitle and the legend's label of the window's own score."""

    title: str
    subtitle: str
    pooled: str  # what the dashed line is, with its value
    pooled_probability: float  # the window's spoof probability, from its pooled logits


def _frame_texts(result, scores) -> _FrameTexts:
    name = Path(str(result.model)).name or "AntiDeepfake"  # a checkpoint folder's path: its last part
    n = len(scores.times_s)
    whole = float(scores.start_s) == 0.0 and float(scores.end_s) >= float(result.duration_s) - 1e-3
    where = (f"The whole recording ({float(scores.end_s):.2f} s, scored whole)" if whole else
             f"The most decisive window, {float(scores.start_s):.2f}–{float(scores.end_s):.2f} s")
    subtitle = (f"{where}, {n} frames: the model's own reading of each frame (its head on the frame's features, the "
                f"authors' forward_seg). The {'recording' if whole else 'window'}'s score is the mean of the frames' "
                "logits. Not attention.")
    pooled = float(result.windows[scores.window_index].spoof_probability)
    return _FrameTexts(f"{name}, frame by frame: spoof probability of each 20 ms frame", subtitle,
                       f"the {'recording' if whole else 'window'}'s score: {short_percent_text(pooled)} (from the "
                       "frames' mean logits)", pooled)


def draw_frame_scores(result, layout: Layout = DESKTOP) -> Optional[Figure]:
    """AntiDeepfake's spoof probability of each 20 ms frame of its most decisive window (``result.frame_scores``),
    a step per frame on the recording's time axis, shaded where it is over the threshold, with the window's own
    score dashed; ``None`` without frame scores."""
    scores = getattr(result, "frame_scores", None)
    if scores is None:
        return None
    texts = _frame_texts(result, scores)
    no_speech = result.verdict == "no_speech"
    fig, ax, legend = _narrow_frame_panel(texts, layout) if layout.narrow else _desktop_frame_panel(texts)

    times, p = np.asarray(scores.times_s, dtype=float), np.asarray(scores.spoof_probability, dtype=float)
    ax.axhspan(THRESHOLD, 1 + _EDGE, color=NO_SPEECH_BG if no_speech else SPOOF_BG, zorder=0, lw=0)
    ax.axhspan(-_EDGE, THRESHOLD, color=NO_SPEECH_BG if no_speech else BONAFIDE_BG, zorder=0, lw=0)
    ax.axhline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    ax.fill_between(times, THRESHOLD, p, where=p >= THRESHOLD, step="mid", color=SPOOF_COLOR, alpha=0.3, lw=0,
                    zorder=2)
    ax.plot(times, p, drawstyle="steps-mid", color=FRAME_COLOR, lw=_FRAME_LW[layout.narrow], zorder=3,
            gid="frame-scores")
    ax.axhline(texts.pooled_probability, color=POOLED_COLOR, lw=1.6, ls=_POOLED_DASH, zorder=4, gid="pooled-score")
    if layout.narrow:
        _label_probability_narrow(ax, no_speech, layout)
    else:
        _label_probability_desktop(ax, no_speech)
        ax.set_ylabel("Spoof probability\nof the frame")
    ax.set_ylim(-_EDGE, 1 + _EDGE)
    ax.set_xlim(float(scores.start_s), float(scores.end_s))
    ax.set_xlabel(FRAME_AXIS_LABEL)
    _legend_frames(fig, texts, legend, layout)
    return fig


def _desktop_frame_panel(texts: _FrameTexts) -> tuple:
    """(figure, axes, legend place): one panel, the legend over its right end."""
    import textwrap

    subtitle = textwrap.wrap(texts.subtitle, 150)
    top = 0.75 + 0.2 * len(subtitle)
    bottom, height, legend_in = 0.6, 1.9, 0.3
    fig = _new_figure(top + legend_in + height + bottom)
    _title(fig, texts.title, "\n".join(subtitle))
    ax = _axes(fig, 0.75, bottom, WIDTH_IN - 1.45, height)
    w, h = fig.get_size_inches()
    return fig, ax, dict(loc="lower right", bbox_to_anchor=(1 - 0.7 / w, (bottom + height) / h), ncols=2,
                         borderaxespad=0.2)


def _narrow_frame_panel(texts: _FrameTexts, layout: Layout) -> tuple:
    """The panel full width, the legend under its time axis, one entry a line."""
    col = _Column(layout, texts.title, texts.subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    panel = col.slot(1.5, above_in=0.08, below_in=NARROW_X_LABELS_IN)
    legend_top = col.used_in
    col.slot(_lines_in(layout.tick_size, 3) + 0.15)
    fig = col.figure()
    place = dict(loc="upper left", bbox_to_anchor=(col.x(NARROW_MARGIN_IN), col.y(legend_top)), ncols=1,
                 borderaxespad=0)
    return fig, col.axes(panel, NARROW_LEFT_IN, width), place


def _legend_frames(fig: Figure, texts: _FrameTexts, place: dict, layout: Layout) -> None:
    from matplotlib.lines import Line2D

    pooled = texts.pooled.replace(" (", "\n(") if layout.narrow else texts.pooled
    handles = [Line2D([0], [0], color=FRAME_COLOR, lw=0.9),
               Line2D([0], [0], color=POOLED_COLOR, lw=1.6, ls=_POOLED_DASH)]
    legend = fig.legend(handles, ["each 20 ms frame", pooled], fontsize=layout.tick_size, frameon=False,
                        handlelength=2.4, columnspacing=1.6, **place)
    for text in legend.get_texts():
        text.set_color(INK)


# --- robustness ---------------------------------------------------------------------------------------------------

ROBUSTNESS_TITLE = "Would the verdict survive small, harmless changes?"
ROBUSTNESS_AXIS_LABEL = "Spoof probability (left of the dashed line: bona fide, right: spoof)"


@dataclass(frozen=True)
class _RobustnessRow:
    label: str
    probability: float
    flips: bool
    is_base: bool  # the unedited recording (or the part checked)

    @property
    def color(self) -> str:
        return SPOOF_COLOR if self.probability >= THRESHOLD else BONAFIDE_COLOR

    @property
    def value(self) -> str:
        # 0.499 must not read "0.50" beside a bona fide dot
        digits = 3 if abs(self.probability - THRESHOLD) < 0.005 else 2
        return f"{self.probability:.{digits}f}"


def _robustness_rows(check) -> list:
    from ..inference.robustness import EDITS_BY_NAME, MAX_CHECK_S, WHOLE

    base_label = "as it is" if check.part_checked == WHOLE else f"first {MAX_CHECK_S:g} s, as it is"
    rows = [_RobustnessRow(base_label, float(check.base_probability), False, True)]
    rows += [_RobustnessRow(EDITS_BY_NAME[e.name].label if e.name in EDITS_BY_NAME else e.name,
                            float(e.spoof_probability), e.flips, False) for e in check.edits]
    return rows


def draw_robustness(result, layout: Layout = DESKTOP) -> Optional[Figure]:
    """Each benign edit's spoof probability as a point against the 0.5 line, the edits that flip the verdict
    highlighted; ``None`` when the result has no robustness check (``pipeline.Pipeline``). On the desktop a row per
    edit, its name left of the dot; when narrow its name above the dot line, its value at the name line's right end."""
    check = getattr(result, "robustness", None)
    if check is None:
        return None
    rows = _robustness_rows(check)
    return _narrow_robustness(check, rows, layout) if layout.narrow else _desktop_robustness(check, rows)


def _desktop_robustness(check, rows: list) -> Figure:
    import textwrap

    subtitle = textwrap.wrap(check.summary_sentence(), 150)
    top = 0.75 + 0.2 * len(subtitle)
    row_in = 0.3
    height = top + row_in * len(rows) + 0.75
    fig = _new_figure(height)
    _title(fig, ROBUSTNESS_TITLE, "\n".join(subtitle))
    left, width = 2.65, 6.3
    ax = _axes(fig, left, 0.6, width, row_in * len(rows))

    ax.axvspan(THRESHOLD, 1.0 + _EDGE, color=SPOOF_BG, zorder=0, lw=0)
    ax.axvspan(-_EDGE, THRESHOLD, color=BONAFIDE_BG, zorder=0, lw=0)
    ax.axvline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    ax.axvline(check.base_probability, color=INK, lw=0.8, alpha=0.35, zorder=1)
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        _robustness_dot(ax, row, check.base_probability, y)
        ax.text(-0.015, y, row.label, transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=LABEL_SIZE, color=INK, fontweight="bold" if (row.flips or row.is_base) else "normal")
        note = row.value + ("  flips the verdict" if row.flips else "")
        ax.text(1.02, y, note, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=TICK_SIZE,
                color=row.color if row.flips else MUTED, fontweight="bold" if row.flips else "normal")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    _probability_axis(ax, ROBUSTNESS_AXIS_LABEL)
    return fig


_EDGE = 0.02  # room for a point at exactly 0 or 1


def _robustness_dot(ax, row: _RobustnessRow, base_probability: float, y: float) -> None:
    """The edit's dot at height ``y``, joined to the unedited recording's probability; ringed when it flips."""
    if not row.is_base:
        ax.plot([base_probability, row.probability], [y, y], color=row.color, lw=1.4, alpha=0.45, zorder=2)
    ax.scatter([row.probability], [y], s=95 if row.flips else 48, c=row.color, zorder=4,
               linewidths=1.8 if row.flips else 0, edgecolors=INK if row.flips else "none",
               marker="D" if row.is_base else "o")


def _probability_axis(ax, label: str) -> None:
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(-_EDGE, 1 + _EDGE)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xticklabels(["0", "0.25", "0.5", "0.75", "1"])
    ax.set_xlabel(label)


def _narrow_robustness(check, rows: list, layout: Layout) -> Figure:
    """A row per edit: its name (wrapped when it would reach its value), its value at the right end, and under them
    its dot line on the red and green halves; the 0-1 axis full width below. The axes' y unit is the inch (from the
    bottom of the rows), so that the rows are laid out as text is."""
    col = _Column(layout, ROBUSTNESS_TITLE, check.summary_sentence())
    width = col.width_in - 2 * NARROW_MARGIN_IN
    name_size, dot_in, gap_in = layout.label_size, 0.24, 0.1
    placed = []  # (row, name lines, value text, height of the name lines)
    for row in rows:
        value = row.value + (" · flips the verdict" if row.flips else "")
        room = width - _text_width_in(value, layout.tick_size) - 0.15
        fits = _text_width_in(row.label, name_size) <= room
        lines = [row.label] if fits else wrap_to_width(row.label, room, name_size)
        placed.append((row, lines, value, _lines_in(name_size, len(lines))))
    rows_in = sum(dot_in + gap_in + name_in for *_, name_in in placed)
    label_lines = wrap_to_width(ROBUSTNESS_AXIS_LABEL, width, layout.label_size)
    area = col.slot(rows_in, above_in=0.05, below_in=0.2 + _lines_in(layout.label_size, len(label_lines)))
    fig = col.figure()
    ax = col.axes(area, NARROW_MARGIN_IN, width)
    ax.set_ylim(0, rows_in)

    top = rows_in
    for row, lines, value, name_in in placed:
        bold = "bold" if (row.flips or row.is_base) else "normal"
        ax.text(-_EDGE, top, "\n".join(lines), ha="left", va="top", fontsize=name_size, color=INK, fontweight=bold,
                linespacing=_LINE_SPACING)
        first_baseline = top - 0.8 * name_size / 72  # the value on the name's first line
        ax.text(1 + _EDGE, first_baseline, value, ha="right", va="baseline", fontsize=layout.tick_size,
                color=row.color if row.flips else MUTED, fontweight="bold" if row.flips else "normal")
        band_top = top - name_in - 0.02
        y = band_top - dot_in / 2
        for start, end, color in ((-_EDGE, THRESHOLD, BONAFIDE_BG), (THRESHOLD, 1 + _EDGE, SPOOF_BG)):
            ax.add_patch(Rectangle((start, band_top - dot_in), end - start, dot_in, color=color, lw=0, zorder=0))
        ax.vlines([THRESHOLD], band_top - dot_in, band_top, color=MUTED, lw=1, ls=(0, (3, 2)), zorder=1)
        ax.vlines([check.base_probability], band_top - dot_in, band_top, color=INK, lw=0.8, alpha=0.35, zorder=1)
        _robustness_dot(ax, row, check.base_probability, y)
        top = band_top - dot_in - gap_in
    _probability_axis(ax, "\n".join(label_lines))
    return fig


# --- all of them --------------------------------------------------------------------------------------------------


def draw_all(audio, result, layout: Layout = DESKTOP) -> Figures:
    """Draw and render every figure of one analysis for ``layout`` (attention figures only when the result, or the
    one beside it, has attention; the filter-scaling figure only when ``result.filter_scaling`` is set, the
    frame-scores figure only when ``result.frame_scores`` is)."""
    figures, images, timings = {}, {}, {}
    drawers = [("spectrogram", lambda: draw_spectrogram(audio, result, layout))]
    attended = _attended(result)
    if attended is not None:
        drawers += [
            ("spectral_attention", lambda: draw_spectral_attention(audio, attended, layout)),
            ("temporal_attention", lambda: draw_temporal_attention(audio, attended, layout)),
            ("heterogeneous", lambda: draw_heterogeneous(attended, layout)),
        ]
    if getattr(result, "filter_scaling", None) is not None:
        drawers.append(("filter_scaling", lambda: draw_filter_scaling(audio, result, layout)))
    if getattr(result, "frame_scores", None) is not None:
        drawers.append(("frame_scores", lambda: draw_frame_scores(result, layout)))
    if getattr(result, "robustness", None) is not None:
        drawers.append(("robustness", lambda: draw_robustness(result, layout)))
    for name, drawer in drawers:
        start = time.perf_counter()
        fig = drawer()
        if fig is not None:
            figures[name] = fig
            images[name] = render_figure(fig)
        timings[name] = time.perf_counter() - start
    return Figures(figures=figures, timings=timings, layout=layout,
                   attention_model=attended.model if attended is not None else None, **images)


def _attended(result):
    """The result whose attention is drawn: ``result``'s own, else the one run beside it; None without attention."""
    for candidate in (result, getattr(result, "beside", None)):
        if candidate is not None and getattr(candidate, "attention", None) is not None:
            return candidate
    return None
