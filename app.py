"""Web demo: record or upload speech, get the AASIST spoof probability, the spectrogram and the model's attention.

    python app.py                      # http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT honoured)

The entry point only (what the Space runs): logging, the page (``webapp``), the queue, the models loading in the
background, launch. The page is served before the library (which imports torch) and the models are loaded; an
analysis asked for meanwhile waits for them. Then the recommended model (AntiDeepfake-Small, ``AASIST_RECOMMENDED_MODEL``)
is fetched from the Hub in the background: the page gives AASIST's verdicts until it is there. On a Space the weights come from the Hub; locally
``AASIST_WEIGHTS_DIR`` points at a folder with ``AASIST.pth`` and ``AASIST-L.pth``.

API (``gradio_client``)::

    from gradio_client import Client, handle_file
    client = Client("http://127.0.0.1:7860/")
    result = client.predict(handle_file("speech.wav"), api_name="/analyze")   # the library's result dictionary

Behaviour under load: analyses (page, examples, batch and API) share one queue; at most ``Limits.concurrency`` run
at the same time, the others wait in line (the page shows their position), and beyond ``Limits.queue_size``
waiting requests new ones are turned away with a message.
"""

from __future__ import annotations

import logging

from webapp.model_pool import ModelPool
from webapp.page import build_demo, launch_options
from webapp.settings import LIMITS, RECOMMENDED_MODEL


def _not_a_client_disconnect(record: logging.LogRecord) -> bool:
    """Drop uvicorn's traceback for a visitor who closed the page during an upload (a live chunk, a file): the
    request is abandoned, nothing failed, and the server goes on."""
    from starlette.requests import ClientDisconnect

    return not (record.exc_info and isinstance(record.exc_info[1], ClientDisconnect))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpx2"):  # one INFO line per HTTP request (Gradio's, huggingface_hub's): noise
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").addFilter(_not_a_client_disconnect)
    # The library logs which source served each model's weights; the model pool says it in its "ready" line.
    logging.getLogger("aasist.weights").addFilter(lambda record: not getattr(record, "weights_source", False))
    pool = ModelPool(concurrency=LIMITS.concurrency, recommended=RECOMMENDED_MODEL)
    demo = build_demo(pool, limits=LIMITS)
    demo.queue(default_concurrency_limit=LIMITS.concurrency, max_size=LIMITS.queue_size)
    # The models load in the background while the server starts: the page is served at once and says so.
    pool.start_loading()
    demo.launch(**launch_options(LIMITS))


if __name__ == "__main__":
    main()
