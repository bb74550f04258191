"""Figures for one analysis: the spectrogram with the spoof probability over time, and the attention (AASIST) or the
filter-wise scaling (RawNet2) of the most decisive window.

Built for speed on a 2-core CPU (the web demo draws them for every click):
- each figure is a plain ``matplotlib.figure.Figure`` on an Agg canvas (no pyplot: no global state, safe in the
  web server's worker threads), with fixed axes positions (no layout engine);
- images are reduced to about the display resolution before drawing (STFT columns averaged to at most
  ``MAX_COLUMNS``) and drawn with ``imshow``, never a mesh;
- each figure is drawn once, at display resolution, into an RGB array (``Figures.spectrogram`` ...), which is what
  ``gr.Image`` shows; the ``Figure`` objects stay available in ``Figures.figures`` for tests and for saving.

    from aasist.plots import draw_all
    figures = draw_all(audio, result)        # result from Detector.analyze(..., with_attention=True)
    figures.spectrogram                      # (H, W, 3) uint8
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .layout import DESKTOP, LABEL_SIZE, TICK_SIZE, TITLE_SIZE, Layout
from .model import SAMPLE_RATE, WINDOW_SAMPLES
from .present import short_percent_text, shown_probability, speech_text, verdict_headline
from .speech import MIN_SPEECH_S

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


def wrap_to_width(text: str, width_in: float, size: float) -> list:
    """``text`` (paragraphs split by newlines) wrapped into lines that fit ``width_in`` inches at ``size`` pt."""
    import textwrap

    chars = max(12, int(width_in * 72 / (size * _GLYPH_EM)))
    return [line for paragraph in text.split("\n") for line in (textwrap.wrap(paragraph, chars) or [""])]


def _title_lines(text: str, subtitle: str, layout: Layout) -> tuple:
    usable = layout.width_in(0) - 2 * NARROW_MARGIN_IN
    return (wrap_to_width(text, usable, layout.title_size),
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


def _panel_title(ax, text: str, layout: Layout = DESKTOP) -> None:
    ax.set_title(text, fontsize=layout.label_size + 0.5, color=INK, loc="left", pad=6)


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
    """The 16 kHz mono waveform the model saw, from an ``aasist.audio.Audio`` or an array."""
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
    from .windows import tile_to_length

    start = int(round(start_s * SAMPLE_RATE))
    return tile_to_length(x[start : start + WINDOW_SAMPLES])


# --- the spectrogram and the timeline -----------------------------------------------------------------------------


def draw_spectrogram(audio, result) -> Figure:
    """Spectrogram (dB, Hz), a strip marking where speech was found (``result.speech``), and the per-window spoof
    probability on the same time axis underneath; windows with too little speech in them are grey and dashed."""
    x = _waveform(audio)
    duration = len(x) / SAMPLE_RATE
    speech = getattr(result, "speech", None)
    no_speech = result.verdict == "no_speech"
    fig = _new_figure(5.2, width_in=SPECTROGRAM_WIDTH_IN)
    found = "none" if speech is None or speech.seconds < 0.05 else speech_text(speech)
    strip_note = "" if speech is None else f"; blue: where speech was found ({found})"
    _title(
        fig,
        "The recording, and how suspicious each part sounded to the model",
        f"Top: spectrogram (brighter = louder){strip_note}. Bottom: spoof probability of each ~4 s window.",
    )
    left, width = 0.75, SPECTROGRAM_WIDTH_IN - 1.45
    spec = _axes(fig, left, 2.25, width, 2.05)
    prob = _axes(fig, left, 0.55, width, 1.2, sharex=spec)

    image = _draw_spectrogram(spec, x, 0.0, duration)
    spec.set_ylabel("Frequency (Hz)")
    spec.tick_params(labelbottom=False)
    spec.set_xlim(0, duration)
    cax = _axes(fig, left + width + 0.12, 2.25, 0.12, 2.05)
    colorbar = fig.colorbar(image, cax=cax)
    colorbar.set_ticks([0, -20, -40, -60, -80])
    colorbar.ax.tick_params(labelsize=TICK_SIZE - 1, colors=MUTED, length=2)
    colorbar.outline.set_visible(False)
    colorbar.set_label("dB", fontsize=TICK_SIZE, color=MUTED, labelpad=2)
    if speech is not None:
        _draw_speech_strip(_axes(fig, left, 1.88, width, 0.22, sharex=spec), speech, duration)

    # The probability timeline: light red above the threshold, light green below (grey without a verdict).
    prob.axhspan(THRESHOLD, 1.0, color=NO_SPEECH_BG if no_speech else SPOOF_BG, zorder=0, lw=0)
    prob.axhspan(0.0, THRESHOLD, color=NO_SPEECH_BG if no_speech else BONAFIDE_BG, zorder=0, lw=0)
    prob.axhline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    prob.text(1.005, THRESHOLD, "0.5", transform=prob.get_yaxis_transform(), fontsize=TICK_SIZE - 0.5,
              color=MUTED, va="center", ha="left")
    prob.text(1.005, 0.8, "spoof", transform=prob.transAxes, fontsize=TICK_SIZE,
              color=MUTED if no_speech else SPOOF_COLOR, va="center", ha="left", fontweight="bold")
    prob.text(1.005, 0.2, "bona\nfide", transform=prob.transAxes, fontsize=TICK_SIZE,
              color=MUTED if no_speech else BONAFIDE_COLOR, va="center", ha="left", fontweight="bold",
              linespacing=1.0)
    windows = list(result.windows)
    decisive = result.most_decisive_window if windows else -1
    if 0 <= decisive < len(windows):
        w = windows[decisive]
        end = min(float(w.end_s), duration)
        spec.add_patch(Rectangle((w.start_s, 60), end - w.start_s, NYQUIST - 120, fill=False, edgecolor="white",
                                 lw=1.6, ls=(0, (5, 3)), zorder=4))
        spec.text(w.start_s + 0.008 * duration, NYQUIST - 260, "window shown in the attention plots",
                  fontsize=TICK_SIZE - 0.5, color="white", va="top", ha="left", zorder=5)
        prob.add_patch(Rectangle((w.start_s, 0.004), end - w.start_s, 0.992, fill=False, edgecolor=MUTED, lw=1.2,
                                 ls=(0, (5, 3)), zorder=4))
    without_speech = False
    for i, w in enumerate(windows):
        p = float(w.spoof_probability)
        has_speech = getattr(w, "has_speech", True) and not no_speech
        without_speech |= not has_speech
        color = (SPOOF_COLOR if p >= THRESHOLD else BONAFIDE_COLOR) if has_speech else NO_SPEECH_COLOR
        end = min(float(w.end_s), duration) if duration > 0 else float(w.end_s)
        y = min(max(p, 0.025), 0.975)  # keep the line inside the panel
        prob.plot([w.start_s, end], [y, y], color=color, lw=4.0 if i == decisive else 2.8,
                  ls="-" if has_speech else (0, (2.5, 1.2)), solid_capstyle="butt", dash_capstyle="butt", zorder=3)
        if i == decisive:
            prob.annotate(short_percent_text(p), xy=((w.start_s + end) / 2, y), xytext=(0, 5 if y < 0.8 else -15),
                          textcoords="offset points", ha="center", va="bottom", fontsize=TICK_SIZE,
                          fontweight="bold", color=color, zorder=5)
    if no_speech:  # no verdict: say so over the numbers
        prob.text(0.5, 0.5, f"{verdict_headline('no_speech')}: spoof probability {shown_probability(result)}",
                  transform=prob.transAxes, fontsize=LABEL_SIZE, fontweight="bold", color=INK, ha="center",
                  va="center", zorder=6, bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=GRID, alpha=0.9))
    if without_speech:
        _legend_without_speech(fig)
    analysed_to = max((min(float(w.end_s), duration) for w in windows), default=duration)
    if result.protocol == "asvspoof" and analysed_to < duration - 1e-3:
        for ax in (spec, prob):
            ax.axvspan(analysed_to, duration, color="white", alpha=0.55 if ax is spec else 0.8, lw=0, zorder=4)
        prob.text((analysed_to + duration) / 2, 0.5, "not analysed (the authors' protocol reads the first 4 s)",
                  fontsize=TICK_SIZE, color=MUTED, ha="center", va="center", zorder=6)
    prob.set_ylim(0, 1)
    prob.set_yticks([0, 0.5, 1])
    prob.set_yticklabels(["0", "", "1"])
    prob.set_ylabel("Spoof\nprobability")
    prob.set_xlabel("Time (s)")
    prob.set_xlim(0, duration)
    return fig


def _draw_speech_strip(ax, speech, duration: float) -> None:
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
        ax.text(0.5, 0.5, "no speech found", transform=ax.transAxes, fontsize=TICK_SIZE, color=MUTED,
                ha="center", va="center")


def _legend_without_speech(fig: Figure) -> None:
    """The timeline's legend for grey windows, bottom right, on the time axis' label line."""
    from matplotlib.lines import Line2D

    handle = Line2D([0], [0], color=NO_SPEECH_COLOR, lw=2.8, ls=(0, (2.5, 1.2)), dash_capstyle="butt")
    w, h = fig.get_size_inches()
    legend = fig.legend([handle], [f"window with under {MIN_SPEECH_S:g} s of speech"],
                        loc="lower right", bbox_to_anchor=(1 - 0.65 / w, 0.02 / h), fontsize=TICK_SIZE,
                        frameon=False, handlelength=2.4)
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


def _legend_kept(fig: Figure) -> None:
    """Legend of the attention figures, top right, on the subtitle's line."""
    from matplotlib.lines import Line2D

    handles = [
        Rectangle((0, 0), 1, 1, color=KEPT_COLOR),
        Rectangle((0, 0), 1, 1, color=DROPPED_COLOR),
        Line2D([0], [0], color=MUTED, lw=1, ls=(0, (4, 3))),
    ]
    labels = ["kept by the graph pooling", "dropped", "even share"]
    w, h = fig.get_size_inches()
    legend = fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(1 - 0.45 / w, 1 - 0.22 / h), ncols=3,
                        fontsize=TICK_SIZE, frameon=False, handlelength=1.4, handleheight=0.8, columnspacing=1.2)
    for text in legend.get_texts():
        text.set_color(INK)


