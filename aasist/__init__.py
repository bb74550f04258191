"""AASIST speech anti-spoofing: tells whether a recording is bona fide or AI-generated.

    from aasist import Detector
    detector = Detector.from_pretrained("AASIST")
    result = detector.analyze("speech.wav")
"""

__version__ = "0.1.0"

__all__ = ["Detector", "DetectionResult", "WindowResult", "WindowAttention", "__version__"]


def __getattr__(name):
    # Lazy, so that `import aasist.models.model` or `aasist.evaluation.metrics` does not pull in the audio and hub stacks.
    if name in __all__:
        from .inference import detector

        return getattr(detector, name)
    raise AttributeError(f"module 'aasist' has no attribute {name!r}")
