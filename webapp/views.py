"""The page's HTML: a result (verdict, warnings, model agreement, robustness), the input level, the model status,
an evaluation's summary and the live monitor. Every function takes what it shows and returns HTML; the wording of a
verdict, its cautions and an evaluation's notes is ``aasist.views.present``'s, so that the page says what the report and
the CLI say. In the HTML every number is joined to its unit by a no-break space (``present.keep_units_together``,
applied to each function's HTML by ``@for_people``; tags and their attributes are left as they are): "17 %" never
breaks after "17" on a phone. (The live chart is SVG, whose text never wraps.)"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Optional

from aasist.text import percent_text, short_percent_text
from aasist.views.present import (
    NO_INPUT_PROBLEMS,
    NOT_RUN_WITHOUT_SPEECH,
    agreement_summary,
    beside_text,
    cautions,
    model_facts,
    shown_probability,
    speech_text,
    verdict_headline,
    warning_items_html,
    warnings_heading,
)

from .texts import LOADING_MODEL, and_list, duration_text, for_people

if TYPE_CHECKING:
    from .live_session import LiveSession
    from .model_pool import LoadingState

EMPTY_VERDICT = ('<div class="verdict-empty">Record or upload speech, then press <b>Analyze</b>. The verdict appears '
                 "here.</div>")
LIVE_IDLE_STATUS = ('<div class="live-status" data-state="idle"><div class="live-headline">Not listening</div>'
                    '<div class="live-detail">Press <b>Record</b> to start; speak, or play the audio you want to check '
                    'near the microphone.</div></div>')
LIVE_LOG_EMPTY = '<div class="live-log-empty">Alarms and other events appear here.</div>'


@for_people
def verdict_html(result, elapsed_s: Optional[float] = None, notice: str = "") -> str:
    """The verdict card: headline, spoof probability, what was analysed, what the model run beside it says
    (``beside_text``), the cautions, and ``notice`` (why the verdict is not the recommended model's). Without speech
    (verdict "no_speech") the card is grey, says why there is no verdict, and shows no probability as if it meant
    something."""
    from aasist.views.drawing import BONAFIDE_COLOR, NO_SPEECH_COLOR, SPOOF_COLOR

    term = result.verdict
    no_speech = term == "no_speech"
    kind = "no-speech" if no_speech else ("spoof" if term == "spoof" else "bonafide")
    color = {"no-speech": NO_SPEECH_COLOR, "spoof": SPOOF_COLOR}.get(kind, BONAFIDE_COLOR)
    p = float(result.spoof_probability)
    analysis = ("whole recording, " + (f"{len(result.windows)} windows" if len(result.windows) > 1 else "1 window")
                if result.protocol == "full" else "first 4 seconds (authors' protocol)")
    details = f"{result.model} · {analysis} · {result.duration_s:.1f} s of audio"
    speech = getattr(result, "speech", None)
    if speech is not None:
        details += f" · {speech_text(speech)}"
    if result.file:
        details = f"{result.file} · {details}"
    if elapsed_s is not None:
        details += f" · analysed in {elapsed_s:.1f} s"
    caution_html = "".join(f'<div class="verdict-caution">{html.escape(text)}</div>' for text in cautions(result))
    beside = beside_text(result)
    if beside:
        agree = str(result.beside.verdict == term).lower()
        caution_html = (f'<div class="verdict-beside" data-model="{html.escape(result.beside.model)}" '
                        f'data-agree="{agree}">{html.escape(beside)}</div>{caution_html}')
    if notice:
        caution_html += f'<div class="verdict-notice">{html.escape(notice)}</div>'
    if no_speech:  # the technical term would only repeat the headline; no number, no bar
        headline = html.escape(verdict_headline(term))
        probability = (f'<div class="verdict-prob" data-meaningful="false">Spoof probability: '
                       f'<b>{html.escape(shown_probability(result))}</b></div>')
    else:
        headline = f'{html.escape(verdict_headline(term))} <span class="verdict-term">({term})</span>'
        number = html.escape(shown_probability(result))
        probability = f"""<div class="verdict-prob"><span class="verdict-number">{number}</span> spoof probability</div>
  <div class="verdict-bar"><span style="width:{max(p * 100, 0.8):.1f}%"></span><i title="threshold 50 %"></i></div>
  <div class="verdict-scale"><span>bona fide</span><span>50 %</span><span>spoof</span></div>"""
    return f"""
<div class="verdict is-{kind}" style="--verdict:{color}" data-verdict="{term}"
     data-spoof-probability="{p:.6f}">
  <div class="verdict-label">Verdict</div>
  <div class="verdict-headline">{headline}</div>
  {probability}
  <div class="verdict-details">{html.escape(details)}</div>
  {caution_html}
</div>"""


@for_people
def warnings_html(warnings: list) -> str:
    if not warnings:
        return f'<div class="input-ok">{html.escape(NO_INPUT_PROBLEMS)}</div>'
    title = "Check the input" if warnings_heading(warnings) == "Input warnings" else "Check the input and the model"
    return (f'<div class="input-warnings"><div class="input-warnings-title">{title}</div>'
            f"<ul>{warning_items_html(warnings)}</ul></div>")


@for_people
def agreement_html(agreement, no_speech: bool = False) -> str:
    """Every model's result side by side, and whether they agree; with ``no_speech``, that the comparison was not
    run. (On a phone the style sheet puts each model's training and published results, class ``model-facts``, on a
    line of their own under its row.)"""
    if no_speech:
        return (f'<div class="not-run" data-state="not_run"><b>Model comparison.</b> '
                f"{html.escape(NOT_RUN_WITHOUT_SPEECH)}</div>")
    if agreement is None:
        return ""
    rows = "".join(
        f'<tr data-model="{html.escape(m.model)}"><td>{html.escape(m.model)}</td><td>{html.escape(m.verdict)}</td>'
        f"<td>{html.escape(percent_text(m.spoof_probability))}</td>"
        f'<td class="model-facts">{html.escape(model_facts(m.model))}</td></tr>' for m in agreement.models)
    return (f'<div class="agreement" data-agree="{str(agreement.agree).lower()}"><table><tr><th>Model</th>'
            '<th>Verdict</th><th>Spoof probability</th><th class="model-facts">Trained on, published results</th></tr>'
            f'{rows}</table>'
            f'<div class="agreement-note">{html.escape(agreement_summary(agreement))}</div></div>')


@for_people
def robustness_html(check, no_speech: bool = False) -> str:
    """The robustness check's sentence, what to tick to get one, or (``no_speech``) that it was not run."""
    if no_speech:
        return f'<div class="not-run" data-state="not_run">{html.escape(NOT_RUN_WITHOUT_SPEECH)}</div>'
    if check is None:
        return ('<div class="robustness-off">Tick <b>Check robustness</b> and analyse again to see whether harmless '
                "edits (volume, silence, window position, phone band, noise, compression) change the verdict.</div>")
    state = "stable" if check.stable else "fragile"
    return (f'<div class="robustness-summary" data-state="{state}" data-flipped-by="{" ".join(check.flipped_by)}">'
            f"{html.escape(check.summary_sentence())}</div>")


@for_people
def input_level_html(level) -> str:
    """The level of a recording (``aasist.audio.level.InputLevel``), and whether it is where loudness sways the
    model; empty when there is none."""
    if level is None:
        return ""
    speech = level.speech_dbfs if level.speech_dbfs is not None else ""
    return (f'<div class="input-level" data-leaning="{level.leaning or "ok"}" data-peak-dbfs="{level.peak_dbfs}" '
            f'data-speech-dbfs="{speech}">{html.escape(level.message)}</div>')


@for_people
def model_status_html(loading: LoadingState) -> str:
    """The line under the title while the default model loads, or why it could not be loaded."""
    if loading.state == "failed":
        text = (f"The model could not be loaded: {html.escape(loading.error)} Analyze tries again; the other "
                "model may still work.")
    elif loading.state in ("fetching", "unavailable"):  # the recommended model (``ModelPool.loading_state``)
        text = html.escape(loading.error)
    else:
        text = LOADING_MODEL
    return f'<div class="model-status" data-state="{loading.state}">{text}</div>'


# --- an evaluation on labelled recordings (the Evaluate tab) -----------------------------------------------------

EMPTY_EVALUATION = ('<div class="evaluation-empty">Give real and AI-generated recordings, or a zip of labelled folders, '
                    "then press <b>Evaluate</b>. The results appear here.</div>")


@for_people
def evaluation_summary_html(evaluation, elapsed_s: Optional[float] = None) -> str:
    """What was evaluated (``evaluation_set_text``), by which models, then what to keep in mind when reading it
    (``evaluation_notes``, a list)."""
    from aasist.views.present import evaluation_notes, evaluation_set_text

    first = evaluation.models[0]
    left_out = len(evaluation.failed_files) + len(evaluation.no_speech_files)
    models = [m.model for m in evaluation.models]
    scored = f"Scored by {and_list(models)}" + (f" in {elapsed_s:.1f} s" if elapsed_s is not None else "") + "."
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in evaluation_notes(evaluation))
    return (f'<div class="evaluation-summary" data-models="{html.escape(" ".join(models))}" '
            f'data-n-bonafide="{first.n_bonafide}" data-n-spoof="{first.n_spoof}" data-left-out="{left_out}">'
            f'<div class="evaluation-line">{html.escape(evaluation_set_text(evaluation))} {html.escape(scored)}</div>'
            f'<ul class="evaluation-notes">{notes}</ul></div>')