def draw_spectral_attention(audio, result) -> Figure:
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
    fig = _new_figure(4.5)
    if learnt:
        _title(fig, "Which learnt features the model relied on",
               f"Most decisive {_window_label(att)}. Each bar is a group of 3 of the 128 features its back end reads "
               "from wav2vec 2.0: a learnt axis, not frequency.")
    else:
        _title(fig, "Which frequency ranges the model relied on",
               f"Most decisive {_window_label(att)}. Each bar is one of the model's 23 frequency bands (approximate).")
    bottom, height = 0.6, 2.85
    spec = _axes(fig, 0.75, bottom, 2.3, height)
    bars = _axes(fig, 3.35, bottom, 2.3, height, **({} if learnt else {"sharey": spec}))
    pool = _axes(fig, 5.8, bottom, 1.0, height, sharey=bars)
    amap = _axes(fig, 7.65, bottom, 2.75, height)

    window = _window_waveform(x, att.start_s)
    _draw_spectrogram(spec, window, float(att.start_s), WINDOW_SAMPLES / SAMPLE_RATE, max_columns=240)
    spec.set_ylabel("Frequency (Hz)")
    spec.set_xlabel("Time (s)")
    spec.xaxis.set_major_locator(_max_n_locator(4))
    _panel_title(spec, "Decisive window")

    heights = bands[:, 1] - bands[:, 0]
    bars.barh(bands[:, 0], weight, height=heights, align="edge", color=colors, edgecolor="white", linewidth=0.6)
    even = 1.0 / n
    bars.axvline(even, color=MUTED, lw=1, ls=(0, (4, 3)))
    bars.set_xlim(0, max(weight.max() * 1.15, even * 1.6))
    bars.set_xlabel("Share of attention")
    bars.xaxis.set_major_formatter(_share_formatter)
    bars.xaxis.set_major_locator(_max_n_locator(4))
    bars.tick_params(labelleft=learnt)
    if learnt:
        bars.set_ylabel("Learnt feature group")
    _panel_title(bars, "Attention per feature group" if learnt else "Attention per band")
    _legend_kept(fig)

    centers = bands.mean(axis=1)
    pool.hlines(centers, 0, scores, color=colors, lw=1.6)
    pool.scatter(scores, centers, s=16, c=colors, zorder=3, linewidths=0)
    pool.set_xlim(0, 1.05)
    pool.set_xticks([0, 0.5, 1])
    pool.set_xticklabels(["0", ".5", "1"])
    pool.set_xlabel("Keep score")
    pool.tick_params(labelleft=False)
    _panel_title(pool, "Kept?")
    pool.set_ylim(0, bands[-1, 1] if learnt else NYQUIST)

    # The bands are mel-spaced: the map's cells are stretched to the bands' true edges (a 23 x 23 mesh is cheap).
    edges = np.concatenate([bands[:, 0], bands[-1:, 1]])
    amap.pcolormesh(edges, edges, att.spectral_map, cmap=MAP_CMAP, norm=_map_norm(att.spectral_map), shading="flat")
    amap.set_xlim(0, edges[-1])
    amap.set_ylim(0, edges[-1])
    if learnt:
        _panel_title(amap, "Group-to-group attention map")
        amap.set_xlabel("attended feature group")
        amap.set_ylabel("attending feature group")
    else:
        _panel_title(amap, "Band-to-band attention map")
        amap.set_xlabel("attended band (Hz)")
        amap.set_ylabel("attending band (Hz)")
        for axis in (amap.xaxis, amap.yaxis):
            axis.set_major_formatter(_hz_formatter)
        amap.set_xticks([0, 2000, 4000, 6000])
        amap.set_yticks([0, 2000, 4000, 6000])
    _colorbar(fig, amap, 10.48, bottom, height)
    return fig


