"""Recordings before any model sees them: decoding and resampling (``decoding``), the input level (``level``),
speech presence (``speech``), the input warnings (``diagnostics``), window geometry (``windows``) and which
recordings are bona fide or spoof (``labels``).

Above ``aasist.models`` (it reads the models' sample rate and window sizes), below everything else (README, "Code
layout").
"""