# --- the live monitor -------------------------------------------------------------------------------------------

# While the newest window holds no speech (aasist.inference.streaming's "no_speech"): the status line's sentence.
LIVE_NO_SPEECH = ("The monitor waits for someone to speak: sound without speech (a tone, music, noise, a pause) is "
                  "not judged and changes neither the smoothed probability nor the alarm.")
# Under the ALERT (which a pause does not clear), what the newest window was.
_LAST_WINDOW_NOT_COUNTED = {"silent": "the last window was silent: not counted",
                            "no_speech": "no speech in the last window: not counted"}


@for_people
def live_status_html(session: Optional[LiveSession]) -> str:
    """The large status of the live monitor: listening / waiting for 4 s / no speech / likely genuine / ALERT."""
    if session is None:
        return LIVE_IDLE_STATUS
    state, headline = _live_headline(session)
    last = session.updates[-1] if session.updates else None
    smoothed = last.smoothed_probability if last is not None else None
    details = []
    if state == "no_speech":
        details.append(html.escape(LIVE_NO_SPEECH))
    if smoothed is not None:
        stream = session.stream
        details.append(f"smoothed spoof probability <b>{html.escape(percent_text(smoothed))}</b> (last "
                       f"{stream.smoothing} windows with speech; alarm at {short_percent_text(stream.threshold)} for "
                       f"{stream.min_hops} hops in a row)")
    if last is not None and last.status in _LAST_WINDOW_NOT_COUNTED and state not in ("no_speech", "silent"):
        details.append(_LAST_WINDOW_NOT_COUNTED[last.status])
    if session.level is not None:
        details.append(html.escape(session.level.message))
    if session.skipped:
        details.append(f"the server was busy: {session.skipped} window{'s' if session.skipped != 1 else ''} skipped "
                       "to stay live (only the newest is scored)")
    processed = session.browser_processing()
    if processed is not None:
        details.append(f'<span class="live-warning">{html.escape(processed.message)}</span>')
    alarms = session.alarms
    first_alarm = f' data-first-alarm-s="{alarms[0][0]:.3f}"' if alarms else ""
    smoothed_attr = f' data-smoothed="{smoothed:.6f}"' if smoothed is not None else ""
    return (f'<div class="live-status" data-state="{state}" data-received-s="{session.received_s:.3f}"'
            f'{smoothed_attr}{first_alarm}><div class="live-headline">{html.escape(headline)}</div>'
            f'<div class="live-detail">{" · ".join(details)}</div></div>')


