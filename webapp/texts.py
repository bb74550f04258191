"""The page's prose: titles, guides to the figures, limits and the API. (What a result says, the verdict and its
cautions, is the library's: ``aasist.views.present``.)

Every text here that the page shows as it is has each number joined to its unit by a no-break space
(``present.keep_units_together``: the constants wrapped in ``_shown``, the functions marked ``@for_people``), so that
"50 MB" never breaks after "50" on a phone. The building blocks that other texts are made of (``duration_text``,
``and_list``) and the texts that also reach the API's JSON (``truncated_text``, ``not_fetched_to_compare``: a
warning, a reason in the model comparison) keep plain spaces: the page joins them where it shows them
(``webapp.views``).
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Optional

from aasist.views.present import keep_units_together, model_limits
from aasist.audio.speech import MIN_SPEECH_S

from .settings import Limits



def for_people(text: Callable[..., str]) -> Callable[..., str]:
    """``text``'s result (Markdown or HTML) with each number joined to its unit (``keep_units_together``)."""
    @functools.wraps(text)
    def joined(*args, **kwargs) -> str:
        return keep_units_together(text(*args, **kwargs))

    return joined


_shown = keep_units_together  # a constant as the page shows it


@for_people
def title_markdown(recommended: Optional[str] = None) -> str:
    """The page's title and what it does: with a recommended model, that it gives the verdict and AASIST runs
    beside it."""
    if not recommended:
        return ("# Is this voice real?\n"
                "Record or upload speech. **AASIST**, an anti-spoofing model, estimates whether it is genuine human "
                "speech (*bona fide*) or generated or converted by a machine (*spoof*), and shows what it listened to.")
    return ("# Is this voice real?\n"
            f"Record or upload speech. **{recommended}**, a detector trained on about 74,000 hours of real and "
            "synthetic speech, estimates whether it is genuine human speech (*bona fide*) or generated or converted by "
            "a machine (*spoof*); **AASIST**, the graph-attention model this demo began with, runs beside it and shows "
            "what it listened to.")


@for_people
def caveat_markdown(model: str) -> str:
    """The limits of the model that gives the verdict, first sentence of each paragraph in bold: the same text as
    every report (``aasist.views.present.model_limits``)."""
    return "\n\n".join(re.sub(r"^([^.]+\.)", r"**\1**", paragraph) for paragraph in model_limits(model))


HOW_TO_READ_TIMELINE = _shown(f"""
**How to read this.** Top: the spectrogram: time runs left to right, pitch from low (bottom) to high (top), and
brighter means louder. Under it, the blue strip marks where speech was found: the model can only judge speech, and
with less than {MIN_SPEECH_S:g} s of it there is no verdict. Bottom: the model listens in slices of about 4 seconds;
each bar is one slice, above the dashed line it sounded more synthetic than genuine, below it more genuine; a grey
dashed bar is a slice with almost no speech, whose number means little. The verdict is the average of the slices.
The slice that pushed hardest towards the verdict is framed: the plots below look inside it.
""")

HOW_TO_READ = _shown("""
### How to read this
AASIST breaks the sound into two small networks of parts, one of **23 frequency bands** (deep to high-pitched)
and one of **time slices** of about 0.14 s, and lets the parts "attend" to one another.

**Bars**: a tall bar means the model drew a lot of information from that band or moment; the dashed line is
what every part would get if all counted the same.

**Purple and grey**: before deciding, the model keeps only the most useful parts (purple) and discards the rest
(grey). The dots show each part's keep score.

**Maps**: who attends to whom; darker means more attention.

Attention shows *where* the model looked, not *why*: it is not a map of where a fake was made.
""")

