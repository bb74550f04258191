"""RawNet2's look inside its most decisive window (``aasist.models.filter_scaling``): what each fixed sinc band passed
in, and the gate of every learnt filter of its six blocks.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.figure import Figure

from .drawing import (GRID, KEPT_COLOR, MAP_CMAP, MUTED, NARROW_LEFT_IN, NARROW_RIGHT_IN, NARROW_X_LABELS_IN, TOP_DB,
                      Column, axes_at, figure_title, hz_formatter, lines_in, new_figure, panel_title, small_size,
                      window_label)
from .layout import DESKTOP, Layout


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
    subtitle = (f"Most decisive {window_label(scaling)}. {first}: its {len(edges)} fixed frequency bands. {second}: "
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
    bands.xaxis.set_major_formatter(hz_formatter)
    x_label, y_label = "Frequency (Hz, mel-spaced like the bands)", "Level (dB re strongest band)"
    if layout.narrow:
        x_label, y_label = "Frequency (Hz, mel-spaced\nlike the bands)", "dB re strongest band"
    bands.set_xlabel(x_label)
    bands.set_ylabel(y_label)
    panel_title(bands, BANDS_PANEL_TITLE, layout)

    image = heat.imshow(np.ma.masked_invalid(gates), origin="upper", aspect="auto", cmap=_gate_cmap(), vmin=0.0,
                        vmax=1.0, interpolation="nearest")
    heat.set_yticks(range(len(gates)))
    heat.set_yticklabels([f"{i}" for i in range(len(gates))])
    heat.set_ylabel("Residual block")
    heat.set_xlabel("Learnt filter (channel) of the block")
    panel_title(heat, heat_title, layout)
    _label_narrow_blocks(heat, scaling.block_scales, gates.shape[1], layout)
    orientation = "horizontal" if layout.narrow else "vertical"
    colorbar = fig.colorbar(image, cax=axes_at(fig, *colorbar_in), orientation=orientation)
    colorbar.set_ticks([0, 0.5, 1])
    colorbar.ax.tick_params(labelsize=small_size(layout, 1.5), colors=MUTED, length=2)
    colorbar.outline.set_visible(False)
    colorbar.set_label("gate (0 muted, 1 passed)", fontsize=layout.tick_size, color=MUTED, labelpad=2)
    return fig


def _desktop_filter_panels(subtitle: str) -> tuple:
    """(figure, band axes, gate axes, the colour bar's box): the bands left, the gates right."""
    fig = new_figure(4.5)
    figure_title(fig, FILTER_SCALING_TITLE, subtitle)
    bottom, height = 0.6, 2.85
    bands = axes_at(fig, 0.75, bottom, 3.9, height)
    heat = axes_at(fig, 5.45, bottom, 4.85, height)
    return fig, bands, heat, (10.48, bottom, 0.1, height)


def _narrow_filter_panels(subtitle: str, heat_title: str, blocks: int, layout: Layout) -> tuple:
    """The bands, then the gates under them (a row per block), then a horizontal colour bar under those."""
    col = Column(layout, FILTER_SCALING_TITLE, subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    two_line_label = NARROW_X_LABELS_IN + lines_in(layout.label_size)
    bands = col.slot(1.7, above_in=col.title_room(BANDS_PANEL_TITLE, NARROW_LEFT_IN), below_in=two_line_label)
    heat = col.slot(max(1.2, 0.26 * blocks), above_in=col.title_room(heat_title, NARROW_LEFT_IN),
                    below_in=NARROW_X_LABELS_IN)
    bar = col.slot(0.08, above_in=0.08, below_in=lines_in(layout.tick_size, 2) + 0.08)
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
