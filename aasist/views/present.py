"""What a result says to people: one wording for the web page, the report and the command line.

The verdict's headline, the cautions next to it, the model's limits, an evaluation's notes and a
result as a row (the Batch tab's table and CSV, the CLI's CSV). Page, report and CLI draw these; none of them words
a verdict or a caution of its own, so that they cannot drift apart. The sentences are written with plain spaces, as
the CLI and JSON give them; what a browser shows (the page, the HTML reports) passes through ``keep_units_together``
where its HTML or Markdown is made, so that a number and its unit never break apart on a phone.

Light on purpose (no torch): the web page imports it before torch is loaded. The top of the library with the
figures and reports (``aasist.views``): percentages and an error as one sentence are ``aasist.text``'s, which every
layer uses. Results are read by their attributes (``DetectionResult``, ``ModelAgreement``,
``RobustnessResult``).

    from aasist.views.present import cautions, verdict_headline
    verdict_headline(result.verdict), cautions(result)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Optional

from ..text import percent_text, share_percent_text

# The model's limits in plain language: the page's caveat and every report.
MODEL_LIMITS = (
    "What the number is. The output of AASIST, a model trained on the ASVspoof 2019 LA data set, where it "
    "separates genuine and synthetic speech very well (0.83 % equal error rate). On audio unlike its training data "
    "(other voices, microphones, codecs, background noise, newer voice generators) it is much weaker: on real-world "
    "deepfakes (the In-the-Wild data set) its equal error rate is about 43 %, close to guessing, and 12 to 17 % on "
    "ASVspoof 2021.",
    "Known blind spots. Real speech that is very short (under about 2 s) or phone-quality (8 kHz) is often called "
    "spoof, and half a second of silence before synthetic speech can make it pass as real. The model has partly "
    "learnt loudness and silence length, so harmless changes (a quieter recording, trimmed or added silence, "
    "another position of its 4-second windows) can flip its verdict; the robustness check shows whether they flip "
    "this one. A verdict that flips is less trustworthy, but a stable verdict can still be wrong.",
    "How to use it. Treat the result as one signal among others, never as proof.",
)

# The same for the AntiDeepfake models ({model}, {eer}: the model and its published In-the-Wild EER): what changes with
# them and what does not (README "Read this before trusting a verdict").
ANTIDEEPFAKE_LIMITS = (
    "What the number is. The output of {model}, NII's wav2vec 2.0 model post-trained on about 74,000 hours of real "
    "and synthetic speech in many languages. On real-world deepfakes (the In-the-Wild data set, outside its training "
    "data) its published equal error rate is {eer}, against about 43 % for AASIST; this project has not measured it "
    "on recordings of its own.",
    "Known blind spots. Voice generators newer than its training data (2025) may pass as real. The cautions measured "
    "here for short clips, phone-quality audio and loudness are AASIST's, not this model's; the robustness check shows "
    "whether harmless edits flip this verdict.",
    "Licence. Its weights are CC BY-NC-SA 4.0: non-commercial use only.",
    "How to use it. Treat the result as one signal among others, never as proof.",
)

NO_INPUT_PROBLEMS = "No problems found with the input."
NOT_RUN_WITHOUT_SPEECH = "Not run: the recording holds no speech to judge."  # robustness check, model comparison
MODELS_AGREE = "The models agree on the verdict."


# --- numbers and their units (percentages: aasist.text) -------------------------------------------------------------

# The units the wording puts after a number (explicit: "2 cores" or "3 recordings" are counts, not units).
NUMBER_UNITS = ("%", "ms", "s", "min", "h", "Hz", "kHz", "dB", "dBFS", "kB", "MB", "GB", "kbps", "kbit/s",
                "second", "seconds", "minute", "minutes", "hour", "hours")
NO_BREAK_SPACE = "\u00a0"
_UNIT_AFTER_NUMBER = re.compile(
    r"(?<=\d) (?=(?:" + "|".join(re.escape(u) for u in sorted(NUMBER_UNITS, key=len, reverse=True)) + r")(?!\w))")
# A comparison sign and its number ("< 0.1 %", escaped in HTML: "&lt; 0.1 %"), where the sign starts a text or
# follows a space or a bracket; never a Markdown quote's ">" at the start of a line.
_SIGN_BEFORE_NUMBER = re.compile(r"(?!^>)(?:^|(?<=[ (\u00a0]))(&lt;|&gt;|[<>≤≥~≈]) (?=\d)")
# What is left as it is: HTML tags with their attributes, style sheets, scripts and code (HTML and Markdown's).
_MARKUP = re.compile(r"<(style|script|code|pre)\b.*?</\1\s*>|<[A-Za-z/!?][^>]*>|```.*?```|`[^`\n]*`",
                     flags=re.S | re.I)


def keep_units_together(text: str) -> str:
    """``text`` with a no-break space (U+00A0) between every number and its unit ("17 %", "0.5 s", "8 kHz",
    "-20 dBFS", "10 minutes", ``NUMBER_UNITS``) and after a sign before a number ("< 0.1 %"), so that a narrow
    screen never puts them on two lines. For text shown in a browser (HTML or Markdown): tags and their attributes,
    style sheets, scripts and code are left as they are. The command line and JSON keep plain spaces."""
    def joined(part: str) -> str:
        return _SIGN_BEFORE_NUMBER.sub(r"\1" + NO_BREAK_SPACE, _UNIT_AFTER_NUMBER.sub(NO_BREAK_SPACE, part))

    pieces, start = [], 0
    for markup in _MARKUP.finditer(text):
        pieces += [joined(text[start:markup.start()]), markup.group()]
        start = markup.end()
    return "".join(pieces) + joined(text[start:])



# --- the verdict and its cautions --------------------------------------------------------------------------------


def verdict_headline(verdict: str) -> str:
    """The headline of a verdict ("spoof", "bona fide" or "no_speech"), without the technical term."""
    if verdict == "no_speech":
        return "No speech found"
    return "Likely AI-generated or manipulated" if verdict == "spoof" else "Likely genuine human speech"


def no_speech_reason(speech) -> str:
    """Why there is no verdict (``speech``: the result's ``SpeechPresence``), in one sentence."""
    from ..audio.speech import MIN_SPEECH_S  # numpy only, no torch

    found = "no speech" if speech.seconds < 0.05 else f"only {speech.seconds:.1f} s of speech"
    return (f"The model can only judge speech and this recording holds {found} (it needs {MIN_SPEECH_S:g} s or "
            "more), so its spoof probability means nothing here: tones, music, noise and silence get arbitrary "
            "scores.")


def speech_text(speech) -> str:
    """How much speech was found (``speech``: a ``SpeechPresence``): "no speech", "3.2 s of speech, 64.0 % of the
    recording"."""
    if speech.seconds < 0.05:
        return "no speech"
    return f"{speech.seconds:.1f} s of speech, {share_percent_text(speech.share)} of the recording"


def shown_probability(result) -> str:
    """The spoof probability as people read it: a percentage, or "not meaningful" without speech."""
    return "not meaningful" if result.verdict == "no_speech" else percent_text(float(result.spoof_probability))


def cautions(result) -> list[str]:
    """Reasons, next to the verdict, not to take it at face value: input warnings, disagreeing models, a fragile
    verdict (in that order). Each text names where its details are ("below": the page, the report and the CLI's
    table all show the warnings and the robustness check after the verdict)."""
    found = []
    if result.verdict == "no_speech" and getattr(result, "speech", None) is not None:
        found.append(no_speech_reason(result.speech))
    from ..inference.known_answer import WEIGHTS_SUSPECT  # light: no torch

    n_warnings = len(result.warnings)
    # Warnings about the input, unless one is about the model's weights (the known-answer check).
    kind = "warning" if any(w.code == WEIGHTS_SUSPECT for w in result.warnings) else "input warning"
    if n_warnings == 1:
        found.append(f"{'A' if kind == 'warning' else 'An'} {kind} below: read it before trusting this result.")
    elif n_warnings:
        found.append(f"{n_warnings} {kind}s below: read them before trusting this result.")
    agreement = getattr(result, "agreement", None)
    if agreement is not None and not agreement.agree:
        found.append(agreement.message)
    robustness = getattr(result, "robustness", None)
    if robustness is not None and not robustness.stable:
        n = len(robustness.flipped_by)
        edits = "1 harmless edit of the recording flips" if n == 1 else f"{n} harmless edits of the recording flip"
        found.append(f"Fragile: {edits} this verdict (see the robustness check below).")
    return found


def warnings_heading(warnings: list) -> str:
    """The heading over a result's warnings: "Input warnings", or "Warnings" when one is about the model's weights
    (the known-answer check), not the input."""
    from ..inference.known_answer import WEIGHTS_SUSPECT  # light: no torch

    return "Warnings" if any(w.code == WEIGHTS_SUSPECT for w in warnings) else "Input warnings"


def warning_items_html(warnings: list) -> str:
    """The input warnings as HTML list items, each with its code in ``data-code`` (page and report)."""
    return "".join(f'<li data-code="{html.escape(w.code)}">{html.escape(w.message)}</li>' for w in warnings)


def agreement_summary(agreement) -> str:
    """What the model comparison found, in one sentence, then why agreement is no proof, and which models could not
    take part."""
    said = MODELS_AGREE if agreement.agree else agreement.message
    both = "Both were" if len(agreement.models) == 2 else "They were all"
    text = f"{said} {both} trained on the same data, so agreement is no proof."
    for model, why in getattr(agreement, "unavailable", {}).items():
        text += f" {model} could not take part: {why.rstrip('.')}."
    return text


def model_limits(model: str) -> tuple:
    """The limits of the model that gave a verdict, in plain language (paragraphs, each opening with its subject):
    ``ANTIDEEPFAKE_LIMITS`` for an AntiDeepfake model, else AASIST's ``MODEL_LIMITS``."""
    from ..models.registry import OUT_OF_DOMAIN_BENCHMARK, registered

    entry = registered(model)
    if entry is None or entry.architecture != "AntiDeepfake":
        return MODEL_LIMITS
    eer = entry.eer_on(OUT_OF_DOMAIN_BENCHMARK)
    return tuple(text.format(model=model, eer=f"{eer:g} %" if eer is not None else "not published")
                 for text in ANTIDEEPFAKE_LIMITS)


def beside_text(result) -> Optional[str]:
    """What the model shown beside the verdict says (AASIST beside AntiDeepfake-Small), in one sentence; when the
    two disagree, which of them the published evidence favours, with the numbers and what each learnt from. None
    without a result beside it, or without speech."""
    beside = getattr(result, "beside", None)
    if beside is None or result.verdict == "no_speech" or beside.verdict == "no_speech":
        return None
    said = f"{beside.verdict}, {percent_text(float(beside.spoof_probability))} spoof probability"
    if beside.verdict == result.verdict:
        return f"{beside.model}, run beside it, agrees ({said})."
    return f"{beside.model}, run beside it, disagrees ({said}); {evidence_text(result.model, beside.model)}."


def evidence_text(model: str, other: str) -> str:
    """Which of two built-in models the published out-of-domain results favour, with the numbers and what each
    learnt from (a clause, no final stop)."""
    from ..models.registry import OUT_OF_DOMAIN_BENCHMARK, registered

    first, second = registered(model), registered(other)
    eers = [m.eer_on(OUT_OF_DOMAIN_BENCHMARK) if m is not None else None for m in (first, second)]
    if None in eers:
        return f"no published result compares {model} and {other} on real-world recordings"
    (better, eer), (worse, worse_eer) = sorted(zip((first, second), eers), key=lambda pair: pair[1])
    return (f"the published evidence favours {better.name}, with an equal error rate of {eer:g} % on "
            f"{OUT_OF_DOMAIN_BENCHMARK} (real-world deepfakes) against {worse.name}'s {worse_eer:g} %, and it learnt "
            f"from {better.learnt_from}, {worse.name} from {worse.learnt_from}")


def model_facts(name: str) -> str:
    """A built-in model's training data and published results in one line (``aasist.models.registry``); "" for
    others."""
    from ..models.registry import registered

    model = registered(name)
    return model.facts() if model is not None else ""


# --- the known-answer check of downloaded weights (aasist.inference.known_answer) --------------------------------


def known_answer_text(check) -> str:
    """What the known-answer check found (``check``: a ``KnownAnswer``), for lists of models: '5 of the 7 bundled
    examples called right on its first load (2025-06-30 14:05 UTC)'."""
    return (f"{check.correct} of the {check.total} bundled examples called right on its first load "
            f"({check.checked_at})")



# --- an evaluation on labelled recordings (aasist.evaluation.evaluation) ---------------------------------------------

EVALUATION_LIMITS = (
    "An EER on your recordings says how well a model separates these recordings, at the best threshold for them. "
    "It does not promise the same on other voices, microphones, codecs or voice generators, and a small set gives "
    "a wide interval."
)


def evaluation_notes(evaluation) -> list[str]:
    """What to keep in mind when reading an evaluation, in plain sentences: left-out recordings, the interval's
    width on a small set, what the threshold at the EER would change. Page, report and CLI print these."""
    from ..evaluation.evaluation import FEW_PER_CLASS

    notes = []
    failed, no_speech = len(evaluation.failed_files), len(evaluation.no_speech_files)
    if failed or no_speech:
        parts = ([f"{failed} could not be decoded"] if failed else []) + \
            ([f"{no_speech} hold no speech"] if no_speech else [])
        notes.append(f"Of {len(evaluation.files)} recordings, {' and '.join(parts)}: they are listed apart and "
                     "left out of the numbers.")
    if evaluation.models:
        first = evaluation.models[0]
        if min(first.n_bonafide, first.n_spoof) < FEW_PER_CLASS:
            notes.append(f"With {first.n_bonafide} bona fide and {first.n_spoof} spoof recordings (under "
                         f"{FEW_PER_CLASS} in a class) the 95 % interval is wide: another set of the same kind "
                         "could give any EER inside it.")
    for m in evaluation.models:
        notes.append(f"{m.model}: at the threshold of its EER ({m.threshold_at_eer:.6g} instead of 0.5) it would "
                     f"make {m.false_alarms_at_eer} false alarms and {m.misses_at_eer} misses on this set instead "
                     f"of {m.false_alarms_at_05} and {m.misses_at_05}; a threshold chosen on one set may not carry "
                     "to other audio.")
    return notes


def eer_text(eer: float) -> str:
    """An equal error rate in percent for people: '0.83 %', '12.3 %'."""
    return f"{eer:.2f} %" if eer < 10 else f"{eer:.1f} %"


def eer_interval_text(interval) -> str:
    """A 95 % interval of the EER (percent): '8.1–16.0 %'."""
    low, high = interval
    return f"{eer_text(low)[:-2]}–{eer_text(high)}"


# One model's line of an evaluation, for the page's table and the report's: (key, header for people).
EVALUATION_MODEL_COLUMNS = (
    ("model", "Model"), ("eer", "EER"), ("eer_ci95", "95 % interval"), ("threshold_at_eer", "Threshold at the EER"),
    ("false_alarms_at_05", "False alarms at 0.5"), ("misses_at_05", "Misses at 0.5"),
    ("false_alarms_at_eer", "False alarms at the EER threshold"), ("misses_at_eer", "Misses at the EER threshold"),
    ("n_bonafide", "Bona fide"), ("n_spoof", "Spoof"),
)


def evaluation_model_row(m) -> list:
    """A ``ModelEvaluation`` as the texts of ``EVALUATION_MODEL_COLUMNS``."""
    def count_of(count: int, total: int) -> str:
        return f"{count} of {total}" + (f" ({100 * count / total:.1f} %)" if total else "")

    texts = {"model": m.model, "eer": eer_text(m.eer), "eer_ci95": eer_interval_text(m.eer_ci95),
             "threshold_at_eer": f"{m.threshold_at_eer:.6g}",
             "false_alarms_at_05": count_of(m.false_alarms_at_05, m.n_bonafide),
             "misses_at_05": count_of(m.misses_at_05, m.n_spoof),
             "false_alarms_at_eer": count_of(m.false_alarms_at_eer, m.n_bonafide),
             "misses_at_eer": count_of(m.misses_at_eer, m.n_spoof),
             "n_bonafide": m.n_bonafide, "n_spoof": m.n_spoof}
    return [texts[key] for key, _ in EVALUATION_MODEL_COLUMNS]


def evaluation_set_text(evaluation) -> str:
    """The set's size in one sentence: what was counted, per class, and what was left out and why."""
    from ..evaluation.evaluation import BONA_FIDE

    counted = evaluation.counted_files
    n_bonafide = sum(f.label == BONA_FIDE for f in counted)
    text = (f"{len(evaluation.files)} recording{'s' if len(evaluation.files) != 1 else ''}: {len(counted)} counted "
            f"({n_bonafide} bona fide, {len(counted) - n_bonafide} spoof)")
    failed, no_speech = len(evaluation.failed_files), len(evaluation.no_speech_files)
    if failed:
        text += f", {failed} could not be decoded"
    if no_speech:
        text += f", {no_speech} {'holds' if no_speech == 1 else 'hold'} no speech"
    return text + "."


EVALUATION_DET_CAPTION = (
    "DET curves: at every threshold, the share of bona fide recordings called spoof (false alarms, across) and of "
    "spoof recordings called bona fide (misses, up), on normal-deviate scales as in the ASVspoof and NIST tools. "
    "Lower left is better; each model's marked point is its equal error rate, where its curve crosses the dashed "
    "diagonal."
)
EVALUATION_SCORES_CAPTION = (
    "Each model's spoof probability for every counted recording, bona fide above and spoof below. Dashed: the "
    "demo's threshold 0.5; solid: the model's threshold at its EER. Dots on the wrong side of a line are errors at "
    "that threshold."
)
EVALUATION_MOST_WRONG_INTRO = (
    "The recordings the models get most wrong at the threshold 0.5, the furthest past it first: listen to these "
    "first, they show what fools a model (or a wrong label)."
)
EVALUATION_NOTHING_WRONG = "No model calls any counted recording wrong at the threshold 0.5."
EVALUATION_MODELS_INTRO = (
    "EER: the equal error rate on the counted recordings, with its 95 % bootstrap interval; the threshold at the EER "
    "is the spoof probability where it is reached. A false alarm is a bona fide recording called spoof, a miss a "
    "spoof recording called bona fide; the demo calls a spoof probability of 0.5 and above spoof."
)
EVALUATION_RECORDINGS_INTRO = (
    "Every recording in the order given; in bold red, a call that is wrong at the threshold 0.5."
)
EVALUATION_LEFT_OUT_INTRO = (
    "Left out of the numbers: recordings that could not be decoded, with the reason, and recordings that hold no "
    "speech (the models can only judge speech)."
)
EVALUATION_NOTHING_LEFT_OUT = "None: every recording was counted."
EVALUATION_NOT_DECODED = "could not be decoded"  # a recording's state in the tables
EVALUATION_NO_SPEECH = "holds no speech"


# --- a result as a row --------------------------------------------------------------------------------------------

# The CSV of the Batch tab and of `python -m aasist detect --csv`.
CSV_COLUMNS = ("file", "verdict", "spoof_probability", "score", "duration_s", "speech_s", "windows", "sample_rate",
               "model", "protocol", "warnings", "error")
ROBUSTNESS_CSV_COLUMNS = ("stable", "flipped_by")  # when the robustness check ran
AGREEMENT_CSV_COLUMNS = ("models_agree", "model_probabilities")  # when several models scored the recording
REPORT_CSV_COLUMNS = ("report",)  # when a report was written
# The table the Batch tab shows: (CSV column, header for people).
TABLE_COLUMNS = (("file", "File"), ("verdict", "Verdict"), ("spoof_probability", "Spoof probability"),
                 ("duration_s", "Duration (s)"), ("speech_s", "Speech (s)"), ("windows", "Windows"),
                 ("warnings", "Warnings"), ("error", "Error"))


@dataclass(frozen=True)
class ResultRow:
    """One recording's line in a table: its result's top-level numbers, or the one sentence that says why it has
    none."""

    file: str
    verdict: str = ""
    spoof_probability: Optional[float] = None
    score: Optional[float] = None
    duration_s: Optional[float] = None
    speech_s: Optional[float] = None  # seconds of speech found
    windows: Optional[int] = None
    sample_rate: Optional[int] = None
    model: str = ""
    protocol: str = ""
    warnings: tuple = ()  # warning codes
    error: str = ""
    stable: Optional[bool] = None  # robustness check
    flipped_by: tuple = ()
    models_agree: Optional[bool] = None  # model agreement
    model_probabilities: tuple = ()  # (model, spoof probability), the main model first
    report: str = ""

    @classmethod
    def of(cls, result, file: Optional[str] = None, report: str = "") -> "ResultRow":
        """The row of a ``DetectionResult`` (``file``: the name to show, default ``result.file``)."""
        robustness, agreement = result.robustness, result.agreement
        return cls(
            file=file if file is not None else (result.file or ""),
            verdict=result.verdict,
            spoof_probability=float(result.spoof_probability),
            score=float(result.score),
            duration_s=float(result.duration_s),
            speech_s=None if getattr(result, "speech", None) is None else float(result.speech.seconds),
            windows=len(result.windows),
            sample_rate=result.sample_rate,
            model=result.model,
            protocol=result.protocol,
            warnings=tuple(w.code for w in result.warnings),
            stable=None if robustness is None else robustness.stable,
            flipped_by=() if robustness is None else tuple(robustness.flipped_by),
            models_agree=None if agreement is None else agreement.agree,
            model_probabilities=() if agreement is None else tuple(
                (m.model, float(m.spoof_probability)) for m in agreement.models),
            report=report,
        )

    @classmethod
    def failed(cls, file: str, error: str) -> "ResultRow":
        return cls(file=file, error=error)

    def csv_values(self) -> dict:
        """Every CSV column's value (empty where it does not apply; numbers rounded as in the result dictionary); a
        writer picks the columns it writes."""
        values = {
            "file": self.file, "verdict": self.verdict, "spoof_probability": _rounded(self.spoof_probability, 6),
            "score": _rounded(self.score, 6), "duration_s": _rounded(self.duration_s, 4),
            "speech_s": _rounded(self.speech_s, 3), "windows": self.windows,
            "sample_rate": self.sample_rate, "model": self.model, "protocol": self.protocol,
            "warnings": ";".join(self.warnings), "error": self.error, "stable": self.stable,
            "flipped_by": ";".join(self.flipped_by), "models_agree": self.models_agree,
            "model_probabilities": ";".join(f"{model}={p:.6f}" for model, p in self.model_probabilities),
            "report": self.report,
        }
        return {column: "" if value is None else value for column, value in values.items()}

    def table_values(self) -> list:
        """The row of ``TABLE_COLUMNS``, rounded for people."""
        values = self.csv_values()
        # Without speech the number means nothing, so people are not shown it (the CSV keeps it).
        shown = "" if self.verdict == "no_speech" else _rounded(self.spoof_probability, 4)
        values.update(spoof_probability=shown, duration_s=_rounded(self.duration_s, 2),
                      warnings="; ".join(self.warnings))
        return [values[column] for column, _ in TABLE_COLUMNS]


def _rounded(value: Optional[float], digits: int):
    return "" if value is None else round(value, digits)