def _map_norm(matrix):
    """Square-root colour scale from 0: a few strong cells do not wash out the rest of an attention map."""
    from matplotlib.colors import PowerNorm

    return PowerNorm(gamma=0.5, vmin=0, vmax=max(float(np.max(matrix)), 1e-12))


def _colorbar(fig, ax, left_in, bottom_in, height_in):
    mappable = ax.collections[-1] if ax.collections else ax.images[-1]
    cax = _axes(fig, left_in, bottom_in, 0.1, height_in)
    colorbar = fig.colorbar(mappable, cax=cax)
    colorbar.ax.tick_params(labelsize=TICK_SIZE - 1.5, colors=MUTED, length=2)
    colorbar.ax.yaxis.set_major_formatter(_share_formatter)
    colorbar.outline.set_visible(False)
    return colorbar


def draw_temporal_attention(audio, result) -> Figure:
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

    fig = _new_figure(4.85)
    _title(fig, "Which moments the model relied on",
           f"Most decisive {_window_label(att)}. Each bar is one of the model's {n} time slices "
           f"(~{(times[0, 1] - times[0, 0]) * 1000:.0f} ms).")
    left, width = 0.75, 6.1
    spec = _axes(fig, left, 2.25, width, 1.45)
    bars = _axes(fig, left, 1.0, width, 1.1, sharex=spec)
    pool = _axes(fig, left, 0.55, width, 0.32, sharex=spec)
    amap = _axes(fig, 7.65, 0.55, 2.75, 3.15)

    window = _window_waveform(x, t0)
    _draw_spectrogram(spec, window, t0, t1 - t0, max_columns=600)
    spec.set_ylabel("Frequency (Hz)")
    spec.tick_params(labelbottom=False)
    _panel_title(spec, "Decisive window")

    bars.bar(times[:, 0], weight, width=times[:, 1] - times[:, 0], align="edge", color=colors, edgecolor="white",
             linewidth=0.6)
    even = 1.0 / n
    bars.axhline(even, color=MUTED, lw=1, ls=(0, (4, 3)))
    bars.set_ylim(0, max(weight.max() * 1.2, even * 1.8))
    bars.set_ylabel("Share of\nattention")
    bars.tick_params(labelbottom=False)
    bars.yaxis.set_major_locator(_max_n_locator(3))
    bars.yaxis.set_major_formatter(_share_formatter)
    _legend_kept(fig)

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
        spec.text((recording_end + t1) / 2, NYQUIST * 0.92, "repeated audio", color="white", fontsize=TICK_SIZE,
                  ha="center", va="top", zorder=5)

    edges = np.concatenate([times[:, 0], times[-1:, 1]])
    amap.pcolormesh(edges, edges, att.temporal_map, cmap=MAP_CMAP, norm=_map_norm(att.temporal_map), shading="flat")
    amap.set_xlim(edges[0], edges[-1])
    amap.set_ylim(edges[0], edges[-1])
    _panel_title(amap, "Moment-to-moment attention map")
    amap.set_xlabel("attended time slice (s)")
    amap.set_ylabel("attending time slice (s)")
    _colorbar(fig, amap, 10.48, 0.55, 3.15)
    return fig


