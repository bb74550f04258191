"""The settings of a live stream (``aasist.inference.streaming``): defaults, limits and their checks.

Light on purpose (standard library only): the web page and the CLI's help state these defaults before torch, which
``aasist.inference.streaming`` imports, is loaded. ``aasist.inference.streaming`` takes them from here
(``streaming.DEFAULT_THRESHOLD`` is this module's).
"""

from __future__ import annotations

import math

# A fresh score every second: one window takes about 0.08 s on 2 CPU cores (ONNX), so a stream uses ~8 % of them.
DEFAULT_HOP_S = 1.0
# Below 0.25 s consecutive windows share 94 % of their samples and four scores a second per stream cost a third of
# 2 cores; above 4.04 s (one window) audio between windows would never be scored.
MIN_HOP_S, MAX_HOP_S = 0.25, 4.04
# Measured (benchmarks/measure_streaming_alarm.py, hop 1 s, every recording streamed from 0, 0.25, ..., 1.75 s into
# it: a live stream rarely starts at a pause). ASVspoof 2019's silence shortcut makes single windows of real speech
# that start mid-word score up to 0.99, and in the first hops the smoothing holds only 1-3 windows, so at the
# verdict's threshold (0.5; 7 windows, 3 hops) 74 of 280 real streams (17 of 35 recordings) raised an alarm (AASIST;
# AASIST-L 82). The highest smoothed probability real speech held for 3 hops was 0.947 (AASIST; 0.953 for AASIST-L,
# from 0.05 s offsets); the lowest that synthetic speech held through the first 3 hops was 0.974 (AASIST, flite
# kal16; every other voice above 0.98), leaving out kal16 streamed from its first 0.1 s, whose 0.14-0.24 s of
# leading silence no 3-hop rule overcomes in time. The threshold sits between the two, near the middle in log-odds: at 0.96
# no real stream raised an alarm (either model) and all 120 synthetic ones did, 119 by 4.04 s + 2 hops (AASIST-L 117,
# all three misses kal16), and 54 of 56 partly synthetic streams (AASIST-L 55). With 2 hops 0.96 still raised 5
# alarms on real speech; 3, 5, 7 or 9 windows measured alike (7 kept).
DEFAULT_THRESHOLD = 0.96
DEFAULT_SMOOTHING = 7
DEFAULT_MIN_HOPS = 3  # with a 1 s hop the alarm can come at 6.04 s, one window plus two hops (issue #9's deadline)
# Cleared only below threshold - margin (0.86), so a probability hovering around the threshold does not flicker it.
DEFAULT_MARGIN = 0.1


def number(value, name: str) -> float:
    """``value`` as a float; ``ValueError`` (one sentence naming ``name``) when it is not a number."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}.") from None
    if math.isnan(result):
        raise ValueError(f"{name} must be a number, not NaN.")
    return result


def checked_hop_s(hop_s) -> float:
    """The hop in seconds; ``ValueError`` (one sentence) outside ``MIN_HOP_S`` to ``MAX_HOP_S``."""
    hop_s = number(hop_s, "hop_s")
    if not MIN_HOP_S <= hop_s <= MAX_HOP_S:
        raise ValueError(f"The hop must be between {MIN_HOP_S} and {MAX_HOP_S} seconds, not {hop_s:g}.")
    return hop_s


def checked_threshold(threshold) -> float:
    """The alarm threshold; ``ValueError`` (one sentence) unless it is a probability strictly between 0 and 1."""
    threshold = number(threshold, "threshold")
    if not 0 < threshold < 1:
        raise ValueError(f"The threshold must be a probability between 0 and 1 (exclusive), not {threshold:g}.")
    return threshold
