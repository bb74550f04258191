"""The built-in models: one table that the library, the CLI, the page and the report read.

    from aasist.models.registry import MODELS, registered
    registered("RawNet2").repo_id            # 'MattyB95/pre_trained_DF_RawNet2'
    python -m aasist models [--json]         # the same table for people and scripts

Each entry says where the weights live on the Hugging Face Hub (repo, file, revision), how they are checked (a
published SHA-256, or ``None``: recorded on first download, see ``aasist.models.weights``), whether a copy ships inside
this package (``packaged``: used when the Hub cannot be reached), the licence, what the model was trained on and its
published results with their source. The architecture's hyper-parameters come from the weights (AASIST variants are
recognised from their shapes) or are the architecture's published configuration (RawNet2: the baseline's). Nothing
here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ARENA = "Speech Anti-Spoofing Arena, Hugging Face"
AASIST_PAPER = "Jung et al., AASIST, ICASSP 2022"
ASVSPOOF2021_SUMMARY = "ASVspoof 2021 baseline B03, Liu et al., IEEE/ACM TASLP 2023"
ANTIDEEPFAKE_LICENCE = "CC BY-NC-SA 4.0 (non-commercial)"
# The authors' post-training data (Ge, Wang et al., arXiv 2506.21090): the reference README and the model pages.
ANTIDEEPFAKE_TRAINING = ("about 56,000 hours of real and 18,000 hours of synthetic speech in many corpora and "
                         "languages (post-training, Ge, Wang et al., arXiv 2506.21090)")
ANTIDEEPFAKE_TRAINING_BRIEF = "about 74,000 hours of real and synthetic speech in many corpora and languages"


@dataclass(frozen=True)
class PublishedResult:
    """An equal error rate published for a model, and who published it."""

    benchmark: str  # "ASVspoof 2019 LA", "ASVspoof 2021 LA", "ASVspoof 2021 DF", "In-the-Wild"
    eer_percent: float
    source: str

    def to_dict(self) -> dict:
        return {"benchmark": self.benchmark, "eer_percent": self.eer_percent, "source": self.source}


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    architecture: str  # a key of aasist.models.weights.ARCHITECTURES
    repo_id: str
    filename: str
    revision: str
    sha256: Optional[str]  # the published checksum; None: not published, recorded on first download
    licence: str
    trained_on: str
    size_mb: float
    packaged: bool  # a copy ships in aasist/pretrained/ (used offline)
    description: str
    results: tuple = ()  # PublishedResult
    robustness_max_s: float = 30.0  # the robustness check covers at most this much of a recording
    live_min_hop_s: float = 0.0  # the live monitor offers it at hops this long or longer (it keeps up on 2 cores)
    fetched_to_compare: bool = True  # a comparison downloads it; False: only choosing it does (a large download)
    # The model whose result the page shows beside this one's verdict (AASIST beside a model without attention).
    shown_beside: Optional[str] = None
    trained_on_brief: str = ""  # ``trained_on`` in a few words, for sentences; "" when it is already short

    @property
    def learnt_from(self) -> str:
        """What it was trained on, in a few words."""
        return self.trained_on_brief or self.trained_on

    @property
    def weights_file(self) -> str:
        """The file name looked for in ``AASIST_WEIGHTS_DIR`` and ``aasist/pretrained/``."""
        return f"{self.name}.pth"

    def results_text(self) -> str:
        """'EER 0.83 % on ASVspoof 2019 LA, 17.04 % on ASVspoof 2021 DF (sources: ...)', or a sentence saying none."""
        if not self.results:
            return "no published results"
        parts = [f"{r.eer_percent:g} % on {r.benchmark}" for r in self.results]
        sources = list(dict.fromkeys(r.source for r in self.results))
        return f"EER {', '.join(parts)} ({'; '.join(sources)})"

    def eer_on(self, benchmark: str) -> Optional[float]:
        """The published EER (%) on ``benchmark``, or None."""
        return next((r.eer_percent for r in self.results if r.benchmark == benchmark), None)

    def facts(self) -> str:
        """'Trained on ...; EER ...': what the model learnt from and how it did, for tables of models."""
        return f"Trained on {self.trained_on}; {self.results_text()}."

    def summary(self) -> str:
        """One line for lists of models: what it is, what it learnt from, how it did."""
        return f"{self.description}. {self.facts()}"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "architecture": self.architecture,
            "repo_id": self.repo_id,
            "filename": self.filename,
            "revision": self.revision,
            "sha256": self.sha256,
            "sha256_published": self.sha256 is not None,
            "licence": self.licence,
            "trained_on": self.trained_on,
            "size_mb": self.size_mb,
            "packaged": self.packaged,
            "description": self.description,
            "results": [r.to_dict() for r in self.results],
            "robustness_max_s": self.robustness_max_s,
            "live_min_hop_s": self.live_min_hop_s,
            "shown_beside": self.shown_beside,
        }


MODELS: tuple = (
    RegisteredModel(
        name="AASIST",
        architecture="AASIST",
        repo_id="SpeechAntiSpoofingBenchmarks/AASIST",
        filename="AASIST.pth",
        revision="main",
        sha256="51d2d9cf0738172f61e2a384ec50a54a55363240f67c971ed55a92435bc1a1c0",
        licence="MIT",
        trained_on="ASVspoof 2019 LA",
        size_mb=1.3,
        packaged=True,
        description="AASIST, the authors' checkpoint (graph attention on raw waveforms, 297,866 parameters)",
        results=(
            PublishedResult("ASVspoof 2019 LA", 0.83, AASIST_PAPER),
            PublishedResult("ASVspoof 2021 LA", 12.35, ARENA),
            PublishedResult("ASVspoof 2021 DF", 17.04, ARENA),
            PublishedResult("In-the-Wild", 43.01, ARENA),
        ),
    ),
    RegisteredModel(
        name="AASIST-L",
        architecture="AASIST",
        repo_id="SpeechAntiSpoofingBenchmarks/AASIST-L",
        filename="AASIST-L.pth",
        revision="main",
        sha256="814331d088032bb4c3fa61cc014789eadeed464209dd094ab3a2dd6ffbdce27a",
        licence="MIT",
        trained_on="ASVspoof 2019 LA",
        size_mb=0.4,
        packaged=True,
        description="AASIST-L, the authors' light checkpoint (85,306 parameters)",
        results=(
            PublishedResult("ASVspoof 2019 LA", 0.99, AASIST_PAPER),
            PublishedResult("ASVspoof 2021 LA", 13.15, ARENA),
            PublishedResult("ASVspoof 2021 DF", 15.96, ARENA),
            PublishedResult("In-the-Wild", 44.45, ARENA),
        ),
    ),
    RegisteredModel(
        name="RawNet2",
        architecture="RawNet2",
        repo_id="MattyB95/pre_trained_DF_RawNet2",
        filename="pre_trained_DF_RawNet2.pth",
        revision="main",
        sha256=None,
        licence="MIT",
        trained_on="ASVspoof 2019 LA (the ASVspoof 2021 DF baseline's training data)",
        size_mb=70.5,
        packaged=False,
        description="RawNet2, the ASVspoof 2021 organisers' DF baseline (mel-scale sinc filters, GRU)",
        results=(PublishedResult("ASVspoof 2021 DF", 22.38, ASVSPOOF2021_SUMMARY),),
    ),
    RegisteredModel(
        name="W2V2-AASIST",
        architecture="W2V2-AASIST",
        repo_id="SpeechAntiSpoofingBenchmarks/W2V2-AASIST",
        filename="LA_model.pth",
        revision="main",
        sha256=None,
        licence="MIT",
        trained_on="ASVspoof 2019 LA, with RawBoost augmentation (front end: XLS-R, self-supervised on 436k hours "
                   "of speech in 128 languages)",
        size_mb=1270,
        packaged=False,
        description="W2V2-AASIST, Tak et al.'s wav2vec 2.0 XLS-R (300M) front end with an AASIST back end "
                    "(317.84 M parameters; slower)",
        results=(
            PublishedResult("ASVspoof 2019 LA", 0.22, ARENA),
            PublishedResult("ASVspoof 2021 LA", 8.11, ARENA),
            PublishedResult("ASVspoof 2021 DF", 8.32, ARENA),
            PublishedResult("In-the-Wild", 11.22, ARENA),
        ),
        robustness_max_s=8.0,  # about 9x the analysis time: the first 8 s keep the check near a minute on 2 cores
        # 0.79 s per window on 2 cores (README "W2V2-AASIST"): 40 % of the CPU at a 2 s hop, 79 % at 1 s.
        live_min_hop_s=2.0,
        fetched_to_compare=False,  # 1.27 GB: downloaded when a visitor chooses it, then compared too
    ),
    # AntiDeepfake (aasist/models/antideepfake.py): the Arena's bit-exact copies of nii-yamagishilab's checkpoints.
    # Their model pages show Safetensors weights (F32) but not the file list, and the Hub could not be reached where
    # these entries were written: model.safetensors is the expected name, not a confirmed one, and no checksum was
    # published (recorded on first download). The loader takes the authors' key names and this library's own.
    RegisteredModel(
        name="AntiDeepfake-Small",
        architecture="AntiDeepfake",
        repo_id="SpeechAntiSpoofingBenchmarks/Wav2Vec2-Small-AntiDeepfake",
        filename="model.safetensors",
        revision="main",
        sha256=None,
        licence=ANTIDEEPFAKE_LICENCE,
        trained_on=ANTIDEEPFAKE_TRAINING + ", with RawBoost augmentation (front end: wav2vec 2.0 Base)",
        size_mb=380,
        packaged=False,
        description="AntiDeepfake-Small, NII's wav2vec 2.0 Base post-trained for deepfake detection, mean pooling "
                    "and one linear layer (95 M parameters)",
        results=(PublishedResult("In-the-Wild", 5.31, ARENA),),
        robustness_max_s=13.0,  # one whole-recording window: the check's edits are scored as the authors score
        # 0.35 s per 4 s window on 2 cores (benchmarks/bench_antideepfake.py, README "Speed"): 35 % of the CPU at a
        # 1 s hop.
        live_min_hop_s=1.0,
        fetched_to_compare=False,  # 380 MB: downloaded when a visitor chooses it, then compared too
        shown_beside="AASIST",
        trained_on_brief=ANTIDEEPFAKE_TRAINING_BRIEF,
    ),
    RegisteredModel(
        name="AntiDeepfake-Large-NDA",
        architecture="AntiDeepfake",
        repo_id="SpeechAntiSpoofingBenchmarks/Wav2Vec2-Large-AntiDeepfake-NDA",
        filename="model.safetensors",
        revision="main",
        sha256=None,
        licence=ANTIDEEPFAKE_LICENCE,
        trained_on=ANTIDEEPFAKE_TRAINING + ", without data augmentation (front end: wav2vec 2.0 Large, LV-60)",
        size_mb=1270,
        packaged=False,
        description="AntiDeepfake-Large-NDA, NII's wav2vec 2.0 Large post-trained for deepfake detection, mean "
                    "pooling and one linear layer (0.3 B parameters; most accurate, slower)",
        results=(PublishedResult("In-the-Wild", 2.94, ARENA),),
        robustness_max_s=8.0,  # as W2V2-AASIST, whose front end has the same size
        # 1.09 s per 4 s window on 2 cores (benchmarks/bench_antideepfake.py --large): 55 % of the CPU at a 2 s hop,
        # 27 % every 4 s.
        live_min_hop_s=4.0,
        fetched_to_compare=False,  # 1.27 GB: downloaded when a visitor chooses it, then compared too
        shown_beside="AASIST",
        trained_on_brief=ANTIDEEPFAKE_TRAINING_BRIEF,
    ),
)

# Models the project can train and run but of which no public pretrained copy exists: said wherever models are listed.
NOT_AVAILABLE: dict = {
    "LFCC-LCNN": "the ASVspoof 2021 LFCC-LCNN baseline has no public pretrained copy on the Hub; train one with "
                 "`python -m aasist train` (configs/LCNN.json) and load its checkpoint folder",
}

DEFAULT_MODEL = MODELS[0].name  # the CLI's and the API's default: packaged, offline, MIT (README "Which model")
# The model whose verdict the web page shows first when its weights can be had (downloaded from the Hub in the
# background; AASIST's result beside it): the most accurate one that keeps up with two cores.
RECOMMENDED_MODEL = "AntiDeepfake-Small"
# The benchmark the page's disagreement sentence quotes: real-world recordings outside every model's training data.
OUT_OF_DOMAIN_BENCHMARK = "In-the-Wild"


def registered(name: str) -> Optional[RegisteredModel]:
    """The built-in model called ``name``, or None."""
    return next((m for m in MODELS if m.name == name), None)
