"""AASIST's attention in the most decisive window: over frequency bands (spectral), over time slices (temporal) and
in the heterogeneous graph layers, beside the window's spectrogram (``result.attention``, ``Detector.analyze(...,
with_attention=True)``; the same for the AASIST run beside another model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..models.model import SAMPLE_RATE, WINDOW_SAMPLES
from .drawing import (DROPPED_COLOR, GRID, INK, KEPT_COLOR, MAP_CMAP, MUTED, NARROW_LEFT_IN, NARROW_MARGIN_IN,
                      NARROW_RIGHT_IN, NARROW_X_LABELS_IN, NYQUIST, SPOOF_COLOR, Column, Slot, axes_at, axes_width_in,
                      figure_title, hz_formatter, inside, new_figure, panel_title, share_formatter, small_size,
                      spectrogram_image, waveform_of, window_label, window_waveform)
from .layout import DESKTOP, Layout


def _kept_mask(n: int, kept) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(kept, dtype=int)] = True
    return mask


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


def _narrow_legend_place(col: Column, slot: Slot) -> dict:
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
            f"Most decisive {window_label(att)}. Each bar is a group of 3 of the 128 features its back end reads "
            "from wav2vec 2.0: a learnt axis, not frequency.",
            "Group-to-group attention map", "Attention per feature group")
    return _AttentionTexts(
        "Which frequency ranges the model relied on",
        f"Most decisive {window_label(att)}. Each bar is one of the model's 23 frequency bands (approximate).",
        "Band-to-band attention map", "Attention per band")


def draw_spectral_attention(audio, result, layout: Layout = DESKTOP) -> Figure:
    """The 23 spectral nodes' weights along the frequency axis (kept nodes marked), the pool scores, the map."""
    att = result.attention
    x = waveform_of(audio)
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

    window = window_waveform(x, att.start_s)
    spectrogram_image(spec, window, float(att.start_s), WINDOW_SAMPLES / SAMPLE_RATE, max_columns=240)
    spec.set_ylabel("Frequency (Hz)")
    spec.set_xlabel("Time (s)")
    spec.xaxis.set_major_locator(_max_n_locator(4))
    panel_title(spec, WINDOW_PANEL_TITLE, layout)

    heights = bands[:, 1] - bands[:, 0]
    bars.barh(bands[:, 0], weight, height=heights, align="edge", color=colors, edgecolor="white", linewidth=0.6)
    even = 1.0 / n
    bars.axvline(even, color=MUTED, lw=1, ls=(0, (4, 3)))
    bars.set_xlim(0, max(weight.max() * 1.15, even * 1.6))
    bars.set_xlabel("Share of attention")
    bars.xaxis.set_major_formatter(share_formatter)
    bars.xaxis.set_major_locator(_max_n_locator(3 if layout.narrow else 4))
    if layout.narrow:  # not beside the spectrogram: the bands' frequencies on their own axis
        bars.set_ylabel("Learnt feature group" if learnt else "Frequency (Hz)")
        if not learnt:
            bars.set_yticks([0, 2000, 4000, 6000, 8000])
            bars.yaxis.set_major_formatter(hz_formatter)
    else:
        bars.tick_params(labelleft=learnt)
        if learnt:
            bars.set_ylabel("Learnt feature group")
    panel_title(bars, texts.bars_title, layout, width_in=axes_width_in(bars))
    _legend_kept(p.fig, p.legend, layout)

    centers = bands.mean(axis=1)
    pool.hlines(centers, 0, scores, color=colors, lw=1.6)
    pool.scatter(scores, centers, s=16, c=colors, zorder=3, linewidths=0)
    pool.set_xlim(0, 1.05)
    pool.set_xticks([0, 0.5, 1])
    pool.set_xticklabels(["0", ".5", "1"])
    pool.set_xlabel("Keep score")
    pool.tick_params(labelleft=False)
    panel_title(pool, "Kept?", layout)
    pool.set_ylim(0, bands[-1, 1] if learnt else NYQUIST)

    # The bands are mel-spaced: the map's cells are stretched to the bands' true edges (a 23 x 23 mesh is cheap).
    edges = np.concatenate([bands[:, 0], bands[-1:, 1]])
    amap.pcolormesh(edges, edges, att.spectral_map, cmap=MAP_CMAP, norm=_map_norm(att.spectral_map), shading="flat")
    amap.set_xlim(0, edges[-1])
    amap.set_ylim(0, edges[-1])
    panel_title(amap, texts.map_title, layout)
    if learnt:
        amap.set_xlabel("attended feature group")
        amap.set_ylabel("attending feature group")
    else:
        amap.set_xlabel("attended band (Hz)")
        amap.set_ylabel("attending band (Hz)")
        for axis in (amap.xaxis, amap.yaxis):
            axis.set_major_formatter(hz_formatter)
        amap.set_xticks([0, 2000, 4000, 6000])
        amap.set_yticks([0, 2000, 4000, 6000])
    _colorbar(p.fig, amap, p.colorbar_in, layout)
    return p.fig


