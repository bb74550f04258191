"""Hardening: every kind of bad input through the three surfaces, load, temporary files and safe weight loading.

The inputs (tests/bad_inputs.py) go through the Python API (``Detector.analyze``), the real CLI in a subprocess
(``python -m aasist detect ... --json``) and the running app (``python app.py``, one server for the module, driven by
gradio_client against ``/analyze``). Each gets a one-sentence error or a result (with its warnings), never a
traceback, and the next request is answered as before. Then the app under load: eight clients at once get the
numbers they get one by one, memory stays bounded, and after 50 analyses its temporary folders hold what they held
before. Everything is generated here, nothing leaves the machine (loopback only), and every network wait has a
timeout.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from aasist import Detector
from aasist.audio.decoding import AudioError, load_audio
from app_server import running_app
from bad_inputs import CASES, ERRORS, REFERENCE, check_message, ids, write_all
from command_line import cli_in_process
from test_cli import run_cli

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from webapp.batch_tab import BatchTab  # noqa: E402  (importing the web app starts nothing)
from webapp.examples import find_examples  # noqa: E402
from webapp.gradio_uploads import UPLOAD_GRACE_S, ApiUploads  # noqa: E402
from webapp.model_pool import ModelPool  # noqa: E402
from webapp.analysis_tab import AnalysisTab  # noqa: E402
from webapp.page import build_demo  # noqa: E402
from webapp.settings import LIMITS  # noqa: E402

REQUEST_TIMEOUT_S = 120  # any single call to the server
CONCURRENT_CLIENTS = 8
ANALYSES_FOR_TEMP_FILES = 50


def numbers(result: dict) -> list:
    """The numbers of a result dictionary, to compare results across surfaces and runs."""
    flat = [result["spoof_probability"], result["score"], result["duration_s"], result["sample_rate"],
            len(result["windows"])]
    for w in result["windows"]:
        flat += [w["start_s"], w["end_s"], w["spoof_probability"], w["score"]]
    return flat


def assert_same_numbers(a: dict, b: dict) -> None:
    assert numbers(a) == pytest.approx(numbers(b), abs=2e-6), (numbers(a), numbers(b))


def check_result(result: dict, case, path: Path, reference: dict) -> None:
    """A result for a good input: a verdict, exactly the expected warnings, the reference's numbers when the samples
    are the reference's."""
    assert result["verdict"] in case.verdicts
    assert 0.0 <= result["spoof_probability"] <= 1.0
    assert result["sample_rate"] == case.sample_rate
    assert result["duration_s"] == pytest.approx(sf.info(str(path)).duration, abs=1e-3)
    assert [w["code"] for w in result["warnings"]] == list(case.warnings), result["warnings"]
    assert all(w["message"].endswith(".") for w in result["warnings"])
    if case.same_as_reference:
        assert_same_numbers(result, reference)
    elif case.name.startswith("rate_"):
        # The same speech resampled up (or down) and back: the model is sensitive to it, within bounds.
        assert abs(result["score"] - reference["score"]) < 1.5


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    return write_all(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def detector(aasist_detector) -> Detector:
    return aasist_detector


@pytest.fixture(scope="module")
def reference(detector) -> dict:
    return detector.analyze(REFERENCE).to_dict()


# --- the Python API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_python_api(detector, inputs, reference, case):
    path = inputs[case.name]
    if case.error:
        with pytest.raises(AudioError) as err:
            detector.analyze(path)
        check_message(str(err.value), case.error)
    else:
        check_result(detector.analyze(path).to_dict(), case, path, reference)


def test_decoding_memory_does_not_grow_with_channels_and_rate(tmp_path):
    # 60 s of 8-channel 192 kHz silence: a FLAC file of under 1 MB that decodes to 92 M samples. Decoded whole as
    # float32 that is 369 MB (gigabytes for ten minutes); block by block it is the 16 kHz mono result and a buffer.
    path = tmp_path / "surround_silence.flac"
    with sf.SoundFile(path, "w", 192000, 8, format="FLAC", subtype="PCM_16") as f:
        block = np.zeros((192000 * 10, 8), np.int16)
        for _ in range(6):
            f.write(block)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        audio = load_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert audio.duration_s == pytest.approx(60.0) and audio.channels == 8 and len(audio.waveform) == 60 * 16000
    print(f"\ndecoding 60 s of 8-channel 192 kHz audio: peak {peak / 2**20:.0f} MB of numpy memory "
          f"(369 MB when decoded whole)")
    assert peak < 64 * 2**20


# --- the CLI -----------------------------------------------------------------------------------------------------


def test_cli_json(inputs, model_env, reference, tmp_path):
    missing = tmp_path / "missing.wav"
    files = [inputs[c.name] for c in CASES] + [missing]
    proc = run_cli("detect", *files, "--json", env_extra=model_env)
    assert proc.returncode == 1, proc.stderr  # some files failed, the others were analysed
    # stderr holds the progress lines and nothing else: no traceback, no warning, no decoder noise.
    noise = [line for line in proc.stderr.splitlines() if not line.startswith("[") or "] " not in line]
    assert not noise, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["file"] for r in rows] == [str(f) for f in files]
    for case, row in zip(CASES, rows):
        if case.error:
            assert set(row) == {"file", "error"}, row
            check_message(row["error"], case.error)
        else:
            check_result(row, case, inputs[case.name], reference)
    assert set(rows[-1]) == {"file", "error"}
    check_message(rows[-1]["error"], "'missing.wav' does not exist")


