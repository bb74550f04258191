"""AASIST speech anti-spoofing: tells whether a recording is bona fide or AI-generated.

    from aasist import Detector
    detector = Detector.from_pretrained("AASIST")
    result = detector.analyze("speech.wav")

The names a user needs are here (``Detector``, ``Pipeline``, ``StreamingDetector``, ``evaluate``,
``labelled_files``); the library behind them is in layers, bottom first: ``models``, ``audio``, ``inference``,
``evaluation``, then ``views`` and ``training`` (README, "Code layout").
"""

from ._version import __version__

__all__ = ["Detector", "DetectionResult", "WindowResult", "WindowAttention", "Pipeline", "StreamingDetector",
           "evaluate", "labelled_files", "__version__"]


def __getattr__(name):
    # Imported on first use, so that `import aasist.models.registry` or `aasist.evaluation.metrics` does not pull in
    # the audio and hub stacks (explicit imports: tests/test_layers.py reads them).
    if name in ("Detector", "DetectionResult", "WindowResult", "WindowAttention"):
        from .inference import detector as module
    elif name == "Pipeline":
        from .inference import pipeline as module
    elif name == "StreamingDetector":
        from .inference import streaming as module
    elif name == "evaluate":
        from .evaluation import evaluation as module
    elif name == "labelled_files":
        from .audio import labels as module
    else:
        raise AttributeError(f"module 'aasist' has no attribute {name!r}")
    return getattr(module, name)


def __dir__():
    return sorted({*globals(), *__all__})
