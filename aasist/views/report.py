"""A report to keep: one self-contained HTML file per analysis, for a stakeholder to read offline or email.

The file holds everything (figures as embedded PNG data, styles inline): no script, no external resource, so it
opens the same in any browser with the network off. It gives the verdict and probability, the input warnings, the
robustness check and the model agreement when they were computed, the figures, what was analysed (file name,
SHA-256, duration, sample rate), with what (model, weights SHA-256, library version), when (UTC), and the model's
limits in plain language. It reads on a phone too (it is emailed): each figure is embedded twice, drawn for the
desktop and for a phone (``aasist.views.layout.PHONE``), which a small screen shows instead (``figure_html``), tables
scroll inside their box rather than widen the page, and every number is joined to its unit by a no-break space
(``present.keep_units_together``: "17 %" never breaks after "17").

    result = Pipeline([detector]).analyze(audio, with_attention=True, robustness=True)   # aasist.inference.pipeline
    write_report(result, audio, "reports", source_path="speech.wav")   # -> reports/speech-report.html
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .present import (
    model_limits,
    NO_INPUT_PROBLEMS,
    NOT_RUN_WITHOUT_SPEECH,
    agreement_summary,
    beside_text,
    cautions,
    keep_units_together,
    shown_probability,
    speech_text,
    verdict_headline,
    warning_items_html,
    warnings_heading,
)

FIGURE_CAPTIONS = {
    "spectrogram": "The recording (spectrogram), where speech was found (blue strip), and the spoof probability of "
                   "each 4-second window (grey and dashed: a window with too little speech).",
    "robustness": "The spoof probability after each harmless edit, against the 0.5 threshold.",
    "spectral_attention": "Which frequency ranges the model relied on, in its most decisive window.",
    "temporal_attention": "Which moments the model relied on, in its most decisive window.",
    "heterogeneous": "The model's heterogeneous (spectral and temporal) attention layers.",
    "spectral_attention_features": "Which groups of learnt features (not frequencies) the model relied on, in its most "
                                   "decisive window.",
    "filter_scaling": "RawNet2's most decisive window: what each fixed frequency band passed in, and the gate of each "
                      "learnt filter after each block (filters mix the bands).",
    "frame_scores": "AntiDeepfake's own reading of each 20 ms frame of its most decisive window (the whole recording "
                    "when scored whole): the spoof probability of its head on each frame's features. The window's "
                    "score is the mean of the frames' logits; this is not attention.",
}

MAX_REGIONS_LISTED = 30  # speech regions listed in the details (a long recording has hundreds)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2937;
       margin: 0; background: #f9fafb; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 40px; background: white; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px; }
.sub { color: #6b7280; margin: 0 0 18px; }
.verdict { border-left: 8px solid var(--verdict); background: var(--verdict-bg); padding: 14px 18px;
           border-radius: 6px; }
.verdict.spoof { --verdict: #dc2626; --verdict-bg: #fef2f2; }
.verdict.bonafide { --verdict: #16a34a; --verdict-bg: #f0fdf4; }
.verdict.no-speech { --verdict: #475569; --verdict-bg: #f3f4f6; }
.verdict.no-speech .verdict-prob + .caution { font-weight: 400; color: #1f2937; }  /* the reason */
.verdict-headline { font-size: 1.5em; font-weight: 700; color: var(--verdict); }
.verdict-prob { font-size: 1.1em; margin-top: 4px; }
.caution { margin-top: 8px; font-weight: 600; color: #92400e; }
ul.warnings li { margin: 4px 0; } .ok { color: #166534; }
table { border-collapse: collapse; margin: 6px 0; font-size: 0.95em; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
td.num, td.verdict-cell { font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.flips td { color: #b91c1c; font-weight: 600; }
code { font-size: 0.9em; word-break: break-all; }
figure { margin: 18px 0; } figure img { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
figcaption { color: #6b7280; font-size: 0.92em; }
.limits p { margin: 6px 0; } footer { color: #6b7280; font-size: 0.9em; margin-top: 28px; }
.table-scroll { overflow-x: auto; max-width: 100%; }
@media (max-width: 640px) {
  main { padding: 16px 12px 28px; overflow-wrap: break-word; }
  h1 { font-size: 1.35em; }
  th, td { padding-right: 8px; }
  #details td { overflow-wrap: anywhere; }  /* a repository id or file name, one long word */
}
"""
# On a phone (PHONE_MEDIA) the page never scrolls sideways: its column leaves a phone figure (PHONE, 360 CSS px) its
# full width on a 390 px screen, wide tables scroll in their .table-scroll box, long words (file names) break.


