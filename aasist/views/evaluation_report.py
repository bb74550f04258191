"""An evaluation to keep: one self-contained HTML file with the numbers of every model on a labelled set.

Like the report of one analysis (``aasist.views.report``, whose styles and figure embedding it shares), the file holds
everything (figures as embedded PNG data, styles inline): no script, no external resource, so it opens the same in any
browser with the network off. It gives the set's size (what was counted, per class, what was left out and why), each
model's EER with its 95 % bootstrap interval, its threshold at the EER and its errors at 0.5 and at that threshold,
what to keep in mind (``present.evaluation_notes``), the DET curves and the score distributions
(``evaluation_plots``), the recordings the models get most wrong, the ones
left out, every recording's probabilities, with what it was computed (architecture, weights SHA-256, library version,
bootstrap rounds and seed) and the limits of such a number. Every sentence in it comes from ``aasist.views.present``.

    evaluation = evaluate(labelled_files(["my_set/"]), detectors)      # aasist.evaluation.evaluation
    write_evaluation_report(evaluation, "reports")                     # -> reports/evaluation-report.html
    evaluation_report_html(evaluation)                                 # the same document as a string

The figures are embedded twice: drawn for the desktop, and for a phone (``aasist.views.layout.PHONE``), which a small
screen shows instead (``report.figure_html``). ``evaluation_figures`` draws them for one screen; the web page passes
those it shows, and the report draws the other layout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .layout import DESKTOP, PHONE, Layout, phone_sized
from .present import (
    EVALUATION_DET_CAPTION,
    EVALUATION_LEFT_OUT_INTRO,
    EVALUATION_LIMITS,
    EVALUATION_MODEL_COLUMNS,
    EVALUATION_MODELS_INTRO,
    EVALUATION_MOST_WRONG_INTRO,
    EVALUATION_NO_SPEECH,
    EVALUATION_NOT_DECODED,
    EVALUATION_NOTHING_LEFT_OUT,
    EVALUATION_NOTHING_WRONG,
    EVALUATION_RECORDINGS_INTRO,
    EVALUATION_SCORES_CAPTION,
    MODEL_LIMITS,
    evaluation_model_row,
    evaluation_notes,
    evaluation_set_text,
    keep_units_together,
    model_facts,
)
from .report import STYLE, _e, figure_html, write_new_file

EVALUATION_STYLE = STYLE + """
td.wrong { color: #b91c1c; font-weight: 600; }
td.left-out { color: #6b7280; }
ul.notes li, ul.left-out li { margin: 4px 0; }
ul.left-out li { overflow-wrap: anywhere; }
td.file { overflow-wrap: anywhere; min-width: 9em; }
"""
# On a phone the page never scrolls sideways: wide tables scroll inside their box (.table-scroll), file names and
# error messages break anywhere rather than widen it.

# Models whose limits the demo states next to every verdict (present.MODEL_LIMITS speaks of AASIST).
MODEL_LIMITS_APPLY_TO = ("AASIST", "AASIST-L")


@dataclass
class EvaluationFigures:
    """The figures of an evaluation, rendered for one screen (``layout``): RGB uint8 arrays."""

    det: np.ndarray  # the DET curves
    scores: np.ndarray  # the score distributions
    layout: Layout = DESKTOP


def evaluation_figures(evaluation, layout: Layout = DESKTOP) -> EvaluationFigures:
    """The evaluation's figures (``evaluation_plots``) drawn for ``layout`` and rendered: what the web page shows
    and the report embeds."""
    from .evaluation_plots import draw_det_curves, draw_score_distributions
    from .drawing import render_figure

    return EvaluationFigures(det=render_figure(draw_det_curves(evaluation, layout)),
                             scores=render_figure(draw_score_distributions(evaluation, layout)), layout=layout)


def evaluation_report_html(evaluation, *, full_document: bool = True,
                           figures: Optional[EvaluationFigures] = None) -> str:
    """The report of ``evaluation`` (an ``aasist.evaluation.evaluation.Evaluation``) as one self-contained HTML
    document.

    ``full_document=False`` gives the same content as one ``<div class="evaluation-report">`` without the document's
    head and styles, for a page that has its own (the web demo). ``figures``: the figures already drawn for one
    screen (``evaluation_figures``); the report draws the other layout, and all of them when None.
    """
    from .._version import __version__

    figures = figures if figures is not None else evaluation_figures(evaluation)
    desktop = figures if not figures.layout.narrow else evaluation_figures(evaluation)
    phone = figures if phone_sized(figures.layout) else evaluation_figures(evaluation, PHONE)
    parts = [
        '<header><h1>Is this voice real? Evaluation report</h1>'
        f'<p class="sub">{_e(_models_list(evaluation))} on {len(evaluation.files)} labelled recordings · '
        f'{_e(_date_text(evaluation.created))}</p></header>',
        _set_section(evaluation),
        _models_section(evaluation),
        _versions_section(evaluation, __version__),
        _notes_section(evaluation),
        _figures_section(desktop, phone),
        _most_wrong_section(evaluation),
        _left_out_section(evaluation),
        _recordings_section(evaluation),
        _limits_section(evaluation),
        f"<footer>Made with the aasist library {_e(__version__)}. This file is self-contained: it loads nothing from "
        "the network.</footer>",
    ]
    body = keep_units_together("\n".join(parts))  # "17 %" never breaks after "17", as in every report
    if not full_document:
        return f'<div class="evaluation-report">{body}</div>'
    title = f"AASIST evaluation: {_models_list(evaluation)}, {_date_text(evaluation.created)}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{EVALUATION_STYLE}</style>\n</head>\n<body>\n<main>\n"
            + body + "\n</main>\n</body>\n</html>\n")


def write_evaluation_report(evaluation, folder: Union[str, os.PathLike], *,
                            figures: Optional[EvaluationFigures] = None) -> Path:
    """Write ``evaluation_report_html(evaluation)`` into ``folder`` (created when missing) as
    ``evaluation-report.html`` and return its path. As ``report.write_report``, an existing file is never
    overwritten: the name gets ``-2``, ``-3``, ... instead."""
    document = evaluation_report_html(evaluation, figures=figures)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_new_file(folder, "evaluation-report", document)


# --- sections -----------------------------------------------------------------------------------------------------


def _models_list(evaluation) -> str:
    return ", ".join(m.model for m in evaluation.models)


def _date_text(created: str) -> str:
    """``Evaluation.created`` (ISO 8601) as '2025-03-04 05:06:07 UTC'; as given when it does not parse."""
    try:
        when = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return str(created)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"


def _probability(p: float) -> str:
    return f"{float(p):.6g}"


def _table(header: list, rows: list, table_id: str = "", scroll: bool = False) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    table = f'<table{f" id={chr(34)}{table_id}{chr(34)}" if table_id else ""}><tr>{head}</tr>{"".join(rows)}</table>'
    return f'<div class="table-scroll">{table}</div>' if scroll else table


def _set_section(evaluation) -> str:
    counted = evaluation.counted_files
    n_bonafide = sum(f.label == "bona fide" for f in counted)
    rows = [("Recordings given", len(evaluation.files)), ("Counted", len(counted)), ("Bona fide", n_bonafide),
            ("Spoof", len(counted) - n_bonafide), ("Could not be decoded", len(evaluation.failed_files)),
            ("No speech", len(evaluation.no_speech_files))]
    body = "".join(f'<tr><th>{_e(k)}</th><td class="num">{v}</td></tr>' for k, v in rows)
    return (f'<section id="set"><h2>The recordings</h2><p>{_e(evaluation_set_text(evaluation))}</p>'
            f"<table>{body}</table></section>")


def _models_section(evaluation) -> str:
    rows = []
    for m in evaluation.models:
        texts = evaluation_model_row(m)
        rows.append(f'<tr data-model="{_e(m.model)}"><td>{_e(texts[0])}</td>'
                    + "".join(f'<td class="num">{_e(text)}</td>' for text in texts[1:]) + "</tr>")
    header = [title for _, title in EVALUATION_MODEL_COLUMNS]
    return (f'<section id="models"><h2>Results per model</h2><p>{_e(EVALUATION_MODELS_INTRO)}</p>'
            + _table(header, rows, "models-table", scroll=True) + "</section>")


def _versions_section(evaluation, version: str) -> str:
    rows = []
    for m in evaluation.models:
        facts = model_facts(m.model)
        rows.append(f'<tr data-model="{_e(m.model)}"><td>{_e(m.model)}</td><td>{_e(m.architecture or "unknown")}</td>'
                    f'<td><code>{_e(m.weights_sha256 or "unknown")}</code></td><td>{_e(facts)}</td></tr>')
    table = _table(["model", "architecture", "weights SHA-256", "published results"], rows, scroll=True)
    details = [("Library", f"aasist {version}"),
               ("EER interval", f"bootstrap over the recordings, {evaluation.bootstrap_rounds} rounds, seed "
                                f"{evaluation.seed}"),
               ("Date", _date_text(evaluation.created))]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in details)
    return f'<section id="versions"><h2>With what</h2>{table}<table>{body}</table></section>'


def _notes_section(evaluation) -> str:
    notes = "".join(f"<li>{_e(note)}</li>" for note in evaluation_notes(evaluation))
    return f'<section id="notes"><h2>Read this with the numbers</h2><ul class="notes">{notes}</ul></section>'


def _figures_section(desktop: EvaluationFigures, phone: EvaluationFigures) -> str:
    blocks = [figure_html(name, caption, getattr(desktop, name), getattr(phone, name))
              for name, caption in (("det", EVALUATION_DET_CAPTION), ("scores", EVALUATION_SCORES_CAPTION))]
    return '<section id="figures"><h2>Figures</h2>' + "".join(blocks) + "</section>"


def _most_wrong_section(evaluation) -> str:
    wrong = evaluation.most_wrong(10)
    if not wrong:
        return f'<section id="most-wrong"><h2>Most wrong</h2><p>{_e(EVALUATION_NOTHING_WRONG)}</p></section>'
    rows = [f'<tr><td class="file">{_e(w.file)}</td><td>{_e(w.label)}</td><td>{_e(w.model)}</td>'
            f'<td class="num wrong">{_probability(w.spoof_probability)}</td>'
            f'<td>{_e(w.called)}</td></tr>' for w in wrong]
    table = _table(["recording", "label", "model", "spoof probability", "called at 0.5"], rows, scroll=True)
    return (f'<section id="most-wrong"><h2>Most wrong</h2><p>{_e(EVALUATION_MOST_WRONG_INTRO)}</p>{table}'
            "</section>")


def _left_out_section(evaluation) -> str:
    items = [f'<li data-state="failed"><strong>{_e(f.file)}</strong> ({_e(f.label)}): {_e(EVALUATION_NOT_DECODED)}: '
             f'<span class="error">{_e(f.error)}</span></li>' for f in evaluation.failed_files]
    items += [f'<li data-state="no_speech"><strong>{_e(f.file)}</strong> ({_e(f.label)}): {_e(EVALUATION_NO_SPEECH)}'
              "</li>" for f in evaluation.no_speech_files]
    body = f'<ul class="left-out">{"".join(items)}</ul>' if items else f"<p>{_e(EVALUATION_NOTHING_LEFT_OUT)}</p>"
    return (f'<section id="left-out"><h2>Left out</h2><p>{_e(EVALUATION_LEFT_OUT_INTRO)}</p>{body}</section>')


def _recordings_section(evaluation) -> str:
    from ..evaluation.evaluation import call_at_05

    models = [m.model for m in evaluation.models]
    rows = []
    for f in evaluation.files:
        cells = [f'<td class="file">{_e(f.file)}</td>', f"<td>{_e(f.label)}</td>"]
        if not f.counted:
            state = EVALUATION_NOT_DECODED if f.error else EVALUATION_NO_SPEECH
            cells += ['<td class="num left-out">—</td>' for _ in models]
            cells.append(f'<td class="left-out">{_e(state)}</td>')
        else:
            for model in models:
                p = f.spoof_probability.get(model)
                if p is None:
                    cells.append('<td class="num left-out">—</td>')
                    continue
                wrong = call_at_05(p) != f.label
                cells.append(f'<td class="num{" wrong" if wrong else ""}">{_probability(p)}</td>')
            cells.append("<td></td>")
        rows.append(f'<tr data-counted="{str(f.counted).lower()}">' + "".join(cells) + "</tr>")
    header = ["recording", "label", *[f"{model} spoof probability" for model in models], "left out"]
    return (f'<section id="recordings"><h2>Every recording</h2><p>{_e(EVALUATION_RECORDINGS_INTRO)}</p>'
            + _table(header, rows, "recordings-table", scroll=True) + "</section>")


def _limits_section(evaluation) -> str:
    texts = [EVALUATION_LIMITS]
    if any(m.model in MODEL_LIMITS_APPLY_TO for m in evaluation.models):
        texts += list(MODEL_LIMITS)
    return ('<section class="limits" id="limits"><h2>Limits</h2>' + "".join(f"<p>{_e(t)}</p>" for t in texts)
            + "</section>")