def _desktop_spectral_panels(texts: _AttentionTexts, learnt: bool) -> _AttentionPanels:
    """Four panels in a row: the window's spectrogram, the bars and keep scores on its frequency axis, the map."""
    fig = new_figure(4.5)
    figure_title(fig, texts.title, texts.subtitle)
    bottom, height = 0.6, 2.85
    spec = axes_at(fig, 0.75, bottom, 2.3, height)
    bars = axes_at(fig, 3.35, bottom, 2.3, height, **({} if learnt else {"sharey": spec}))
    pool = axes_at(fig, 5.8, bottom, 1.0, height, sharey=bars)
    amap = axes_at(fig, 7.65, bottom, 2.75, height)
    return _AttentionPanels(fig, spec, bars, pool, amap, (10.48, bottom, 0.1, height), _desktop_legend_place(fig))


NARROW_COLORBAR_IN = 0.55  # right of a narrow map: the bar, and its percentage ticks


def _narrow_spectral_panels(texts: _AttentionTexts, layout: Layout) -> _AttentionPanels:
    """Stacked: the window's spectrogram; the bars and the keep scores side by side under the legend; the map,
    square, as wide as its colour bar leaves room for."""
    col = Column(layout, texts.title, texts.subtitle)
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
    cax = axes_at(fig, *box_in)
    colorbar = fig.colorbar(mappable, cax=cax)
    colorbar.ax.tick_params(labelsize=small_size(layout, 1.5), colors=MUTED, length=2)
    colorbar.ax.yaxis.set_major_formatter(share_formatter)
    if layout.narrow:  # a short bar: fewer ticks
        colorbar.ax.yaxis.set_major_locator(_max_n_locator(4))
    colorbar.outline.set_visible(False)
    return colorbar