HOW_TO_READ_W2V2 = _shown("""
### How to read this
W2V2-AASIST runs AASIST's graph on what its wav2vec 2.0 front end heard, not on the sound's frequencies. Its
"spectral" parts are **42 groups of learnt features** (the 128 numbers its back end reads for every 20 ms), so the
upper figure's axis is a learnt feature axis, not Hz: a tall bar says which features it drew on, not which pitch.
Its **time slices** are about 0.06 s long.

**Purple and grey**: the parts the model kept (purple) and discarded (grey); the dots show each part's keep score.

**Maps**: who attends to whom; darker means more attention.

Attention shows *where* the model looked, not *why*: it is not a map of where a fake was made.
""")

HOW_TO_READ_RAWNET2 = _shown("""
### How to read this
RawNet2 has no attention to show. What it does offer:

**Left, the sinc bands**: its first layer splits the sound into **20 fixed frequency bands**, spaced like the
ear's (mel) scale. A tall bar is a band that carried a lot of the sound in this window; it shows what the network
was given, not what it decided.

**Right, the gates**: after each of its six residual blocks RawNet2 scales every learnt filter by a gate between 0
(muted) and 1 (passed on), computed from that window. The filters mix the bands, so a column is a learnt filter,
not a frequency band.

Neither says *why* the model decided as it did, or where a fake was made.
""")

HOW_TO_READ_ANTIDEEPFAKE = _shown("""
### How to read this
AntiDeepfake has no attention to show. Its wav2vec 2.0 front end turns the sound into features, one set per
**20 ms frame**; to decide, the model averages them over the recording (over a 13 s window of a longer one) and
applies one small linear layer.

**The curve**: that same layer applied to each frame's features on their own (the authors' `forward_seg`): the spoof
probability the model gives each 20 ms frame, shaded red above the dashed 0.5 line. A frame's features carry the
context of the whole window, so its score is the model's reading at that moment, not a verdict on 20 ms alone.

**The purple dashed line**: the score the model gave, the mean of the frames' *logits* (its raw numbers before they
become probabilities), so a few very confident frames can outweigh many hesitant ones: it is not the curve's average
height.

This is not attention: every frame counts the same in the mean. The curve shows which way each moment leans, not why,
nor where a fake was made.
""")

HOW_TO_READ_ROBUSTNESS = _shown("""
**How to read this.** The recording is scored again after each of 8 harmless edits: half a second of silence added
at the start, silence trimmed, 12 dB quieter, 6 dB louder (without clipping), the 4-second windows shifted by 1 s,
phone band (8 kHz), faint noise (30 dB below the speech) and Ogg Vorbis compression. None changes what was said or
who said it. Each dot is the spoof probability after one edit; an edit that moves it across the dashed 0.5 line
flips the verdict. A verdict that flips is fragile: the model's answer hangs on details that should not matter.
In our measurements fragile verdicts were wrong more often than stable ones mainly on clips under 2 s; a stable
verdict can still be wrong (README, "Robustness check").
""")

HSGAL_NOTE = _shown("""
**Mixed frequency-and-time layers (HS-GAL).** AASIST also has four layers meant to combine frequency bands and time
slices. In both published checkpoints, AASIST and AASIST-L, the weights that drive their attention shrank to about
1e-26 during training, so these layers give every part exactly the same weight: they simply average. A map of
them would be flat and say nothing, so none is drawn. (For a checkpoint where they are not uniform, the maps appear
here.)
""")

LOADING_MODEL = "Loading the model&hellip; the first analysis starts as soon as it is ready."

# Progress, per stage of aasist.inference.pipeline: (what the page says, the unit it counts).
STAGE_PROGRESS = {"windows": ("Analysing", "windows"), "robustness": ("Checking robustness", "edits")}


@for_people
def comparing_text(others: list) -> str:
    """The progress line while the other models score the recording."""
    return f"Scoring with {and_list(others)} too"


