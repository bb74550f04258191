"""The Batch tab: many recordings in, one row each out (the same columns as ``python -m aasist detect --csv``),
and the table as a CSV file."""

from __future__ import annotations

import csv
import logging
import uuid
from dataclasses import dataclass
from typing import Optional

import gradio as gr

from aasist.views.present import CSV_COLUMNS, TABLE_COLUMNS, ResultRow, keep_units_together

from .errors import user_error
from .gradio_uploads import results_folder
from .model_pool import ModelPool
from .recordings import add_demo_warnings, decode_upload, file_name
from .settings import ANALYSES, AUDIO_SUFFIXES, DEFAULT_ANALYSIS, LIMITS, Limits
from .texts import batch_intro
from .updates import bind, update_of

log = logging.getLogger("aasist.app")


# The width of each column of the table (``TABLE_COLUMNS``), in all 100 %. On a phone assets/style.css gives them
# in px instead, by position (the table then scrolls inside itself, the file and its verdict on the screen).
COLUMN_WIDTHS = {"file": "20%", "verdict": "10%", "spoof_probability": "11%", "duration_s": "9%", "speech_s": "9%",
                 "windows": "8%", "warnings": "13%", "error": "20%"}


@dataclass
class BatchView:
    table: gr.Dataframe
    csv: gr.File


BatchUpdate = update_of(BatchView)


class BatchTab:
    def __init__(self, pool: ModelPool, limits: Limits = LIMITS):
        self.pool = pool
        self.limits = limits

    def analyze(self, files: Optional[list], model: str, analysis: str, progress=gr.Progress()) -> BatchUpdate:
        """Several recordings in, one row each out, plus the same table as a CSV file."""
        import pandas as pd

        if not files:
            raise user_error("Upload one or more recordings first.")
        if len(files) > self.limits.max_batch_files:
            raise user_error(f"Upload at most {self.limits.max_batch_files} files at a time (got {len(files)}).")
        self.pool.check(model)
        rows = [self._row(getattr(path, "name", path), model, analysis)
                for path in progress.tqdm(files, desc="Analysing", unit="files")]
        csv_path = results_folder("aasist-batch") / f"aasist-{model}-{analysis}-{uuid.uuid4().hex[:8]}.csv"
        with open(csv_path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(row.csv_values() for row in rows)
        # The error, a sentence, with its numbers joined to their units as all the page's text (keep_units_together);
        # the CSV keeps plain spaces, as the CLI's.
        shown = [row.table_values() for row in rows]
        error = [column for column, _ in TABLE_COLUMNS].index("error")
        for values in shown:
            values[error] = keep_units_together(values[error])
        table = pd.DataFrame(shown, columns=[header for _, header in TABLE_COLUMNS])
        return BatchUpdate(table=table, csv=str(csv_path))

    def _row(self, path: str, model: str, analysis: str) -> ResultRow:
        from aasist.audio.decoding import AudioError

        try:
            loaded = decode_upload(path, self.limits.max_duration_s)
            result = self.pool.analyze(loaded, model, analysis)
            add_demo_warnings(result, loaded, self.limits.max_duration_s)
            return ResultRow.of(result, file=file_name(path))
        except (AudioError, gr.Error) as err:
            return ResultRow.failed(file_name(path), getattr(err, "message", None) or str(err))
        except Exception:
            log.exception("batch analysis failed for %s", path)
            return ResultRow.failed(file_name(path), "Could not be analysed.")

    def build(self) -> None:
        """The tab's components and events (inside ``gr.Tab``)."""
        gr.Markdown(batch_intro(self.limits))
        with gr.Row():
            with gr.Column(scale=2):
                files = gr.File(file_count="multiple", file_types=sorted(AUDIO_SUFFIXES), label="Recordings",
                                elem_id="batch-files")
            with gr.Column(scale=1):
                model = gr.Radio(self.pool.models, value=self.pool.default, label="Model")
                analysis = gr.Radio(ANALYSES, value=DEFAULT_ANALYSIS, label="Analysis")
                button = gr.Button("Analyze all", variant="primary", elem_id="batch-button")
        table = gr.Dataframe(headers=[header for _, header in TABLE_COLUMNS], interactive=False, label="Results",
                             elem_id="batch-table", wrap=True,
                             column_widths=[COLUMN_WIDTHS[column] for column, _ in TABLE_COLUMNS])
        csv_file = gr.File(label="Download as CSV", interactive=False, elem_id="batch-csv")
        callback, outputs = bind(self.analyze, BatchView(table, csv_file))
        button.click(callback, inputs=[files, model, analysis], outputs=outputs, api_visibility="private",
                     concurrency_limit=self.limits.concurrency, concurrency_id="analysis")
