"""The first figure of an analysis: the recording's spectrogram, where speech was found, and the spoof probability
of each window under it, with the decisive window marked (``aasist.views.plots`` draws it with the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..audio.speech import MIN_SPEECH_S
from ..models.model import SAMPLE_RATE
from ..text import short_percent_text
from .drawing import (BONAFIDE_BG, BONAFIDE_COLOR, GRID, INK, MUTED, NARROW_LEFT_IN, NARROW_MARGIN_IN, NARROW_RIGHT_IN,
                      NARROW_X_LABELS_IN, NO_SPEECH_BG, NO_SPEECH_COLOR, NYQUIST, SPECTROGRAM_WIDTH_IN, SPEECH_COLOR,
                      SPEECH_STRIP_BG, SPOOF_BG, SPOOF_COLOR, THRESHOLD, Column, axes_at, axes_width_in, figure_title,
                      inside, label_probability_desktop, label_probability_narrow, lines_in, new_figure, panel_title,
                      small_size, spectrogram_image, waveform_of, wrap_to_width)
from .layout import DESKTOP, TICK_SIZE, Layout
from .present import shown_probability, speech_text, verdict_headline

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
    x = waveform_of(audio)
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

    image = spectrogram_image(spec, t.x, 0.0, t.duration)
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
        label_probability_narrow(prob, t.no_speech, layout)
    else:
        label_probability_desktop(prob, t.no_speech)
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
    fig = new_figure(5.2, width_in=SPECTROGRAM_WIDTH_IN)
    figure_title(fig, SPECTROGRAM_TITLE, t.subtitle)
    left, width = 0.75, SPECTROGRAM_WIDTH_IN - 1.45
    spec = axes_at(fig, left, 2.25, width, 2.05)
    prob = axes_at(fig, left, 0.55, width, 1.2, sharex=spec)
    strip = None if t.speech is None else axes_at(fig, left, 1.88, width, 0.22, sharex=spec)
    w, h = fig.get_size_inches()
    return _TimelinePanels(fig, spec, prob, strip, colorbar_in=(left + width + 0.12, 2.25, 0.12, 2.05),
                           legend=dict(loc="lower right", bbox_to_anchor=(1 - 0.65 / w, 0.02 / h)))


def _narrow_timeline_panels(t: _Timeline, layout: Layout) -> _TimelinePanels:
    """The spectrogram full width and taller, relative to its width, than on the desktop (2:3 rather than 1:5), the
    speech strip and the timeline under it, the legend under the time axis. No colour bar: the subtitle says brighter
    is louder, and its dB ticks (relative to the loudest cell) would take a tenth of a phone's width for nothing
    a reader needs."""
    col = Column(layout, SPECTROGRAM_TITLE, t.subtitle)
    width = col.width_in - NARROW_LEFT_IN - NARROW_RIGHT_IN
    spec = col.slot(max(1.6, 0.62 * width), above_in=0.04)
    strip = col.slot(0.2, above_in=0.07) if t.speech is not None else None
    # Without a verdict the panel holds two notes, one over the other (_say_no_verdict, _shade_not_analysed).
    prob = col.slot(1.3 if t.no_speech else 1.05, above_in=col.title_room(PROBABILITY_PANEL_TITLE, NARROW_LEFT_IN),
                    below_in=NARROW_X_LABELS_IN)
    legend_top = col.used_in
    if t.any_without_speech:
        col.slot(lines_in(layout.tick_size) + 0.05)
    fig = col.figure()
    spec_ax = col.axes(spec, NARROW_LEFT_IN, width)
    prob_ax = col.axes(prob, NARROW_LEFT_IN, width, sharex=spec_ax)
    panel_title(prob_ax, PROBABILITY_PANEL_TITLE, layout)
    strip_ax = None if strip is None else col.axes(strip, NARROW_LEFT_IN, width, sharex=spec_ax)
    return _TimelinePanels(fig, spec_ax, prob_ax, strip_ax,
                           legend=dict(loc="upper left", bbox_to_anchor=(col.x(NARROW_MARGIN_IN), col.y(legend_top))))


def _decibel_colorbar(fig: Figure, image, box_in: tuple) -> None:
    colorbar = fig.colorbar(image, cax=axes_at(fig, *box_in))
    colorbar.set_ticks([0, -20, -40, -60, -80])
    colorbar.ax.tick_params(labelsize=TICK_SIZE - 1, colors=MUTED, length=2)
    colorbar.outline.set_visible(False)
    colorbar.set_label("dB", fontsize=TICK_SIZE, color=MUTED, labelpad=2)


def _mark_decisive_window(spec, prob, t: _Timeline, layout: Layout) -> None:
    """The window the attention plots show, dashed on the spectrogram and the timeline."""
    w = t.windows[t.decisive]
    end = t.end_of(w)
    spec.add_patch(Rectangle((w.start_s, 60), end - w.start_s, NYQUIST - 120, fill=False, edgecolor="white",
                             lw=1.6, ls=(0, (5, 3)), zorder=4))
    label, x, ha = f"window shown in the {t.shown_in}", w.start_s + 0.008 * t.duration, "left"
    if layout.narrow:  # shorter, and inside the panel: from the window's end leftwards when it ends far right
        label = f"in the {t.shown_in}"
        x, ha = inside(spec, label, layout.tick_size, x, ha)
        if ha == "right":
            x, ha = inside(spec, label, layout.tick_size, end - 0.008 * t.duration, "right")
    spec.text(x, NYQUIST - 260, label, fontsize=small_size(layout, 0.5), color="white", va="top", ha=ha, zorder=5)
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
        note = "\n".join(wrap_to_width(note, axes_width_in(prob) - 0.3, layout.label_size))
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
    x, ha = inside(prob, note.split("\n")[1], layout.tick_size, (t.analysed_to + t.duration) / 2, "center")
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