@for_people
def model_choice_text(on_demand: list) -> str:
    """The explanation under the model choice: which models are fetched when, and which are slow."""
    from aasist.models.registry import registered

    def sized(name: str) -> str:
        entry = registered(name)
        return f"{name} ({entry.size_mb:g} MB)" if entry else name

    compared = [sized(n) for n in on_demand if registered(n) is None or registered(n).fetched_to_compare]
    chosen = [sized(n) for n in on_demand if registered(n) is not None and not registered(n).fetched_to_compare]
    parts = []
    if compared:
        parts.append(f"{and_list(compared)}: downloaded from the Hub when first chosen or compared.")
    if chosen:
        # Measured on 2 cores (README "Speed": benchmarks/bench_w2v2_aasist.py, bench_antideepfake.py); AASIST: 0.15 s.
        parts.append(f"{and_list(chosen)}: downloaded when first chosen; slower than AASIST (per 4 s of audio on 2 "
                     "cores: AntiDeepfake-Small about 0.35 s, W2V2-AASIST 0.8 s, AntiDeepfake-Large-NDA 1.1 s).")
    licences: dict = {}  # the licences other than MIT, said where the models are offered
    for name in on_demand:
        entry = registered(name)
        if entry is not None and entry.licence != "MIT":
            licences.setdefault(entry.licence, []).append(name)
    parts += [f"Licence of {and_list(names)}: {licence}." for licence, names in licences.items()]
    return " ".join(parts + ["Details of each model: the API and about tab."])


@for_people
def live_model_text(min_hop_s: dict) -> str:
    """The explanation under the live monitor's model choice: which models need a longer hop to keep up."""
    slow = [f"{model} every {hop:g} s or less often" for model, hop in min_hop_s.items() if hop > 0]
    return "Applies from the next Record." + (f" Slower models keep up only at longer hops: {and_list(slow)}."
                                              if slow else "")


def not_fetched_to_compare(model: str) -> str:
    """Why a large model is left out of a comparison until someone chooses it."""
    from aasist.models.registry import registered

    size = f" ({registered(model).size_mb:g} MB)" if registered(model) else ""
    return (f"it is downloaded{size} only when chosen as the model; choose it once and later comparisons include "
            "it")


@for_people
def loading_model_text(model: str) -> str:
    """The progress line while a model is fetched and prepared on first use."""
    return f"Getting {model} ready (first use: it is downloaded and prepared once)"


@for_people
def robustness_option_text(recommended: Optional[str] = None) -> str:
    """The explanation under the "Check robustness" option: what it does and what it costs (measured on 2 cores:
    AASIST's windows, or 8 passes of AntiDeepfake-Small over the whole recording at 0.96 s per 10 s)."""
    cost = "about 2 s more per 10 s of audio"
    if recommended == "AntiDeepfake-Small":
        cost += " with AASIST, 8 s with AntiDeepfake-Small"
    return f"Re-score under 8 harmless edits ({cost})."


@for_people
def recommended_choice_text(model: str, default: str) -> str:
    """What the "Recommended" model choice means, under the choice."""
    return (f"Recommended: {model}'s verdict (far more accurate on real-world deepfakes), with {default}'s answer "
            f"and attention beside it; {default}'s alone until {model} has been fetched from the Hub.")


def beside_progress_text(model: str) -> str:
    """The progress line while the model shown beside the verdict scores the recording."""
    return f"Running {model} beside it"


@for_people
def attention_beside_text(beside: str, model: str) -> str:
    """Markdown put before the attention guide when the attention shown is that of the model run beside the verdict."""
    return (f"**The attention figures are {beside}'s, not {model}'s.** {model} gives the verdict and has no "
            f"attention to show; {beside}, run beside it, shows what it looked at.\n\n")


def recommended_fetching_text(model: str, default: str, done: int, total: int) -> str:
    """The status line and the verdict's notice while the recommended model is fetched in the background (its
    progress in steps of 10 %: the page's line changes ten times, not at every chunk)."""
    got = f" ({int(10 * done / total) * 10} % of {total / 1e6:.0f} MB)" if total else ""
    return (f"{model}, the stronger model, is still being fetched{got}: until it is ready, verdicts are {default}'s, "
            "the weaker model's.")