def _max_n_locator(n: int):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(n)


def draw_heterogeneous(result) -> Optional[Figure]:
    """The HS-GAL layers' maps; only for a checkpoint whose heterogeneous attention is not uniform."""
    att = result.attention
    if att is None or att.heterogeneous_uniform or not att.heterogeneous_maps:
        return None
    names = sorted(att.heterogeneous_maps)
    fig = _new_figure(3.6)
    _title(fig, "Heterogeneous (spectral + temporal) attention layers",
           "Each map mixes the kept time slices (left of and below the red line) with the kept frequency bands.")
    size, gap = 2.05, 0.55
    for i, name in enumerate(names[:4]):
        ax = _axes(fig, 0.75 + i * (size + gap), 0.5, size, size)
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
        _panel_title(ax, f"Branch {branch}, layer {stage}")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("time slices | bands", fontsize=TICK_SIZE)
    return fig


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


def draw_filter_scaling(audio, result) -> Optional[Figure]:
    """RawNet2 in its most decisive window: what each fixed sinc band passed (left, on a mel-spaced frequency axis)
    and the gate of every learnt filter after each residual block (right); ``None`` without ``result.filter_scaling``.
    """
    scaling = getattr(result, "filter_scaling", None)
    if scaling is None:
        return None
    edges = np.asarray(scaling.band_edges_hz, dtype=float)
    levels = _band_levels_db(scaling.band_magnitude)
    gates = _gate_matrix(scaling.block_scales)

    fig = _new_figure(4.5)
    _title(fig, "What RawNet2 passed on, band by band and filter by filter",
           f"Most decisive {_window_label(scaling)}. Left: its {len(edges)} fixed frequency bands. Right: one gate "
           "per learnt filter (filters mix the bands).")
    bottom, height = 0.6, 2.85
    bands = _axes(fig, 0.75, bottom, 3.9, height)
    heat = _axes(fig, 5.45, bottom, 4.85, height)

    floor = min(float(levels.min()) - 3.0, -6.0)
    bands.set_xscale("function", functions=(_hz_to_mel, _mel_to_hz))
    bands.bar(edges[:, 0], levels - floor, width=edges[:, 1] - edges[:, 0], bottom=floor, align="edge",
              color=KEPT_COLOR, edgecolor="white", linewidth=0.6)
    bands.set_xlim(0, edges[-1, 1])
    bands.set_ylim(floor, 1.0)
    bands.set_xticks([0, 250, 500, 1000, 2000, 4000, 8000])
    bands.xaxis.set_major_formatter(_hz_formatter)
    bands.set_xlabel("Frequency (Hz, mel-spaced like the bands)")
    bands.set_ylabel("Level (dB re strongest band)")
    _panel_title(bands, "Sinc band magnitude (per band)")

    cmap = _gate_cmap()
    image = heat.imshow(np.ma.masked_invalid(gates), origin="upper", aspect="auto", cmap=cmap, vmin=0.0, vmax=1.0,
                        interpolation="nearest")
    heat.set_yticks(range(len(gates)))
    heat.set_yticklabels([f"{i}" for i in range(len(gates))])
    heat.set_ylabel("Residual block")
    heat.set_xlabel("Learnt filter (channel) of the block")
    _panel_title(heat, "Filter-wise scale after each block (per learnt filter, not per band)")
    _label_narrow_blocks(heat, scaling.block_scales, gates.shape[1])
    cax = _axes(fig, 10.48, bottom, 0.1, height)
    colorbar = fig.colorbar(image, cax=cax)
    colorbar.set_ticks([0, 0.5, 1])
    colorbar.ax.tick_params(labelsize=TICK_SIZE - 1.5, colors=MUTED, length=2)
    colorbar.outline.set_visible(False)
    colorbar.set_label("gate (0 muted, 1 passed)", fontsize=TICK_SIZE, color=MUTED, labelpad=2)
    return fig


