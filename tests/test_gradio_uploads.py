"""The contract test of webapp/gradio_uploads.py: every Gradio internal the web app reads, checked against the
installed Gradio.

A real server with one request running and one waiting in its queue: every internal the module reads must be there
with the shape it expects, and must name the uploads those requests hold. When a Gradio upgrade changes one, this
test fails naming it (and the app, meanwhile, deletes nothing early: it leaves the uploads to delete_cache).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from gradio_client import Client, handle_file

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app_server import free_port  # noqa: E402
from webapp import gradio_uploads  # noqa: E402
from webapp.gradio_uploads import ApiUploads, GradioInternalsChanged, check_gradio_internals  # noqa: E402

EXAMPLES = sorted((REPO_ROOT / "assets" / "examples").glob("*.wav"))


def fail_if_changed(read, *args):
    try:
        return read(*args)
    except GradioInternalsChanged as err:
        pytest.fail(f"{err} (gradio {gr.__version__}): gradio_uploads.py must be updated for this Gradio version")


@pytest.fixture
def busy_server(tmp_path, monkeypatch):
    """A Blocks app with an example and a one-at-a-time endpoint, serving two API calls: one running (held until
    released), one waiting in the queue."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    running, release = threading.Event(), threading.Event()

    def hold(path):
        running.set()
        release.wait(60)
        return Path(path).name

    with gr.Blocks(analytics_enabled=False) as demo:
        audio = gr.Audio(type="filepath")
        name = gr.Textbox()
        gr.Examples([[str(EXAMPLES[0])]], inputs=[audio], cache_examples=False)
        # As the page protects the examples' copies: the component's keep_in_cache and temp_files.
        for attribute in ("keep_in_cache", "temp_files"):
            if not isinstance(getattr(audio, attribute, None), set):
                pytest.fail(f"Gradio's Audio.{attribute} is no longer a set (gradio {gr.__version__}): "
                            "gradio_uploads.keep_example_copies protects the example clips with it")
        gradio_uploads.keep_example_copies(audio)
        gr.Button().click(hold, audio, name, api_name="hold", concurrency_limit=1)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        jobs = [client.submit(handle_file(str(EXAMPLES[1])), api_name="/hold")]
        assert running.wait(60)
        jobs.append(client.submit(handle_file(str(EXAMPLES[2])), api_name="/hold"))
        deadline = time.monotonic() + 30
        while sum(1 for e in fail_if_changed(gradio_uploads.queued_events, demo) if gradio_uploads.event_inputs(e)) < 2:
            assert time.monotonic() < deadline, "the second request never reached the queue"
            time.sleep(0.05)
        yield demo
        release.set()
        assert [job.result(timeout=60) for job in jobs] == [EXAMPLES[1].name, EXAMPLES[2].name]
    finally:
        release.set()
        demo.close()


@pytest.mark.filterwarnings("ignore:.*:DeprecationWarning:gradio.queueing")  # pandas 3 notices, in Gradio
def test_every_internal_read_is_there_and_names_the_queued_uploads(busy_server):
    demo = busy_server
    fail_if_changed(check_gradio_internals, demo)
    uploads = fail_if_changed(gradio_uploads.upload_file_set, demo)
    assert {Path(p).name for p in uploads} == {EXAMPLES[1].name, EXAMPLES[2].name}
    assert all(Path(p).is_relative_to(fail_if_changed(gradio_uploads.cache_folder, demo)) for p in uploads)
    assert EXAMPLES[0].name in {Path(p).name for p in fail_if_changed(gradio_uploads.kept_paths, demo)}
    # The running request and the waiting one both hold their upload: neither may be deleted.
    needed = ApiUploads()
    needed.attach(demo)
    assert set(uploads) <= needed._needed_paths()


def test_a_changed_internal_is_named_and_nothing_is_deleted(tmp_path, caplog):
    with pytest.raises(GradioInternalsChanged, match=r"Gradio's Blocks.upload_file_set no longer exists"):
        check_gradio_internals(SimpleNamespace())
    demo = SimpleNamespace(upload_file_set=set(), GRADIO_CACHE=str(tmp_path), blocks={},
                           _queue=SimpleNamespace(event_queue_per_concurrency_id={}, active_jobs=()))
    with pytest.raises(GradioInternalsChanged, match=r"Gradio's Queue.active_jobs is a tuple, no longer a list"):
        check_gradio_internals(demo)

    upload = tmp_path / "0123abcd" / "visitor.wav"
    upload.parent.mkdir()
    upload.write_bytes(b"RIFF")
    demo.upload_file_set.add(str(upload))
    uploads = ApiUploads()
    uploads.attach(demo)
    with caplog.at_level(logging.WARNING, logger="aasist.app"):
        for _ in range(2):
            with uploads.using(str(upload)):
                pass
    assert upload.exists()
    assert [r.getMessage() for r in caplog.records] == [
        "Gradio's Queue.active_jobs is a tuple, no longer a list: API uploads are left to delete_cache "
        "(see gradio_uploads.py)."
    ]


def test_results_and_live_chunks_stay_in_gradios_cache(tmp_path, monkeypatch):
    """gradio.utils.get_upload_folder() is Gradio's cache folder: results are written there (served, and deleted by
    delete_cache), and a live chunk is deleted from there once read, but nothing outside it."""
    cache = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    assert gradio_uploads.upload_folder() == cache
    results = gradio_uploads.results_folder("aasist-test")
    assert results.is_dir() and results.parent == cache
    chunk = cache / "0123abcd" / "chunk.wav"
    chunk.parent.mkdir()
    chunk.write_bytes(b"RIFF")
    mine = tmp_path / "mine.wav"
    mine.write_bytes(b"RIFF")
    gradio_uploads.discard_upload(str(chunk))
    gradio_uploads.discard_upload(str(mine))
    # The chunk is gone; its folder stays for delete_cache (an identical chunk may be arriving into it).
    assert not chunk.exists() and chunk.parent.is_dir() and mine.exists()


def test_a_changed_component_keeps_the_examples_to_delete_cache(caplog):
    with caplog.at_level(logging.WARNING, logger="aasist.app"):
        gradio_uploads.keep_example_copies(SimpleNamespace(keep_in_cache=set(), temp_files=["clip.wav"]))
    assert [r.getMessage() for r in caplog.records] == [
        "Gradio's SimpleNamespace.temp_files is a list, no longer a set: the example clips may stop working after an "
        "hour (see gradio_uploads.py)."
    ]