def test_cli_table_for_bad_files(inputs, model_env):
    proc = cli_in_process("detect", *[inputs[c.name] for c in ERRORS], inputs["pcm_16"], env=model_env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stdout.splitlines()
    for case in ERRORS:
        [line] = [line for line in lines if f"{inputs[case.name]}: " in line]
        assert line.startswith("error") and case.error in line
    assert any(line.startswith("bona fide") or line.startswith("spoof") for line in lines)


# --- the running app ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(weights_dir, tmp_path_factory, onnx_cache_dir):
    """One `python app.py` for the module, with its own temporary folders (Gradio's, and TMPDIR for anything else)."""
    work = tmp_path_factory.mktemp("server")
    (work / "tmp").mkdir()
    with running_app(weights_dir, work, onnx_cache_dir, extra_env={"TMPDIR": str(work / "tmp")}) as app_server:
        yield app_server


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False, httpx_kwargs={"timeout": REQUEST_TIMEOUT_S})


def analyze(client, path, **options) -> dict:
    from gradio_client import handle_file

    return client.submit(handle_file(str(path)), api_name="/analyze", **options).result(timeout=REQUEST_TIMEOUT_S)


@pytest.fixture(scope="module")
def app_reference(client, reference) -> dict:
    result = analyze(client, REFERENCE)
    assert_same_numbers(result, reference)  # the app, the CLI and the library give the same numbers
    return result