def recommended_failed_text(model: str, default: str, error: str) -> str:
    """The status line and the verdict's notice when the recommended model could not be had (no Hub, say)."""
    return (f"Verdicts are {default}'s: {model}, the stronger model, needs the Hugging Face Hub, and it could not be "
            f"fetched ({error.rstrip('.')}).")


@for_people
def downloading_text(model: str, done: int, total) -> str:
    """The progress line of a model's download from the Hub."""
    size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
    return f"Downloading {model} from the Hugging Face Hub: {size}"


@for_people
def models_markdown() -> str:
    """The built-in models, one paragraph each (``aasist.models.registry``), and the ones that cannot be offered. A
    downloaded model's known-answer check (``aasist.inference.known_answer``) follows its paragraph once it has run, so
    the page reads this on every load."""
    from aasist.inference.known_answer import recorded
    from aasist.views.present import known_answer_text
    from aasist.models.registry import MODELS, NOT_AVAILABLE

    lines = ["## The models", ""]
    for model in MODELS:
        where = "ships with the app" if model.packaged else f"downloaded from the Hub on first use, {model.size_mb:g} MB"
        checksum = f"SHA-256 `{model.sha256}`" if model.sha256 else "SHA-256 recorded on first download"
        lines.append(f"- **{model.name}**: {model.summary()} Weights: `{model.repo_id}`, file `{model.filename}` "
                     f"({where}; {model.licence}; {checksum}).")
        check = recorded(model)
        if check is not None:
            suspect = check.warning()
            lines.append(f"  Known-answer check: {known_answer_text(check)}."
                         + (f" {suspect.message}" if suspect is not None else ""))
    for name, why in NOT_AVAILABLE.items():
        lines.append(f"- **{name}**: not offered: {why}.")
    return "\n".join(lines)


@for_people
def compare_option_text(models: list) -> str:
    """The explanation under the "Compare models" option (a large model takes part once someone has chosen it)."""
    from aasist.models.registry import registered

    later = [m for m in models if registered(m) is not None and not registered(m).fetched_to_compare]
    now = [m for m in models if m not in later]
    text = f"Score with {'both' if len(now) == 2 else 'all of'} {and_list(now)}"
    each = "it has" if len(later) == 1 else "each has"
    return text + (f" ({and_list(later)} too, once {each} been chosen as the model)." if later else ".")


def and_list(names: list) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def duration_text(seconds: float) -> str:
    """'10 minutes', '1 minute', '6 s'."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def truncated_text(max_duration_s: float) -> str:
    """The input warning of a recording cut at the demo's duration limit."""
    limit = duration_text(max_duration_s)
    return f"The recording is longer than {limit}, the limit of this demo: only its first {limit} were analysed."


@for_people
def limits_text(limits: Limits) -> str:
    longest = duration_text(limits.max_duration_s)
    return (f"Limits: files up to {limits.max_file_size.upper().replace('MB', ' MB')}; recordings longer than "
            f"{longest} are analysed up to {longest}; at least 0.15 s of audio (2 s or more for a meaningful result), "
            f"and {MIN_SPEECH_S:g} s of speech for a verdict. "
            f"{limits.concurrency} analyses run at a time; others wait in line (up to {limits.queue_size}). "
            "Recordings are not kept: the server deletes uploads after about an hour.")


@for_people
def batch_intro(limits: Limits) -> str:
    return (f"Analyze up to {limits.max_batch_files} recordings at once: one row per file, and the same table as a "
            "CSV file.")


