"""What AntiDeepfake says of each 20 ms frame: its own ``forward_seg``, in the window it scored.

AntiDeepfake (``aasist.models.antideepfake``) has no attention; its head is one ``Linear`` on the wav2vec 2.0 features
averaged over time. The same head applied to each frame's features is the authors' ``forward_seg``: a pair of logits per
frame, whose mean over the frames is the window's logits (the head is linear). ``FrameScores`` holds them for the
most decisive window (the whole recording when it was scored whole, up to 13 s), with each frame's time in the
recording. A frame's features come out of the transformer, which has seen the whole window: its score is the
model's reading at that moment, in the context of all the rest, not a judgement of those 20 ms alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .antideepfake import FRAME_LOGITS_KEY, FRAME_RECEPTIVE_SAMPLES, FRAME_SAMPLES, SAMPLE_RATE


def _listed(values, digits: int = 6) -> list:
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def frame_centres_s(n_frames: int, start_sample: int = 0) -> np.ndarray:
    """The centre of each frame in the recording, in seconds, for a window starting at ``start_sample``."""
    # Frame i is output i of the conv front end, whose 7 convolutions have no padding (total stride 320 samples,
    # receptive field 400): it is computed from input samples [320 i, 320 i + 400), so its centre is 200 samples
    # (12.5 ms) after 320 i. Hence also frames = (samples - 400) // 320 + 1.
    return (start_sample + np.arange(n_frames) * FRAME_SAMPLES + FRAME_RECEPTIVE_SAMPLES / 2) / SAMPLE_RATE


@dataclass
class FrameScores:
    """AntiDeepfake's per-frame logits in one window (the most decisive one, see ``Detector``)."""

    window_index: int
    start_s: float  # where the window starts in the recording
    end_s: float  # where it ends
    times_s: np.ndarray  # (frames,) each frame's centre in the recording
    logits: np.ndarray  # (frames, 2) forward_seg's logits, index 1 real

    @property
    def spoof_probability(self) -> np.ndarray:
        """Each frame's spoof probability: softmax index 0, as for the window's logits."""
        logits = np.asarray(self.logits, dtype=np.float64)
        return expit(logits[:, 0] - logits[:, 1])

    @property
    def mean_logits(self) -> np.ndarray:
        """The frames' mean logits (2,): the window's own logits, up to float rounding."""
        return np.asarray(self.logits, dtype=np.float64).mean(axis=0)

    def to_dict(self) -> dict:
        return {
            "window_index": self.window_index,
            "start_s": float(round(float(self.start_s), 4)),
            "end_s": float(round(float(self.end_s), 4)),
            "frame_hop_s": FRAME_SAMPLES / SAMPLE_RATE,
            "frame_span_s": FRAME_RECEPTIVE_SAMPLES / SAMPLE_RATE,
            "times_s": _listed(self.times_s, 4),
            "logits": _listed(self.logits),
            "spoof_probability": _listed(self.spoof_probability),
        }


def frame_scores(raw: dict, window_index: int, start_sample: int, end_sample: int) -> FrameScores:
    """One window's captured per-frame logits (no batch axis) as FrameScores."""
    logits = np.asarray(raw[FRAME_LOGITS_KEY], dtype=np.float32)
    return FrameScores(window_index=window_index, start_s=start_sample / SAMPLE_RATE, end_s=end_sample / SAMPLE_RATE,
                       times_s=frame_centres_s(len(logits), start_sample), logits=logits)


def is_frame_scores_capture(raw: dict) -> bool:
    """Whether captured tensors are AntiDeepfake's per-frame logits."""
    return FRAME_LOGITS_KEY in raw
