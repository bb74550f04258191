"""What the figures of an analysis and of an evaluation share: the palette, figures and axes placed in inches, titles
wrapped for a narrow screen, a narrow figure planned from the top down (``Column``), the spectrogram's image, the
labels of a probability axis, and the rendering into the RGB array the page shows (``render_figure``).

Plain ``matplotlib.figure.Figure`` objects on an Agg canvas (no pyplot: no global state, safe in the web server's
worker threads), with fixed axes positions (no layout engine): cheap and predictable on a 2-core CPU.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES
from .layout import DESKTOP, LABEL_SIZE, TICK_SIZE, TITLE_SIZE, Layout

# --- the palette and the sizes ---------------------------------------------------------------------------------------

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

NARROW_LEFT_IN = 0.6  # room for a narrow figure's y tick labels and axis label
NARROW_RIGHT_IN = 0.2  # half the last x tick label sticks out right of its axes
NARROW_X_LABELS_IN = 0.42  # below a panel with x tick labels and an axis label
PROBABILITY_EDGE = 0.02  # room on a probability axis for a point at exactly 0 or 1


# --- figures, axes and their texts -----------------------------------------------------------------------------------


def new_figure(height_in: float, width_in: float = WIDTH_IN, layout: Layout = DESKTOP) -> Figure:
    """A figure ``height_in`` tall; ``width_in`` wide on the desktop, the screen's width in a narrow ``layout``."""
    fig = Figure(figsize=(layout.width_in(width_in), height_in), dpi=layout.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def axes_at(fig: Figure, left_in: float, bottom_in: float, width_in: float, height_in: float,
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
LINE_SPACING = 1.3
MATPLOTLIB_LINE_SPACING = 1.2  # matplotlib's own: a line of a text drawn without linespacing, in times its size
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
    """In a narrow layout, how far the title block (``figure_title``) reaches down from the figure's top, in inches: the
    figure's height is planned with it."""
    title, sub = _title_lines(text, subtitle, layout)
    height = NARROW_MARGIN_IN + len(title) * layout.title_size * LINE_SPACING / 72
    if sub:
        height += 0.05 + len(sub) * layout.label_size * LINE_SPACING / 72
    return height + 0.08


def figure_title(fig: Figure, text: str, subtitle: str = "", layout: Layout = DESKTOP) -> None:
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
             color=INK, va="top", ha="left", linespacing=LINE_SPACING)
    if sub:
        top += len(title) * layout.title_size * LINE_SPACING / 72 + 0.05
        fig.text(NARROW_MARGIN_IN / w, 1 - top / h, "\n".join(sub), fontsize=layout.label_size, color=MUTED,
                 va="top", ha="left", linespacing=LINE_SPACING)


def panel_title(ax, text: str, layout: Layout = DESKTOP, width_in: Optional[float] = None) -> None:
    """A panel's title, over its left edge; in a narrow layout wrapped to ``width_in`` (by default as far as the
    figure's right margin), as ``Column.title_room`` plans it."""
    if layout.narrow:
        if width_in is None:
            fig_width = ax.figure.get_size_inches()[0]
            width_in = fig_width * (1 - ax.get_position().x0) - NARROW_MARGIN_IN
        text = "\n".join(wrap_to_width(text, width_in, panel_title_size(layout)))
    ax.set_title(text, fontsize=panel_title_size(layout), color=INK, loc="left", pad=6)


def panel_title_size(layout: Layout) -> float:
    """The size of a panel's title (``panel_title``), half a point over the axis labels'."""
    return layout.label_size + 0.5


def small_size(layout: Layout, less: float) -> float:
    """A secondary text's size: ``less`` pt under the tick labels' on the desktop; in a narrow layout the tick
    labels' own, already the smallest text allowed there."""
    return layout.tick_size if layout.narrow else TICK_SIZE - less


def lines_in(size: float, lines: int = 1, spacing: float = LINE_SPACING) -> float:
    """The height of ``lines`` lines of text at ``size`` pt, in inches, drawn ``spacing`` apart (``LINE_SPACING``, or
    ``MATPLOTLIB_LINE_SPACING`` for a text drawn without a line spacing of its own)."""
    return lines * size * spacing / 72


def text_width_in(text: str, size: float) -> float:
    """A generous estimate of a one-line text's width in inches (``_GLYPH_EM``), to place it before drawing."""
    return len(text) * size * _GLYPH_EM / 72


def axes_width_in(ax) -> float:
    return ax.get_position().width * ax.figure.get_size_inches()[0]


def inside(ax, text: str, size: float, x: float, ha: str) -> tuple:
    """(x, ha) of a one-line text put at ``x`` aligned ``ha`` (data units), moved against the end of the axes' x
    range it would run past (the range as set when called)."""
    low, high = ax.get_xlim()
    width = text_width_in(text, size) * (high - low) / axes_width_in(ax)
    start = x - width * {"left": 0.0, "center": 0.5, "right": 1.0}[ha]
    pad = 0.01 * (high - low)
    if start + width > high - pad:
        return high - pad, "right"
    if start < low + pad:
        return low + pad, "left"
    return x, ha


# --- a narrow figure, planned from the top down ----------------------------------------------------------------------


@dataclass
class Slot:
    """A panel's place in a narrow figure: its top edge (inches down from the figure's top) and its height."""

    top_in: float
    height_in: float

    @property
    def bottom_in(self) -> float:
        """Its bottom edge, inches down from the figure's top."""
        return self.top_in + self.height_in


@dataclass
class Column:
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

    def slot(self, height_in: float, above_in: float = 0.0, below_in: float = 0.0) -> Slot:
        """The next panel down: ``above_in`` for its title, then ``height_in``, then ``below_in`` for its labels."""
        slot = Slot(self.used_in + above_in, height_in)
        self.used_in = slot.bottom_in + below_in
        return slot

    def title_room(self, text: str, left_in: float, width_in: Optional[float] = None) -> float:
        """The room above a panel at ``left_in`` for its title ``text`` (``panel_title``: wrapped to ``width_in``, by
        default as far as the right margin)."""
        size = panel_title_size(self.layout)
        width_in = self.width_in - NARROW_MARGIN_IN - left_in if width_in is None else width_in
        return 0.12 + lines_in(size, len(wrap_to_width(text, width_in, size)))

    def figure(self, bottom_in: float = NARROW_MARGIN_IN) -> Figure:
        self.fig = new_figure(self.used_in + bottom_in, layout=self.layout)
        figure_title(self.fig, self.title, self.subtitle, self.layout)
        return self.fig

    def box(self, slot: Slot, left_in: float, width_in: float) -> tuple:
        """(left, bottom, width, height) in inches from the bottom-left corner, as ``axes_at`` takes them."""
        return left_in, self.fig.get_size_inches()[1] - slot.bottom_in, width_in, slot.height_in

    def axes(self, slot: Slot, left_in: float, width_in: float, **kwargs):
        return axes_at(self.fig, *self.box(slot, left_in, width_in), self.layout, **kwargs)

    def y(self, down_in: float) -> float:
        """The point ``down_in`` inches under the figure's top, as a fraction of its height (for legends)."""
        return 1 - down_in / self.fig.get_size_inches()[1]

    def x(self, left_in: float) -> float:
        return left_in / self.fig.get_size_inches()[0]


# --- rendering, tick labels -----------------------------------------------------------------------------------------


def render_figure(fig: Figure) -> np.ndarray:
    """A figure as the (H, W, 3) uint8 image the demo shows (what ``aasist.views.plots.draw_all`` returns)."""
    canvas = fig.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def hz_formatter(value, _pos=None) -> str:
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


def share_formatter(value, _pos=None) -> str:
    """Attention shares as percentages: 0.05 -> '5%', 0.025 -> '2.5%'."""
    return f"{value * 100:.3g}%"


# --- the spectrogram, the model's window, a probability axis --------------------------------------------------------


def waveform_of(audio) -> np.ndarray:
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


def spectrogram_image(ax, x: np.ndarray, t0: float, duration: float, max_columns: int = MAX_COLUMNS):
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
    ax.yaxis.set_major_formatter(hz_formatter)
    return image


def window_waveform(x: np.ndarray, start_s: float) -> np.ndarray:
    """The samples of the model's input window starting at ``start_s`` (repeated to fill it when short)."""
    from ..audio.windows import tile_to_length

    start = int(round(start_s * SAMPLE_RATE))
    return tile_to_length(x[start : start + WINDOW_SAMPLES])


def label_probability_desktop(prob, no_speech: bool) -> None:
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


def label_probability_narrow(prob, no_speech: bool, layout: Layout) -> None:
    """"spoof", the threshold and "bona fide" as the timeline's tick labels, left of it: no room on the right (the
    panel's title says what the axis is)."""
    prob.set_yticks([0.25, 0.5, 0.75])
    labels = prob.set_yticklabels(["bona\nfide", "0.5", "spoof"])
    for label, color in zip(labels, (BONAFIDE_COLOR, MUTED, SPOOF_COLOR)):
        label.set_color(MUTED if no_speech else color)
        label.set_fontweight("normal" if color == MUTED else "bold")
        label.set_linespacing(1.0)
    prob.tick_params(axis="y", length=0, labelsize=layout.tick_size)


def window_label(att) -> str:
    """Where the decisive window lies (``att``: its attention, filter scaling or frame scores), for a subtitle."""
    start = float(att.start_s)
    text = f"window {start:.2f}–{start + WINDOW_SAMPLES / SAMPLE_RATE:.2f} s"
    return text + (" (recording repeated to fill it)" if att.tiled else "")