@for_people
def evaluate_intro(limits: Limits) -> str:
    """What the Evaluate tab is for, what it takes, and why a small set says little."""
    from aasist.evaluation.evaluation import FEW_PER_CLASS

    size = f"{limits.max_evaluation_mb:g} MB"
    return (
        "**How well do the models do on your recordings?** Give recordings whose truth you know, real ones and "
        "AI-generated ones, and see how well each model tells them apart on your kind of audio before you trust its "
        "verdicts on it: its equal error rate (EER, where false alarms and misses are equally frequent) with a 95 % "
        "interval, its mistakes at the page's threshold of 0.5, and the recordings it gets most wrong. A small set "
        "gives a wide interval: with a handful of recordings of each kind the EER could be almost anything inside "
        f"it, so give {FEW_PER_CLASS} or more of each. Up to {limits.max_evaluation_files} recordings, {size} and "
        f"{duration_text(limits.max_evaluation_audio_s)} of audio at a time; the server deletes uploads after about "
        "an hour."
    )


EVALUATE_ZIP_INFO = _shown("Or one zip: the real recordings in a folder named bonafide (or real), the AI-generated "
                           "ones in spoof (or fake), at any depth; other files are ignored.")


@for_people
def live_intro(limits: Limits) -> str:
    return (
        "**Live monitor.** Press Record and speak, or play the audio you want to check near the microphone. Every "
        "hop the model scores the newest 4 seconds; the alarm goes off when the smoothed spoof probability stays "
        "above the threshold for three hops in a row, and clears when it falls clearly below. Nothing is scored "
        "before 4 seconds of audio (shorter clips are judged badly), and silence or sound without speech (music, a fan, "
        "a tone) does not count. A live session "
        f"lasts at most {duration_text(limits.live_time_limit_s)}; afterwards the whole recording can be analysed "
        "with all the figures. The microphone is recorded as spoken: the page turns off the browser's gain control, "
        "noise suppression and echo cancellation, which made real speech look synthetic. Loud audio leans the "
        "model towards *spoof* and quiet audio towards *bona fide*: keep a normal distance from the microphone."
    )


@for_people
def api_text(limits: Limits) -> str:
    return f"""
### Use it from Python
Every analysis is also available as an API endpoint, `/analyze`, returning the result as a dictionary:

```python
from gradio_client import Client, handle_file

client = Client("http://127.0.0.1:7860/")        # or the Space's name, e.g. "owner/aasist-demo"
result = client.predict(handle_file("speech.wav"), api_name="/analyze")
print(result["verdict"], result["spoof_probability"])
# optional: model="AASIST-L" or "RawNet2", analysis="asvspoof" (first 4 s only), include_attention=True,
# compare_models=True (every model side by side), robustness=True
```

Where the app fetches a recommended model (the Space: AntiDeepfake-Small), `model` defaults to `"recommended"`, as on
the page: the verdict is AntiDeepfake-Small's once it is there, with AASIST's result in `beside`; until then, or when
it cannot be fetched, it is AASIST's, and `notice` says why.

The dictionary holds `verdict` ("spoof", "bona fide", or "no_speech" when the recording holds too little speech to
judge), `spoof_probability` (0 to 1; `spoof_probability_meaningful` is false without speech), `score` (the model's
bona fide logit), `duration_s`, `sample_rate`, `speech` (seconds of speech found, their share of the recording and
the regions), `windows` (start, end, spoof probability and seconds of speech of each 4 s window), `warnings` (input
problems, each with a `code` and a `message`), `model`, `protocol` and `file`.

Labelled recordings can be evaluated through `/evaluate` too (the Evaluate tab), returning the evaluation as a
dictionary (`models`: each model's `eer` in percent with its `eer_ci95`, `threshold_at_eer`, `false_alarms_at_0.5`,
`misses_at_0.5`, `n_bonafide`, `n_spoof`; `files`: each recording's label and spoof probabilities, or its `error`):

```python
evaluation = client.predict([handle_file("real1.wav"), handle_file("real2.wav")],       # bona fide
                            [handle_file("fake1.wav"), handle_file("fake2.wav")],       # spoof
                            api_name="/evaluate")   # or archive=handle_file("set.zip"); models=["AASIST"]
print([(m["model"], m["eer"], m["eer_ci95"]) for m in evaluation["models"]])
```

### Limits
{limits_text(limits)}
"""