def draw_temporal_attention(audio, result, layout: Layout = DESKTOP) -> Figure:
    """Each temporal node's weight along the time axis under the decisive window's spectrogram, and the map."""
    att = result.attention
    x = waveform_of(audio)
    times = np.asarray(att.temporal_times_s, dtype=float)
    weight = np.asarray(att.temporal_weight, dtype=float)
    scores = np.asarray(att.temporal_pool_scores, dtype=float)
    n = len(weight)
    kept = _kept_mask(n, att.kept_temporal)
    colors = np.where(kept, KEPT_COLOR, DROPPED_COLOR)
    t0 = float(att.start_s)
    t1 = t0 + WINDOW_SAMPLES / SAMPLE_RATE

    texts = _AttentionTexts("Which moments the model relied on",
                            f"Most decisive {window_label(att)}. Each bar is one of the model's {n} time slices "
                            f"(~{(times[0, 1] - times[0, 0]) * 1000:.0f} ms).", "Moment-to-moment attention map")
    p = _narrow_temporal_panels(texts, layout) if layout.narrow else _desktop_temporal_panels(texts)
    spec, bars, pool, amap = p.spec, p.bars, p.pool, p.amap

    window = window_waveform(x, t0)
    spectrogram_image(spec, window, t0, t1 - t0, max_columns=600)
    spec.set_ylabel("Frequency (Hz)")
    spec.tick_params(labelbottom=False)
    panel_title(spec, WINDOW_PANEL_TITLE, layout)

    bars.bar(times[:, 0], weight, width=times[:, 1] - times[:, 0], align="edge", color=colors, edgecolor="white",
             linewidth=0.6)
    even = 1.0 / n
    bars.axhline(even, color=MUTED, lw=1, ls=(0, (4, 3)))
    bars.set_ylim(0, max(weight.max() * 1.2, even * 1.8))
    bars.set_ylabel("Share of attention" if layout.narrow else "Share of\nattention")
    bars.tick_params(labelbottom=False)
    bars.yaxis.set_major_locator(_max_n_locator(3))
    bars.yaxis.set_major_formatter(share_formatter)
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
            x, ha = inside(spec, "repeated audio", layout.tick_size, x, ha)
        spec.text(x, NYQUIST * 0.92, "repeated audio", color="white", fontsize=layout.tick_size, ha=ha, va="top",
                  zorder=5)

    edges = np.concatenate([times[:, 0], times[-1:, 1]])
    amap.pcolormesh(edges, edges, att.temporal_map, cmap=MAP_CMAP, norm=_map_norm(att.temporal_map), shading="flat")
    amap.set_xlim(edges[0], edges[-1])
    amap.set_ylim(edges[0], edges[-1])
    panel_title(amap, texts.map_title, layout)
    amap.set_xlabel("attended time slice (s)")
    amap.set_ylabel("attending time slice (s)")
    _colorbar(p.fig, amap, p.colorbar_in, layout)
    return p.fig


def _desktop_temporal_panels(texts: _AttentionTexts) -> _AttentionPanels:
    """The window's spectrogram, the bars and the keep scores on one time axis (left), the map (right)."""
    fig = new_figure(4.85)
    figure_title(fig, texts.title, texts.subtitle)
    left, width = 0.75, 6.1
    spec = axes_at(fig, left, 2.25, width, 1.45)
    bars = axes_at(fig, left, 1.0, width, 1.1, sharex=spec)
    pool = axes_at(fig, left, 0.55, width, 0.32, sharex=spec)
    amap = axes_at(fig, 7.65, 0.55, 2.75, 3.15)
    return _AttentionPanels(fig, spec, bars, pool, amap, (10.48, 0.55, 0.1, 3.15), _desktop_legend_place(fig))


def _narrow_temporal_panels(texts: _AttentionTexts, layout: Layout) -> _AttentionPanels:
    """Stacked on one time axis: the window's spectrogram, the legend, the bars, the keep scores; the map under
    them, square."""
    col = Column(layout, texts.title, texts.subtitle)
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
        ax = axes_at(fig, *place, layout)
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
        panel_title(ax, f"Branch {branch}, layer {stage}", layout, width_in=place[2])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("time slices | bands", fontsize=layout.tick_size)
    return fig


def _desktop_heterogeneous_row(layout: Layout) -> tuple:
    """(figure, each map's (left, bottom, width, height) in inches)."""
    fig = new_figure(3.6)
    figure_title(fig, HETEROGENEOUS_TITLE, HETEROGENEOUS_SUBTITLE)
    size, gap = 2.05, 0.55
    return fig, [(0.75 + i * (size + gap), 0.5, size, size) for i in range(4)]


def _narrow_heterogeneous_grid(layout: Layout) -> tuple:
    col = Column(layout, HETEROGENEOUS_TITLE, HETEROGENEOUS_SUBTITLE)
    gap = 0.3
    size = (col.width_in - 2 * NARROW_MARGIN_IN - gap) / 2
    rows = [col.slot(size, above_in=col.title_room("Branch 1, layer 1", NARROW_MARGIN_IN, size), below_in=0.28)
            for _ in range(2)]
    fig = col.figure()
    return fig, [col.box(row, NARROW_MARGIN_IN + i * (size + gap), size) for row in rows for i in range(2)]