def _live_headline(session: LiveSession) -> tuple[str, str]:
    """(data-state, headline) of a live session."""
    received = session.received_s
    if session.stopped == "limit":
        return "limit", f"Stopped: a live session lasts at most {duration_text(session.time_limit_s)}"
    if session.stopped:
        return "stopped", f"Stopped after {received:.1f} s"
    stream = session.stream
    last = session.updates[-1] if session.updates else None
    if stream is None:
        return "loading", f"Loading the model: your audio is kept ({received:.1f} s so far)"
    if stream.alarm:
        return "alert", "ALERT: likely synthetic speech"
    if last is None or last.status == "waiting":
        return "waiting", f"Listening: waiting for 4 s of speech ({received:.1f} s so far)"
    # The newest window decides while nobody speaks (the smoothing keeps the last speech; the detail line shows it).
    if last.status == "silent":
        so_far = " so far" if last.smoothed_probability is None else ""
        return "silent", f"Listening: silence{so_far} (silence is not evidence)"
    if last.status == "no_speech":
        return "no_speech", "Listening: no speech"
    if last.smoothed_probability >= stream.threshold:
        return "leaning", "Leaning synthetic (below the alarm's required duration)"
    return "genuine", "Likely genuine speech"


@for_people
def live_log_html(session: Optional[LiveSession]) -> str:
    entries = session.log() if session is not None else []
    if not entries:
        return LIVE_LOG_EMPTY
    items = "".join(f'<li data-kind="{html.escape(e.kind)}" data-t="{e.t_s:.3f}"><b>{e.t_s:6.1f} s</b> '
                    f"{html.escape(e.message)}</li>" for e in reversed(entries))
    return f'<ul class="live-log">{items}</ul>'


def live_chart_html(session: Optional[LiveSession]) -> str:
    """The live chart twice, drawn for the desktop and for a phone: the style sheet shows the one that fits the
    screen (the desktop's comes first, for whoever reads the first)."""
    if session is None:
        return ""
    from aasist.views.live_chart import PHONE_CHART_WIDTH, draw_live_chart

    return "".join(draw_live_chart(session.updates, session.threshold, session.received_s, width=width)
                   for width in (None, PHONE_CHART_WIDTH))
