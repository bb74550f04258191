"""How the library writes numbers and errors for people: percentages, and an exception as one sentence.

The bottom of the library (standard library only): every layer words its own messages with these, from the input
warnings (``aasist.audio.diagnostics``) to the figures and reports (``aasist.views``), so that a probability or an
error reads the same everywhere. What a result says as a whole (headline, cautions, table rows) is
``aasist.views.present``'s.

    percent_text(0.973)            # '97.3 %'
    one_sentence(error)            # the first line of its message
"""


def percent_text(p: float) -> str:
    """A probability as a percentage for people: '< 0.1 %', '97.3 %', '42 %', '> 99.9 %'."""
    if p < 0.001:
        return "< 0.1 %"
    if p > 0.999:
        return "> 99.9 %"
    return f"{p * 100:.1f} %" if (p < 0.1 or p > 0.9) else f"{p * 100:.0f} %"


def short_percent_text(p: float) -> str:
    """A probability in few characters, for labels in figures and thresholds: '<1%', '96%', '>99%'."""
    return "<1%" if p < 0.01 else (">99%" if p > 0.99 else f"{p:.0%}")


def share_percent_text(fraction: float) -> str:
    """A share of something (samples, frames), precise when small: '12.5 %', '0.35 %'."""
    return f"{fraction * 100:.1f} %" if fraction >= 0.01 else f"{fraction * 100:.2f} %"


def one_sentence(error: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
