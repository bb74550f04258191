"""Scoring recordings: the ``Detector`` (one model, one recording) with its sliding window and backends (torch,
ONNX), the known-answer check of downloaded weights, the ``Pipeline`` of several models with agreement and the
robustness check, and live streams (``streaming``, ``stream_settings``).

Above ``aasist.models`` and ``aasist.audio`` (README, "Code layout").
"""