def rss_mb(pid: int) -> dict:
    """Resident memory now and at its peak, from /proc/PID/status, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def folder_contents(folder: Path) -> tuple[int, int]:
    """(files, bytes) under ``folder``."""
    sizes = []
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                sizes.append((Path(root) / name).stat().st_size)
            except FileNotFoundError:  # deleted meanwhile
                pass
    return len(sizes), sum(sizes)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_app(client, inputs, reference, app_reference, case):
    from gradio_client.exceptions import AppError

    path = inputs[case.name]
    if case.error:
        with pytest.raises(AppError) as err:
            analyze(client, path)
        check_message(str(err.value), case.error)
    else:
        result = analyze(client, path)
        check_result(result, case, path, reference)
        assert result["file"] == path.name
    # The next request is answered as before.
    assert_same_numbers(analyze(client, REFERENCE), app_reference)


def test_app_cuts_long_recordings_at_its_limit_and_says_so(client, server, tmp_path, app_reference):
    assert LIMITS.max_duration_s == 600
    # 10 minutes and 5 seconds of a quiet tone at 8 kHz (9.6 MB); the first 4 s analysed, as the authors do, so that
    # only the decoding runs over the whole limit.
    rate, seconds = 8000, LIMITS.max_duration_s + 5
    path = tmp_path / "lecture.wav"
    t = np.arange(rate * seconds) / rate
    sf.write(path, (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate, subtype="PCM_16")
    result = analyze(client, path, analysis="asvspoof")
    assert result["truncated_to_s"] == 600 and result["duration_s"] == pytest.approx(600.0)
    [truncated] = [w["message"] for w in result["warnings"] if w["code"] == "truncated"]
    assert "longer than 10 minutes" in truncated and "only its first 10 minutes were analysed" in truncated
    # The page states the limits.
    with httpx.Client(timeout=30) as http:
        config = http.get(server.url + "config").text
    assert "are analysed up to 10\u00a0minutes" in config and "files up to 50\u00a0MB" in config  # units joined
    assert_same_numbers(analyze(client, REFERENCE), app_reference)


def test_app_refuses_an_upload_above_the_size_limit(client, server, tmp_path, app_reference):
    from gradio_client import handle_file

    limit = 50 * 1024 * 1024
    before = folder_contents(server.temp_dir)
    # gradio_client checks the size before uploading (a sparse file: nothing is written to disk).
    big = tmp_path / "huge.wav"
    with open(big, "wb") as f:
        f.truncate(limit + 1)
    with pytest.raises(ValueError, match="exceeds the maximum file size of 52428800 bytes"):
        client.predict(handle_file(str(big)), api_name="/analyze")
    # The server refuses it too, with a message, when a client does not check (a plain HTTP upload).
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
        response = http.post(server.url + "gradio_api/upload",
                             files={"files": ("huge.wav", b"RIFF" + bytes(limit), "audio/wav")})
    assert response.status_code == 413
    assert response.text == "File size exceeded maximum allowed size of 52428800 bytes."
    # Nothing of it stays on the server, which keeps serving.
    assert folder_contents(server.temp_dir)[1] <= before[1]
    assert_same_numbers(analyze(client, REFERENCE), app_reference)


def test_app_decodes_many_channels_at_a_high_rate_in_bounded_memory(client, server, tmp_path):
    # A 60 s 8-channel 192 kHz FLAC of near silence (under 1 MB) would take 369 MB decoded whole.
    path = tmp_path / "surround.flac"
    with sf.SoundFile(path, "w", 192000, 8, format="FLAC", subtype="PCM_16") as f:
        block = np.zeros((192000 * 10, 8), np.int16)
        for _ in range(6):
            f.write(block)
    before = rss_mb(server.pid)
    result = analyze(client, path, analysis="asvspoof")
    after = rss_mb(server.pid)
    print(f"\nserver memory around a 60 s 8-channel 192 kHz upload: RSS {before['VmRSS']:.0f} -> "
          f"{after['VmRSS']:.0f} MB, peak {before['VmHWM']:.0f} -> {after['VmHWM']:.0f} MB")
    assert result["sample_rate"] == 192000 and "silent" in [w["code"] for w in result["warnings"]]
    assert after["VmHWM"] - before["VmHWM"] < 150


# --- the app under load ------------------------------------------------------------------------------------------


@pytest.mark.timing
def test_eight_clients_at_once_get_the_results_they_get_one_by_one(server, examples_and_variants):
    from gradio_client import Client, handle_file

    files = examples_and_variants
    assert len(files) == CONCURRENT_CLIENTS
    clients = [Client(server.url, verbose=False, httpx_kwargs={"timeout": REQUEST_TIMEOUT_S})
               for _ in range(CONCURRENT_CLIENTS)]
    started = time.perf_counter()
    alone = [analyze(clients[0], path) for path in files]
    one_by_one_s = time.perf_counter() - started

    barrier = threading.Barrier(CONCURRENT_CLIENTS)
    results, waits = [None] * len(files), [[] for _ in files]

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        job = clients[i].submit(handle_file(str(files[i])), api_name="/analyze")
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        while not job.done() and time.monotonic() < deadline:
            status = job.status()
            if status.code.name == "IN_QUEUE" and status.rank is not None:
                waits[i].append((status.rank, status.queue_size))
            time.sleep(0.01)
        results[i] = job.result(timeout=REQUEST_TIMEOUT_S)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_S)
    at_once_s = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads)
    for path, one, together in zip(files, alone, results):
        assert together is not None, path
        assert together["file"] == path.name
        assert_same_numbers(together, one)
    positions = sorted({rank for w in waits for rank, _ in w})
    print(f"\n{len(files)} analyses one by one: {one_by_one_s:.2f} s; all at once: {at_once_s:.2f} s "
          f"(concurrency limit {LIMITS.concurrency}); queue positions seen by waiting clients: {positions}")


@pytest.fixture(scope="module")
def examples_and_variants(inputs) -> list:
    """Eight different recordings: the example clips and variants of the reference clip."""
    examples = sorted(find_examples())
    variants = [inputs[name] for name in ("rate_44100", "stereo", "rate_8000", "pcm_24", "silence")]
    return (examples + variants)[:CONCURRENT_CLIENTS]


@pytest.mark.timing
def test_memory_and_temporary_files_stay_bounded_over_50_analyses(server, client, tmp_path, app_reference):
    # 50 different uploads (the reference at 50 gains: Gradio keeps one folder per distinct content), after the
    # example clips themselves: an upload with an example's bytes gets the path of Gradio's copy of that example,
    # which every click on the example hands out, so deleting the upload must not delete the example.
    examples = sorted(find_examples())
    copies = [p for p in server.temp_dir.glob("*/*") if p.name in {e.name for e in examples}]
    assert sorted(p.name for p in copies) == sorted(e.name for e in examples)
    x, rate = sf.read(REFERENCE, dtype="float32")
    clips = []
    for i in range(ANALYSES_FOR_TEMP_FILES):
        clips.append(tmp_path / f"visitor_{i:02d}.wav")
        sf.write(clips[-1], x * (1 - i / 1000), rate, subtype="PCM_16")
    tmpdir = Path(server.temp_dir).parent / "tmp"
    gradio_before, tmp_before, memory_before = (folder_contents(server.temp_dir), folder_contents(tmpdir),
                                                rss_mb(server.pid))
    started = time.perf_counter()
    for path in examples + clips:
        analyze(client, path)
    elapsed = time.perf_counter() - started
    memory_after = rss_mb(server.pid)
    grown = folder_contents(server.temp_dir)
    # Uploads younger than UPLOAD_GRACE_S are kept (their request may still be on its way): the next call deletes
    # them.
    time.sleep(UPLOAD_GRACE_S + 0.5)
    assert_same_numbers(analyze(client, REFERENCE), app_reference)
    gradio_after, tmp_after = folder_contents(server.temp_dir), folder_contents(tmpdir)
    examples_bytes = sum(p.stat().st_size for p in copies)
    print(f"\n{len(examples) + len(clips)} analyses in {elapsed:.1f} s; Gradio's temp folder (files, bytes): "
          f"{gradio_before} before, {grown} right after, {gradio_after} once the last uploads were deleted "
          f"(the {len(copies)} example clips: {examples_bytes} bytes); TMPDIR {tmp_before} -> {tmp_after}; "
          f"server RSS {memory_before['VmRSS']:.0f} -> {memory_after['VmRSS']:.0f} MB "
          f"(peak {memory_after['VmHWM']:.0f} MB)")
    # What is left is the example clips, whatever came before: every upload was deleted, and their folders.
    assert gradio_after == (len(copies), examples_bytes)
    assert len(list(server.temp_dir.iterdir())) <= len(copies) + 1  # and Gradio's vibe_edit_history
    assert tmp_after == tmp_before
    assert memory_after["VmRSS"] - memory_before["VmRSS"] < 150
    with httpx.Client(timeout=30) as http:
        for copy in copies:
            assert http.get(f"{server.url}gradio_api/file={copy}").status_code == 200


def test_server_log_has_no_traceback(server):
    # Expected errors (all of the above) are one sentence for the visitor and nothing in the log.
    log = server.log()
    assert "Traceback" not in log, log[-6000:]
    assert "ERROR" not in log, log[-6000:]


# --- batch results ---------------------------------------------------------------------------------------------------


def test_batch_csv_is_written_where_gradio_deletes_it(monkeypatch, model_env, tmp_path, inputs):
    for key, value in model_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))

    class NoProgress:
        def tqdm(self, iterable, **kwargs):
            return iterable

    batch = BatchTab(ModelPool()).analyze([str(inputs["pcm_16"]), str(inputs["empty"])], "AASIST", "full",
                                          progress=NoProgress())
    assert Path(batch.csv).resolve().is_relative_to((tmp_path / "gradio").resolve())
    assert list(batch.table["File"]) == ["pcm16.wav", "empty.wav"]
    assert "empty (0 bytes)" in batch.table["Error"].iloc[1]


def test_an_upload_the_server_deleted_gets_a_clear_message(tmp_path):
    # delete_cache removes page uploads after an hour; a visitor may still press Analyze on one.
    import gradio as gr

    with pytest.raises(gr.Error) as err:
        AnalysisTab(ModelPool()).analyze(str(tmp_path / "0123abcd" / "visitor.wav"))
    check_message(err.value.message, "The recording 'visitor.wav' is no longer on the server")


def test_example_clips_outlive_gradios_cache_cleaning(monkeypatch, tmp_path, model_env):
    # delete_cache removes what Gradio made once it is old enough: never the example copies every click hands out.
    from gradio.route_utils import delete_files_created_by_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    demo = build_demo(uploads=ApiUploads())
    copies = [p for p in (tmp_path / "gradio").glob("*/*") if p.is_file()]
    assert len(copies) == len(find_examples())
    upload = tmp_path / "gradio" / "0123abcd" / "visitor.wav"
    upload.parent.mkdir()
    upload.write_bytes(b"RIFF")
    demo.upload_file_set.add(str(upload))
    delete_files_created_by_app(demo, age=0)  # as delete_cache does, with every file old enough
    assert all(p.exists() for p in copies) and not upload.exists()


# --- weights -----------------------------------------------------------------------------------------------------


def _torch_load_calls(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch":
            yield node


def test_every_torch_load_reads_tensors_only():
    sources = [REPO_ROOT / "app.py", *REPO_ROOT.glob("webapp/**/*.py"), *REPO_ROOT.glob("aasist/**/*.py"),
               *REPO_ROOT.glob("scripts/**/*.py"), *REPO_ROOT.glob("benchmarks/**/*.py")]
    calls = 0
    for path in sources:
        for call in _torch_load_calls(path):
            calls += 1
            flags = {k.arg: k.value for k in call.keywords}
            where = f"{path.relative_to(REPO_ROOT)}:{call.lineno}"
            assert "weights_only" in flags, f"{where}: torch.load without weights_only=True"
            assert isinstance(flags["weights_only"], ast.Constant) and flags["weights_only"].value is True, where
    assert calls >= 2  # weights.load_state_dict and the training resume


def test_crafted_checkpoint_is_refused_by_the_cli(tmp_path, model_env):
    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch '{marker}'",))

    import torch

    evil = tmp_path / "evil.pth"
    torch.save({"pos_S": torch.zeros(1, 23, 64), "payload": Payload()}, evil)
    proc = run_cli("detect", REFERENCE, "--model", evil, env_extra=model_env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: Refused to load") and "could run code" in proc.stderr
    assert not marker.exists()