def _gate_cmap():
    """The attention maps' colours, with the cells a narrower block lacks in grey."""
    from matplotlib import colormaps

    return colormaps[MAP_CMAP].with_extremes(bad=GRID)


def _label_narrow_blocks(ax, block_scales: list, width: int) -> None:
    """Say in the grey part of the heat map how many filters the narrower blocks have ("blocks 0–1: 20 filters")."""
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
        ax.text((n - 0.5 + width - 0.5) / 2, (group[0] + group[-1]) / 2, f"{blocks}: {n} filters",
                ha="center", va="center", fontsize=TICK_SIZE, color=MUTED)


# --- robustness ---------------------------------------------------------------------------------------------------


def draw_robustness(result) -> Optional[Figure]:
    """Each benign edit's spoof probability as a point against the 0.5 line, the edits that flip the verdict
    highlighted; ``None`` when the result has no robustness check (``pipeline.Pipeline``)."""
    import textwrap

    from .robustness import EDITS_BY_NAME, MAX_CHECK_S, WHOLE

    check = getattr(result, "robustness", None)
    if check is None:
        return None
    base_label = "as it is" if check.part_checked == WHOLE else f"first {MAX_CHECK_S:g} s, as it is"
    rows = [(base_label, check.base_probability, False, True)]
    rows += [(EDITS_BY_NAME[e.name].label if e.name in EDITS_BY_NAME else e.name, e.spoof_probability, e.flips,
              False) for e in check.edits]
    subtitle = textwrap.wrap(check.summary_sentence(), 150)
    top = 0.75 + 0.2 * len(subtitle)
    row_in = 0.3
    height = top + row_in * len(rows) + 0.75
    fig = _new_figure(height)
    _title(fig, "Would the verdict survive small, harmless changes?", "\n".join(subtitle))
    left, width = 2.65, 6.3
    ax = _axes(fig, left, 0.6, width, row_in * len(rows))

    edge = 0.02  # room for a point at exactly 0 or 1
    ax.axvspan(THRESHOLD, 1.0 + edge, color=SPOOF_BG, zorder=0, lw=0)
    ax.axvspan(-edge, THRESHOLD, color=BONAFIDE_BG, zorder=0, lw=0)
    ax.axvline(THRESHOLD, color=MUTED, lw=1, ls=(0, (4, 3)), zorder=1)
    ax.axvline(check.base_probability, color=INK, lw=0.8, alpha=0.35, zorder=1)
    for i, (label, p, flips, is_base) in enumerate(rows):
        y = len(rows) - 1 - i
        p = float(p)
        color = SPOOF_COLOR if p >= THRESHOLD else BONAFIDE_COLOR
        if not is_base:
            ax.plot([check.base_probability, p], [y, y], color=color, lw=1.4, alpha=0.45, zorder=2)
        ax.scatter([p], [y], s=95 if flips else 48, c=color, zorder=4, linewidths=1.8 if flips else 0,
                   edgecolors=INK if flips else "none", marker="D" if is_base else "o")
        ax.text(-0.015, y, label, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=LABEL_SIZE,
                color=INK, fontweight="bold" if (flips or is_base) else "normal")
        digits = 3 if abs(p - THRESHOLD) < 0.005 else 2  # 0.499 must not read "0.50" beside a bona fide dot
        note = f"{p:.{digits}f}" + ("  flips the verdict" if flips else "")
        ax.text(1.02, y, note, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=TICK_SIZE,
                color=color if flips else MUTED, fontweight="bold" if flips else "normal")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(-edge, 1 + edge)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xticklabels(["0", "0.25", "0.5", "0.75", "1"])
    ax.set_xlabel("Spoof probability (left of the dashed line: bona fide, right: spoof)")
    return fig


# --- all of them --------------------------------------------------------------------------------------------------


def draw_all(audio, result) -> Figures:
    """Draw and render every figure of one analysis (attention figures only when ``result.attention`` is set, the
    filter-scaling figure only when ``result.filter_scaling`` is)."""
    figures, images, timings = {}, {}, {}
    drawers = [("spectrogram", lambda: draw_spectrogram(audio, result))]
    if getattr(result, "attention", None) is not None:
        drawers += [
            ("spectral_attention", lambda: draw_spectral_attention(audio, result)),
            ("temporal_attention", lambda: draw_temporal_attention(audio, result)),
            ("heterogeneous", lambda: draw_heterogeneous(result)),
        ]
    if getattr(result, "filter_scaling", None) is not None:
        drawers.append(("filter_scaling", lambda: draw_filter_scaling(audio, result)))
    if getattr(result, "robustness", None) is not None:
        drawers.append(("robustness", lambda: draw_robustness(result)))
    for name, drawer in drawers:
        start = time.perf_counter()
        fig = drawer()
        if fig is not None:
            figures[name] = fig
            images[name] = render_figure(fig)
        timings[name] = time.perf_counter() - start
    return Figures(figures=figures, timings=timings, **images)