def png_data_uri(image: np.ndarray) -> str:
    """An RGB (H, W, 3) uint8 array as a ``data:image/png;base64,...`` URI."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# Small screens get the figures drawn for a phone (``aasist.views.layout.PHONE``), when the report has them.
PHONE_MEDIA = "(max-width: 640px)"


def figure_html(name: str, caption: str, desktop: np.ndarray, phone: Optional[np.ndarray] = None) -> str:
    """A figure of a report: ``desktop`` (the desktop's image), and ``phone`` in its place on a small screen
    (``PHONE_MEDIA``), both embedded. Images drawn at 2 pixels per CSS px (``Layout.pixel_ratio``) are shown at
    half their pixel size."""
    source = ""
    if phone is not None:
        from .layout import PHONE

        height, width = phone.shape[:2]
        source = (f'<source media="{PHONE_MEDIA}" srcset="{png_data_uri(phone)} {PHONE.pixel_ratio:g}x" '
                  f'width="{round(width / PHONE.pixel_ratio)}" height="{round(height / PHONE.pixel_ratio)}">')
    return (f'<figure data-figure="{name}"><picture>{source}<img src="{png_data_uri(desktop)}" '
            f'alt="{_e(caption)}" width="{desktop.shape[1]}" height="{desktop.shape[0]}"></picture>'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def render_report(result, audio, *, source_path: Union[str, os.PathLike, None] = None, figures=None,
                  generated_at: Optional[datetime] = None) -> str:
    """The report of ``result`` (a ``DetectionResult``) for ``audio`` (the ``aasist.audio.decoding.Audio`` it analysed)
    as one HTML document.

    ``source_path``: the analysed file, for its name and SHA-256 (default ``result.file``). ``figures``: the
    ``plots.Figures`` already drawn for this result, for one screen (``figures.layout``: the page's); the report
    draws the other layout (``_report_figures``), and both when None. Attention figures need ``with_attention=True``,
    the robustness figure a robustness check. ``generated_at``: the date shown (now).
    """
    from .._version import __version__

    desktop, phone = _report_figures(result, audio, figures)
    when = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    path = source_path if source_path is not None else result.file
    name = Path(path).name if path else "(analysed from memory, no file name)"
    parts = [
        f'<header><h1>Is this voice real? Analysis report</h1><p class="sub">{_e(name)} · '
        f'{when:%Y-%m-%d %H:%M} UTC</p></header>',
        _verdict_section(result),
        _warnings_section(result.warnings),
    ]
    if result.verdict == "no_speech":  # neither is run without speech: said, so that nobody looks for them
        parts += [_not_run_section("robustness", "Robustness check"), _not_run_section("agreement", "Model agreement")]
    if result.robustness is not None:
        parts.append(_robustness_section(result.robustness))
    if result.agreement is not None:
        parts.append(_agreement_section(result.agreement))
    parts.append(_figures_section(desktop, phone, result))
    parts.append(_details_section(result, audio, name, path, when, __version__))
    parts.append('<section class="limits"><h2>Limits of the model</h2>'
                 + "".join(f"<p>{_e(text)}</p>" for text in model_limits(result.model)) + "</section>")
    parts.append(f"<footer>Made with the aasist library {_e(__version__)}, AASIST (Jung et al., ICASSP 2022) with "
                 "the authors' pretrained weights. This file is self-contained: it loads nothing from the network."
                 "</footer>")
    title = f"AASIST report: {name}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            + keep_units_together("\n".join(parts)) + "\n</main>\n</body>\n</html>\n")


def _report_figures(result, audio, figures=None) -> tuple:
    """(desktop ``Figures``, phone ``Figures`` or None) for the report: those given, and the other layout drawn here
    for ``audio``; both drawn when none are given. Without ``audio`` (nothing to draw from) only those given."""
    from .layout import DESKTOP, PHONE, phone_sized
    from .plots import draw_all

    def drawn(layout):
        return draw_all(audio, result, layout) if audio is not None else None

    if figures is None:
        return draw_all(audio, result), drawn(PHONE)
    layout = figures.layout
    if not layout.narrow:
        return figures, drawn(PHONE)
    desktop = drawn(DESKTOP)
    if desktop is None:  # the narrow figures alone, in place of the desktop's
        return figures, None
    return desktop, figures if phone_sized(layout) else drawn(PHONE)


def write_report(result, audio, directory: Union[str, os.PathLike], *,
                 source_path: Union[str, os.PathLike, None] = None, figures=None,
                 generated_at: Optional[datetime] = None) -> Path:
    """Write ``render_report(...)`` into ``directory`` (created when missing) as ``<file stem>-report.html`` and
    return its path. An existing file is never overwritten: the name gets ``-2``, ``-3``, ... instead."""
    document = render_report(result, audio, source_path=source_path, figures=figures, generated_at=generated_at)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = source_path if source_path is not None else result.file
    stem = re.sub(r"[^\w.-]+", "_", Path(path).stem).strip("._") if path else ""
    return write_new_file(directory, f"{stem or 'recording'}-report", document)


def write_new_file(directory: Path, stem: str, document: str) -> Path:
    """Write ``document`` to ``directory/stem.html``, or ``stem-2.html``, ``stem-3.html``, ... when that exists: a
    report is never overwritten."""
    for n in range(1, 10_000):
        target = directory / (f"{stem}.html" if n == 1 else f"{stem}-{n}.html")
        try:
            with open(target, "x", encoding="utf-8") as f:  # "x": fails when the file exists, never overwrites
                f.write(document)
            return target
        except FileExistsError:
            continue
    raise OSError(f"could not find a free file name for {stem!r} in {directory}.")


# --- sections -----------------------------------------------------------------------------------------------------


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _scrolling(table: str) -> str:
    """A table in a box that scrolls sideways when the table is wider than the screen (a phone's)."""
    return f'<div class="table-scroll">{table}</div>'


def _verdict_section(result) -> str:
    """The headline, the probability and the cautions; without speech a grey section whose headline says so, the
    reason first among the cautions, and the probability marked not meaningful."""
    term = result.verdict
    caution_html = "".join(f'<div class="caution">{_e(c)}</div>' for c in cautions(result))
    beside = beside_text(result)
    if beside:
        caution_html = f'<div class="beside" data-model="{_e(result.beside.model)}">{_e(beside)}</div>{caution_html}'
    p = float(result.spoof_probability)
    if term == "no_speech":  # the term would repeat the headline
        kind, headline = "no-speech", _e(verdict_headline(term))
        probability = (f"Spoof probability: <strong>{_e(shown_probability(result))}</strong> (the model's output "
                       f"was {p:.6f}), model {_e(result.model)}")
    else:
        kind, headline = ("spoof" if term == "spoof" else "bonafide"), f"{_e(verdict_headline(term))} ({term})"
        probability = (f"<strong>{_e(shown_probability(result))}</strong> spoof probability (threshold 50 %; exact "
                       f"value {p:.6f}), model {_e(result.model)}")
    return (f'<section class="verdict {kind}" id="verdict" data-verdict="{term}"><div>Verdict</div>'
            f'<div class="verdict-headline">{headline}</div><div class="verdict-prob">{probability}</div>'
            f"{caution_html}</section>")


def _not_run_section(section_id: str, title: str) -> str:
    return (f'<section id="{section_id}" data-state="not_run"><h2>{_e(title)}</h2>'
            f"<p>{_e(NOT_RUN_WITHOUT_SPEECH)}</p></section>")


def _warnings_section(warnings: list) -> str:
    if not warnings:
        return f'<section><h2>Input warnings</h2><p class="ok">{_e(NO_INPUT_PROBLEMS)}</p></section>'
    return (f'<section><h2>{_e(warnings_heading(warnings))}</h2><ul class="warnings">{warning_items_html(warnings)}'
            '</ul></section>')


def _robustness_section(check) -> str:
    from ..inference.robustness import EDITS_BY_NAME

    rows = [f'<tr><td>{_e("as it is")}</td><td>{_e(check.part_checked)}, unedited</td>'
            f'<td class="num">{check.base_probability:.3f}</td><td class="verdict-cell">{_e(check.base_verdict)}</td>'
            "<td></td></tr>"]
    for edit in check.edits:
        label = EDITS_BY_NAME[edit.name].label if edit.name in EDITS_BY_NAME else edit.name
        rows.append(f'<tr class="{"flips" if edit.flips else ""}"><td>{_e(label)}</td><td>{_e(edit.description)}'
                    f'</td><td class="num">{edit.spoof_probability:.3f}</td>'
                    f'<td class="verdict-cell">{_e(edit.verdict)}</td>'
                    f'<td>{"flips the verdict" if edit.flips else ""}</td></tr>')
    return (f'<section id="robustness"><h2>Robustness check</h2><p>{_e(check.summary_sentence())}</p>'
            + _scrolling("<table><tr><th>edit</th><th>what was done</th><th>spoof probability</th><th>verdict</th>"
                         "<th></th></tr>" + "".join(rows) + "</table>") + "</section>")


def _agreement_section(agreement) -> str:
    rows = "".join(f'<tr><td>{_e(m.model)}</td><td class="num">{m.spoof_probability:.3f}</td>'
                   f'<td class="verdict-cell">{_e(m.verdict)}</td></tr>' for m in agreement.models)
    return (f'<section id="agreement"><h2>Model agreement</h2><p>{_e(agreement_summary(agreement))}</p>'
            + _scrolling(f"<table><tr><th>model</th><th>spoof probability</th><th>verdict</th></tr>{rows}</table>")
            + "</section>")


ATTENTION_FIGURES = ("spectral_attention", "temporal_attention", "heterogeneous")


def _figures_section(desktop, phone=None, result=None) -> str:
    """Each figure the page's figures have (``desktop``: the desktop's ``Figures``, or the narrow ones given when
    there was nothing to draw the desktop's from), with its phone image when there is one."""
    learnt = getattr(getattr(result, "attention", None), "spectral_axis", "hz") == "feature"  # W2V2-AASIST
    blocks = []
    for name in ("spectrogram", "robustness", "spectral_attention", "temporal_attention", "heterogeneous",
                 "filter_scaling", "frame_scores"):
        image = getattr(desktop, name, None)
        if image is None:
            continue
        caption = FIGURE_CAPTIONS[f"{name}_features" if name == "spectral_attention" and learnt else name]
        attention_of = getattr(desktop, "attention_model", None)
        if name in ATTENTION_FIGURES and result is not None and attention_of not in (None, result.model):
            caption = f"{attention_of}, run beside {result.model}'s verdict: {caption[0].lower()}{caption[1:]}"
        blocks.append(figure_html(name, caption, image, getattr(phone, name, None)))
    return '<section><h2>Figures</h2>' + "".join(blocks) + "</section>"


def _model_rows(result) -> list:
    """The model, its weights and how their checksum was checked (``aasist.models.registry`` for built-in models)."""
    from .present import model_facts
    from ..models.registry import registered

    sha = result.weights_sha256 or "unknown"
    if result.weights_check:  # as the loader checked it (aasist.models.weights)
        sha = f"{sha} ({result.weights_check})"
    model = registered(result.model)
    if model is None:
        return [("Model", result.model), ("Weights SHA-256", sha)]
    return [
        ("Model", f"{model.name}: {model_facts(model.name)}"),
        ("Published weights", f"{model.repo_id}, file {model.filename} (licence {model.licence})"),
        ("Weights SHA-256", sha),
    ]


def _speech_rows(result) -> list:
    """How much speech the recording holds and where (``result.speech``), when it was looked for."""
    speech = getattr(result, "speech", None)
    if speech is None:
        return []
    shown = MAX_REGIONS_LISTED
    where = ", ".join(f"{start:.2f}–{end:.2f} s" for start, end in speech.regions[:shown]) or "none"
    if len(speech.regions) > shown:
        where += f" and {len(speech.regions) - shown} more"
    return [("Speech found (Silero VAD)", speech_text(speech)), ("Speech regions", where)]


def _details_section(result, audio, name: str, path, when: datetime, version: str) -> str:
    from ..models.weights import file_sha256

    file_hash = "not available (analysed from memory)"
    if path and Path(path).is_file():
        file_hash = file_sha256(path)
    analysis = (f"whole recording, {len(result.windows)} window{'s' if len(result.windows) != 1 else ''} of 4.04 s"
                if result.protocol == "full" else "the authors' protocol: the first 4.04 s only")
    fmt = " ".join(v for v in (getattr(audio, "format", None), getattr(audio, "subtype", None)) if v) or "array"
    rows = [
        ("File", name),
        ("File SHA-256", file_hash),
        ("Duration", f"{result.duration_s:.2f} s" + (" (truncated)" if getattr(audio, "truncated", False) else "")),
        *_speech_rows(result),
        ("Sample rate", f"{result.sample_rate} Hz"),
        ("Channels, format", f"{getattr(audio, 'channels', 1)}, {fmt}"),
        ("Analysis", analysis),
        *_model_rows(result),
        ("Library", f"aasist {version}"),
        ("Date", f"{when:%Y-%m-%d %H:%M:%S} UTC"),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" if "SHA" in k else
                   f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    table = _scrolling(f"<table>{body}</table>")
    return f'<section id="details"><h2>What was analysed, with what</h2>{table}</section>'
