"""The Live tab, in a real browser: Chromium's fake microphone streams an example clip into the page's live monitor.

The page's own Record and Stop buttons drive it. The clip loops (no ``%noloop``), as a voice or a loudspeaker would go
on; a tone instead of speech must show "no speech" and never an alarm. What the status and the chart show is read
from their data attributes (``webapp.views.live_status_html``, ``live_chart.draw_live_chart``), timed in the page by a
MutationObserver. The faults of the live path (bad chunks, a changed sample rate, a visitor who leaves mid-stream)
are tested in process and through the server.
"""

from __future__ import annotations

import html
import re
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from browser import FAKE_MICROPHONE, launch  # noqa: E402
from test_app import ANALYSIS_TIMEOUT_MS, wait_for_results  # noqa: E402
from test_units_together import plain_number_units  # noqa: E402
from webapp import views  # noqa: E402
from webapp.examples import find_examples  # noqa: E402
from webapp.live_session import LiveSessions  # noqa: E402
from webapp.live_tab import LiveTab, LiveUpdate  # noqa: E402
from webapp.model_pool import ModelPool  # noqa: E402
from webapp.settings import DEFAULT_MODEL, LIMITS, Limits  # noqa: E402
from webapp.updates import KEEP  # noqa: E402

from aasist.inference.stream_settings import DEFAULT_HOP_S as HOP_S  # noqa: E402
FIRST_WINDOW_S = 4.0375

# The live chart these 1400 px pages show: the desktop's (the page holds a phone's too, hidden here).
CHART = '#live-chart svg.live-chart[data-layout="desktop"]'

# Records, in the page, every change of the live status and chart: (ms since Record, state, first alarm, points).
OBSERVE = """
() => {
  window.liveTrace = [];
  const t0 = performance.now();
  const snapshot = () => {
    const status = document.querySelector('#live-status .live-status');
    const chart = document.querySelector('#live-chart svg.live-chart[data-layout="desktop"]');
    const entry = [performance.now() - t0, status ? status.dataset.state : null,
                   status && status.dataset.firstAlarmS ? parseFloat(status.dataset.firstAlarmS) : null,
                   chart ? parseInt(chart.dataset.points) : null, chart ? parseFloat(chart.dataset.t) : null];
    const last = window.liveTrace[window.liveTrace.length - 1];
    if (!last || last.slice(1).join() !== entry.slice(1).join()) window.liveTrace.push(entry);
  };
  new MutationObserver(snapshot).observe(document.querySelector('#live-status'),
                                         {subtree: true, childList: true, attributes: true, characterData: true});
  new MutationObserver(snapshot).observe(document.querySelector('#live-chart'),
                                         {subtree: true, childList: true, attributes: true});
}
"""


@pytest.fixture(scope="module")
def server(demo_server):
    """The run's shared `python app.py`, warmed up (tests/conftest.py)."""
    return demo_server


def example(prefix: str) -> Path:
    return next(p for p in find_examples() if p.name.startswith(prefix))


def tone(seconds: float, rate: int = 16000, hz: float = 440.0) -> np.ndarray:
    """A 440 Hz tone at 0.3 peak: loud, and no speech (the model alone calls it spoof, 0.9999)."""
    return (0.3 * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)).astype(np.float32)


def open_live(playwright, url: str, clip: Path, loop: bool = True):
    """The Live tab, with a microphone playing ``clip`` (over and over, or once: ``loop=False``)."""
    fake_file = f"--use-file-for-fake-audio-capture={clip}" + ("" if loop else "%noloop")
    browser = launch(playwright, *FAKE_MICROPHONE, fake_file)
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, permissions=["microphone"])
    page = context.new_page()
    page.goto(url)
    page.get_by_role("tab", name="Live").click()
    page.wait_for_selector("#live-audio button:has-text('Record')")
    return browser, page


def wait_for_stream_time(page, stream_s: float, chart: str = CHART) -> None:
    """Wait until the live chart (``chart``: the desktop's, or a phone's) shows ``stream_s`` seconds of audio
    received (or fail with the trace so far, when the page keeps one)."""
    try:
        page.wait_for_function(
            "([chart, s]) => { const c = document.querySelector(chart); return c && parseFloat(c.dataset.t) >= s; }",
            arg=[chart, stream_s], timeout=int(stream_s * 1000) * 4 + ANALYSIS_TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(f"the page never showed {stream_s} s of audio received: {page.evaluate('() => window.liveTrace')}")


def stream_until(page, stream_s: float) -> list:
    """Press Record, stream until the page shows ``stream_s`` seconds of audio received, press Stop; the trace of
    status and chart changes. Counted in stream time, not wall time: a busy machine delivers the chunks later, and
    the test then waits longer rather than stopping short."""
    page.evaluate(OBSERVE)
    page.locator("#live-audio button:has-text('Record')").first.click()
    wait_for_stream_time(page, stream_s)
    page.locator("#live-audio button:has-text('Stop')").first.click()
    page.wait_for_selector('#live-status .live-status[data-state="stopped"], '
                           '#live-status .live-status[data-state="limit"]', timeout=ANALYSIS_TIMEOUT_MS)
    return page.evaluate("() => window.liveTrace")


def chart_steps(trace: list) -> list:
    """Seconds of audio between consecutive drawings of the chart (its stream time), from the first one."""
    times = [entry[4] for entry in trace if entry[4] is not None]
    return [b - a for a, b in zip(times, times[1:]) if b != a]


def wall_gaps(trace: list) -> list:
    """Seconds between those drawings in the page (printed only: on a busy machine, the delivery of the chunks by
    the browser and Gradio sets them, not the server)."""
    times = [entry[0] / 1000 for i, entry in enumerate(trace) if entry[4] is not None
             and (i == 0 or entry[4] != trace[i - 1][4])]
    return [round(b - a, 2) for a, b in zip(times, times[1:])]


@pytest.mark.timing
def test_live_alarm_on_synthetic_speech(playwright, server, tmp_path):
    browser, page = open_live(playwright, server.url, example("synthetic_flite_slt"))
    try:
        trace = stream_until(page, FIRST_WINDOW_S + 2 * HOP_S + 2)
        status = page.locator("#live-status .live-status")
        first_alarm_s = status.get_attribute("data-first-alarm-s")
        log = page.locator("#live-log").inner_text()
        settings = page.evaluate("() => window.aasistCapture.settings")
        # Stopped: the whole recording goes to the main tab, with every figure.
        page.locator("#live-analyze").click()
        wait_for_results(page)
        verdict = page.locator("#verdict [data-verdict]").get_attribute("data-verdict")
        page.screenshot(path=str(tmp_path / "live.png"), full_page=True)
    finally:
        browser.close()
    assert first_alarm_s is not None, f"no alarm was raised: {trace}"
    # Stream time: the alarm came with the second hop that had a full window. (Wall time adds the delivery of the
    # chunks, sent every 0.1 s by Gradio's page, and depends on the machine: benchmarks/bench_streaming.py measures
    # the server's part.)
    assert float(first_alarm_s) <= FIRST_WINDOW_S + 2 * HOP_S + 1e-3
    alert_ms = next(entry[0] for entry in trace if entry[1] == "alert")
    print(f"\nalarm at {float(first_alarm_s):.2f} s of audio, shown {alert_ms / 1000:.2f} s after Record")
    assert "Possible spoofed speech" in log
    assert max(chart_steps(trace)) <= 2 * HOP_S + 1e-6, trace  # the chart updates at least every two hops
    print("seconds between chart updates in the page:", wall_gaps(trace))
    for feature in ("echoCancellation", "noiseSuppression", "autoGainControl"):
        assert settings.get(feature) is False, settings
    assert verdict == "spoof"


@pytest.mark.timing
def test_no_alarm_on_real_speech(playwright, server):
    """The clip once, as it was recorded (looping it would splice the end onto the start)."""
    clip = example("real_librivox")
    browser, page = open_live(playwright, server.url, clip, loop=False)
    try:
        trace = stream_until(page, FIRST_WINDOW_S + HOP_S)  # two windows, both within the clip
        status = page.locator("#live-status .live-status")
        first_alarm = status.get_attribute("data-first-alarm-s")
        points = int(page.locator(CHART).get_attribute("data-points"))
        warnings = page.locator("#live-status .live-warning").count()
    finally:
        browser.close()
    print("\nreal speech, live:", trace[-3:])
    assert first_alarm is None, trace
    assert all(entry[1] != "alert" for entry in trace), trace
    assert points >= 2  # a window every second from 4.04 s
    assert FIRST_WINDOW_S + HOP_S <= sf.info(str(clip)).duration
    assert max(chart_steps(trace)) <= 2 * HOP_S + 1e-6, trace  # the chart updates at least every two hops
    print("seconds between chart updates in the page:", wall_gaps(trace))
    assert warnings == 0  # no browser processing


@pytest.mark.timing
def test_live_tone_says_no_speech_and_raises_no_alarm(playwright, server, tmp_path):
    """A 440 Hz tone into the microphone (which the model alone calls spoof): the status says "no speech" while it
    plays, the chart greys its windows, and no alarm is raised."""
    clip = tmp_path / "tone.wav"
    sf.write(clip, tone(6.0), 16000, subtype="PCM_16")  # 2640 whole periods: the loop has no click
    browser, page = open_live(playwright, server.url, clip)
    try:
        page.evaluate(OBSERVE)
        page.locator("#live-audio button:has-text('Record')").first.click()
        status = page.locator('#live-status .live-status[data-state="no_speech"]')
        status.wait_for(timeout=int(FIRST_WINDOW_S * 1000) * 4 + ANALYSIS_TIMEOUT_MS)
        text = status.inner_text()
        wait_for_stream_time(page, FIRST_WINDOW_S + HOP_S)  # a second window
        chart = page.locator(CHART)
        points, greyed = int(chart.get_attribute("data-points")), chart.locator("circle.window.no-speech").count()
        page.locator("#live-audio button:has-text('Stop')").first.click()
        page.wait_for_selector('#live-status .live-status[data-state="stopped"]', timeout=ANALYSIS_TIMEOUT_MS)
        trace = page.evaluate("() => window.liveTrace")
        log = page.locator("#live-log").inner_text()
    finally:
        browser.close()
    assert "no speech" in text.lower() and views.LIVE_NO_SPEECH in text
    assert all(entry[1] not in ("alert", "leaning", "genuine") and entry[2] is None for entry in trace), trace
    assert points >= 2 and greyed == points
    assert "No scored window held speech" in log and "no alarm was raised" in log


@pytest.mark.timing
def test_record_pressed_before_the_recorder_loaded_still_streams(playwright, server):
    """Gradio's streaming recorder loads its WAV encoder once the Live tab is shown; Record pressed before that fails
    inside Gradio and never streams. A slow network (2 s per request) makes it happen every time: the page's capture
    script restarts the recording, and the stream goes on."""
    clip = example("real_librivox")
    browser = launch(playwright, *FAKE_MICROPHONE, f"--use-file-for-fake-audio-capture={clip}")
    try:
        page = browser.new_context(permissions=["microphone"]).new_page()
        page.goto(server.url)
        page.wait_for_selector("#analyze-button")
        # The Live tab's recorder is created, and starts loading its encoder, when the tab is first shown.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        slow = {"offline": False, "latency": 2000, "downloadThroughput": -1, "uploadThroughput": -1}
        cdp.send("Network.emulateNetworkConditions", slow)
        page.get_by_role("tab", name="Live").click()
        page.wait_for_selector("#live-audio button:has-text('Record')")
        page.evaluate(OBSERVE)
        page.locator("#live-audio button:has-text('Record')").first.click()
        page.wait_for_timeout(1500)
        cdp.send("Network.emulateNetworkConditions", dict(slow, latency=0))
        wait_for_stream_time(page, 2.0)
        restarts = page.evaluate("() => window.aasistCapture.restarts")
        page.locator("#live-audio button:has-text('Stop')").first.click()
    finally:
        browser.close()
    assert restarts >= 1  # the race did happen, and was recovered from


# How Gradio's recorder fails when Record comes after its code has loaded but before its WAV encoder is registered
# (a step it does not wait for): seen under a CPU burner in about 1 of 12 fresh pages, so raised here on purpose, as
# Gradio raises it: in the page, right after the microphone opens (the first time only). Raised from the test after a
# round trip instead, it could come later than the capture script's 5 s window on a busy machine, and be ignored.
ENCODER_NOT_REGISTERED_WHEN_THE_MICROPHONE_OPENS = """
() => {
  const devices = navigator.mediaDevices;
  const open = devices.getUserMedia.bind(devices);  // the capture script's, which notes when the microphone opened
  let raised = false;
  devices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    if (!raised) {
      raised = true;
      setTimeout(() => Promise.reject(new DOMException(
        "Failed to construct 'MediaRecorder': Failed to initialize native MediaRecorder the type provided "
        + "(audio/wav) is not supported.", "NotSupportedError")));
    }
    return stream;
  };
}
"""


@pytest.mark.timing
def test_record_restarts_when_the_wav_encoder_was_not_registered_yet(playwright, server):
    """The second way Record pressed too early fails inside Gradio: the page's capture script recognises it too,
    restarts the recording, and the stream goes on."""
    clip = example("real_librivox")
    browser, page = open_live(playwright, server.url, clip)
    try:
        page.evaluate(OBSERVE)
        page.evaluate(ENCODER_NOT_REGISTERED_WHEN_THE_MICROPHONE_OPENS)
        page.locator("#live-audio button:has-text('Record')").first.click()
        page.wait_for_function("() => window.aasistCapture.restarts === 1", timeout=ANALYSIS_TIMEOUT_MS)
        wait_for_stream_time(page, 2.0)
        page.locator("#live-audio button:has-text('Stop')").first.click()
    finally:
        browser.close()


# A browser that ignores the constraints: its track reports noise suppression still on.
IGNORES_CONSTRAINTS = """
const reportedSettings = MediaStreamTrack.prototype.getSettings;
MediaStreamTrack.prototype.getSettings = function () { return {...reportedSettings.call(this), noiseSuppression: true}; };
"""


@pytest.mark.timing
def test_live_warns_when_the_browser_keeps_processing_on(playwright, server):
    browser, page = open_live(playwright, server.url, example("real_arctic_awb"))
    try:
        page.context.add_init_script(IGNORES_CONSTRAINTS)
        page.reload()
        page.get_by_role("tab", name="Live").click()
        page.evaluate(OBSERVE)
        page.locator("#live-audio button:has-text('Record')").first.click()
        warning = page.locator("#live-status .live-warning")
        warning.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        text = warning.inner_text()
        page.locator("#live-audio button:has-text('Stop')").first.click()
    finally:
        browser.close()
    assert "noise suppression" in text


@pytest.mark.timing
def test_visitors_who_leave_mid_stream_are_forgotten(playwright, server):
    """20 visitors each stream a little and close the page without pressing Stop; the server lets every session go
    (its log counts them), frees each one's stream and audio (its log counts the session objects still in memory),
    and keeps serving.

    Forgotten is measured as the sessions' objects being freed, not as the process's resident memory: under load the
    allocator's arenas and Gradio's own per-connection caches move that by 100 MB and more whether or not anything of
    a session is kept (printed below for the record)."""
    clip = example("real_arctic_awb")
    browser = launch(playwright, *FAKE_MICROPHONE, f"--use-file-for-fake-audio-capture={clip}")
    context = browser.new_context(permissions=["microphone"])  # one browser profile: its HTTP cache is warm
    rss = []
    try:
        for _ in range(20):
            page = context.new_page()  # each visitor is a page of its own, with its own Gradio session
            page.goto(server.url)
            page.get_by_role("tab", name="Live").click()
            page.locator("#live-audio button:has-text('Record')").first.click()
            # "waiting" (for the first full window): the server has this visitor's audio, and more is on its way.
            page.wait_for_selector('#live-status .live-status[data-state="waiting"]', timeout=ANALYSIS_TIMEOUT_MS)
            page.close()  # gone, mid-stream (no beforeunload: as a closed tab or a lost connection)
            rss.append(round(_rss_mb(server.pid)))
    finally:
        browser.close()
    # The server hears of a closed page when its connection drops, and frees the session once the last chunk handler
    # that holds it returns: wait (at most a minute) for the last goodbye and the last session freed.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
            re.findall(r"live session \w+ \(\d+ open\)", server.log())[-1:] != ["live session closed (0 open)"]
            or re.findall(r"live session freed \((\d+) in memory\)", server.log())[-1:] != ["0"]):
        time.sleep(0.2)
    opened = re.findall(r"live session started \((\d+) open\)", server.log())
    closed = re.findall(r"live session closed \((\d+) open\)", server.log())
    in_memory = re.findall(r"live session freed \((\d+) in memory\)", server.log())
    assert len(opened) >= 20 and len(closed) >= 20, server.log()[-3000:]
    assert closed[-1] == "0", server.log()[-3000:]
    # Every session this server ever started (these 20 and the other tests') is freed, stream and audio with it.
    assert len(in_memory) == len(opened) and in_memory[-1] == "0", server.log()[-3000:]
    assert "Traceback" not in server.log(), server.log()[-3000:]  # leaving mid-upload is not an error
    print(f"\nserver RSS after each visitor (MB): {rss}")
    from gradio_client import Client, handle_file

    result = Client(server.url, verbose=False).predict(handle_file(str(clip)), api_name="/analyze")
    assert result["verdict"] in ("spoof", "bona fide")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


# --- the live handlers in process: faults ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool(model_env) -> ModelPool:
    """The live handlers' models, loaded once for the module (as a server keeps them)."""
    pool = ModelPool()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in model_env.items():
            patch.setenv(key, value)
        pool.get(DEFAULT_MODEL)
    return pool


@pytest.fixture
def live(pool) -> LiveTab:
    return LiveTab(pool, LiveSessions())


@pytest.fixture
def live_session(live):
    request = open_session(live)
    yield request
    live.unload(request)


def open_session(live: LiveTab) -> SimpleNamespace:
    """A visitor who pressed Record on the Live tab: the request of its page."""
    request = SimpleNamespace(session_hash=f"test-{time.monotonic_ns()}")
    live.start(DEFAULT_MODEL, 0.5, HOP_S, request)
    return request


def send(live: LiveTab, request, tmp_path, samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> LiveUpdate:
    path = tmp_path / f"chunk-{time.monotonic_ns()}.wav"
    sf.write(path, samples, rate, subtype=subtype)
    return live.chunk(str(path), DEFAULT_MODEL, HOP_S, 0.5, "", request)


def test_live_faults_get_a_message_and_the_stream_goes_on(live, live_session, tmp_path):
    rng = np.random.default_rng(0)
    speech = (0.1 * rng.standard_normal(48000 // 2)).astype(np.float32)
    send(live, live_session, tmp_path, speech, 48000)
    bad = speech.copy()
    bad[100] = np.nan
    log = send(live, live_session, tmp_path, bad, 48000, subtype="FLOAT").log
    assert "invalid sample values" in log and "Traceback" not in log
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage")
    log = live.chunk(str(broken), DEFAULT_MODEL, HOP_S, 0.5, "", live_session).log
    assert "could not be read" in log
    # The sample rate changes mid-stream: noted, and the stream goes on at the new rate.
    for _ in range(12):
        log = send(live, live_session, tmp_path, speech[: 44100 // 2], 44100).log
    assert "sample rate changed from 48000\u00a0Hz to 44100\u00a0Hz" in log  # the page joins numbers and units
    session = live.sessions.get(live_session.session_hash)
    assert session.stream.received_s == pytest.approx(0.5 + 12 * 0.5, abs=0.01)
    assert any(u.score is not None for u in session.updates)  # windows scored (of noise: "no_speech")


def test_a_chunk_that_races_stop_is_dropped_quietly(live, live_session, tmp_path):
    """Stop and a chunk handled at the same time (two of the server's threads): the chunk waits for the session's
    lock while Stop finishes the stream, then finds the session stopped; nothing raises, nothing is kept."""
    speech = (0.1 * np.random.default_rng(0).standard_normal(16000)).astype(np.float32)
    send(live, live_session, tmp_path, speech, 16000)
    session = live.sessions.get(live_session.session_hash)
    outcome = {}

    def late_chunk():
        try:
            outcome["update"] = send(live, live_session, tmp_path, speech, 16000)
        except Exception as err:  # noqa: BLE001 - the failure this test is about
            outcome["error"] = err

    with session.lock:  # Stop's handler holds the lock while the chunk arrives
        racer = threading.Thread(target=late_chunk)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # the chunk waits for the lock
        session.stop("stopped", live.pool)
    racer.join(timeout=30)
    assert "error" not in outcome, outcome
    assert outcome["update"] == LiveUpdate() and session.stream.received_s == pytest.approx(1.0)


def test_live_silence_is_not_evidence(live, live_session, tmp_path):
    for _ in range(14):
        status = send(live, live_session, tmp_path, np.zeros(8000, np.float32), 16000).status
    assert 'data-state="silent"' in status
    session = live.sessions.get(live_session.session_hash)
    assert session.updates and all(u.status in ("waiting", "silent") for u in session.updates)
    assert not session.stream.alarm
    assert 'data-state="stopped"' in live.stop(live_session).status


def test_live_tone_is_no_speech_and_never_counted(live, live_session, tmp_path):
    sound = tone(8.0)
    for begin in range(0, len(sound), 8000):
        update = send(live, live_session, tmp_path, sound[begin : begin + 8000], 16000)
        if update.chart is not KEEP:
            chart = update.chart
    status = update.status
    assert 'data-state="no_speech"' in status and "no speech" in status
    assert html.escape(views.LIVE_NO_SPEECH) in status and "data-smoothed" not in status
    session = live.sessions.get(live_session.session_hash)
    windows = [u for u in session.updates if u.status != "waiting"]
    assert len(windows) == 4 and all(u.status == "no_speech" and not u.alarm for u in windows)
    # Greyed on the chart (the desktop's and the phone's) like silent windows: no dot at their probability, no
    # smoothed line.
    drawn = re.findall(r"<svg .*?</svg>", chart, flags=re.S)
    assert [re.search(r'data-layout="(\w+)"', svg)[1] for svg in drawn] == ["desktop", "narrow"]
    for svg in drawn:
        assert svg.count('class="window no-speech"') == 4 and "no speech, not counted" in svg
        assert 'class="window"' not in svg and "<polyline" not in svg
    stopped = live.stop(live_session)
    assert "No scored window held speech" in stopped.log and "no alarm was raised" in stopped.log


def test_live_chart_drawn_for_a_phone_shows_the_same_stream():
    """The phone's chart (``width``): the same windows, alarms and stream time as the desktop's, 360 units wide
    for a 390 px screen, fewer time labels, and no text under 11 px at that scale."""
    from aasist.views.live_chart import PHONE_CHART_WIDTH, draw_live_chart
    from aasist.inference.streaming import StreamUpdate

    def update(t: float, p, status: str = "scored", alarm: bool = False) -> StreamUpdate:
        return StreamUpdate(t_end_s=t, status=status, spoof_probability=p, score=None,
                            smoothed_probability=p if status == "scored" else None, alarm=alarm)

    updates = [update(2.0, None, "waiting")] + [
        update(4.04 + i, 0.9 if 3 <= i < 8 else 0.2, alarm=4 <= i < 9) for i in range(12)
    ] + [update(16.04, 0.99, "no_speech"), update(17.04, 0.1, "silent")]
    desktop = draw_live_chart(updates, 0.5, 17.3)
    phone = draw_live_chart(updates, 0.5, 17.3, width=PHONE_CHART_WIDTH)

    def attributes(svg: str) -> dict:
        return dict(re.findall(r'(data-[a-z]+)="([^"]*)"', svg.split(">", 1)[0]))

    assert {**attributes(desktop), "data-layout": "narrow"} == attributes(phone)
    assert attributes(phone) == {"data-layout": "narrow", "data-points": "14", "data-alarms": "1", "data-t": "17.30"}
    assert f'viewBox="0 0 {PHONE_CHART_WIDTH} ' in phone
    assert min(float(size) for size in re.findall(r'font-size="([\d.]+)"', phone)) >= 11
    time_labels = lambda svg: re.findall(r">(\d+) s</text>", svg)  # noqa: E731
    assert time_labels(phone) == ["0", "10", "20", "30"] and len(time_labels(desktop)) == 7
    # Both are in the page, one hidden: the phone's draws its hatching with a pattern of its own.
    ids = lambda svg: set(re.findall(r' id="([^"]+)"', svg))  # noqa: E731
    assert ids(phone) and not ids(phone) & ids(desktop)
    assert all(f'id="{used}"' in phone for used in re.findall(r'url\(#([^)]+)\)', phone))
    # The legend on two lines, each its own text.
    assert phone.count("each 4 s window") == 1 and phone.count("silent or no speech") == 1
    assert len(re.findall(r'<text x="4" y="\d+"', phone)) == 2


def test_live_alarm_holds_while_no_one_speaks(live, live_session, tmp_path):
    """Synthetic speech raises the alarm (threshold 0.5); a tone afterwards does not clear it, and the status says
    that the last window had no speech."""
    synthetic, rate = sf.read(str(example("synthetic_flite_slt")), dtype="float32")
    sound = np.concatenate([np.tile(synthetic, 3)[: 8 * rate], tone(5.0, rate)])
    for begin in range(0, len(sound), rate // 2):
        update = send(live, live_session, tmp_path, sound[begin : begin + rate // 2], rate)
    session = live.sessions.get(live_session.session_hash)
    assert session.updates[-1].status == "no_speech" and session.stream.alarm
    assert 'data-state="alert"' in update.status and "no speech in the last window: not counted" in update.status
    summary = live.stop(live_session).log
    assert "the alarm was raised" in summary and "without speech not counted" in summary


def test_live_session_stops_at_its_time_limit(pool, tmp_path):
    live = LiveTab(pool, LiveSessions(), Limits(live_time_limit_s=6))
    request = open_session(live)
    rng = np.random.default_rng(1)
    outputs = [send(live, request, tmp_path, (0.05 * rng.standard_normal(8000)).astype(np.float32), 16000)
               for _ in range(16)]
    session = live.sessions.get(request.session_hash)
    assert session.stopped == "limit" and session.stream.received_s == pytest.approx(6.0, abs=0.01)
    reached = outputs[11]  # the chunk that reached 6 s
    assert 'data-state="limit"' in reached.status and "limit of 6\u00a0s" in reached.log
    assert plain_number_units(reached.status + reached.log) == []  # every number joined to its unit
    assert outputs[12] == LiveUpdate()  # later chunks change nothing
    live.unload(request)


@pytest.mark.timing
def test_busy_server_skips_stale_windows(pool, live, live_session, tmp_path):
    """With every compute slot taken (long analyses), chunks are kept unscored; then only the newest window is
    scored and the page says how many were skipped."""
    rng = np.random.default_rng(2)
    noise = lambda: (0.05 * rng.standard_normal(8000)).astype(np.float32)  # noqa: E731
    for _ in range(10):
        send(live, live_session, tmp_path, noise(), 16000)  # 5 s: one window scored
    taken = [pool.slots.acquire() for _ in range(LIMITS.concurrency)]
    try:
        for _ in range(8):
            send(live, live_session, tmp_path, noise(), 16000)  # 4 more seconds, nothing scored
        session = live.sessions.get(live_session.session_hash)
        scored_while_busy = len(session.updates)
    finally:
        for _ in taken:
            pool.slots.release()
    update = send(live, live_session, tmp_path, noise(), 16000)
    assert len(session.updates) == scored_while_busy + 1
    assert session.updates[-1].skipped >= 3
    assert "skipped to stay live" in update.status and "skipped" in update.log


def test_page_and_cli_defaults_are_the_library_s():
    """The page and the CLI parser state the live defaults without importing aasist.inference.streaming (it imports
    torch, which the page must not wait for): they must still say what the library does."""
    from aasist.inference import streaming
    from aasist.cli import build_parser
    from webapp.page import build_demo

    by_id = {b.elem_id: b for b in build_demo(examples=[]).blocks.values() if getattr(b, "elem_id", None)}
    assert by_id["live-threshold"].value == streaming.DEFAULT_THRESHOLD
    assert by_id["live-hop"].value == streaming.DEFAULT_HOP_S
    stream_parser = build_parser()._subparsers._group_actions[0].choices["stream"]
    helps = {a.dest: a.help for a in stream_parser._actions}
    assert f"(default {streaming.DEFAULT_THRESHOLD:g})" in helps["threshold"]
    assert f"(default {streaming.DEFAULT_MIN_HOPS})" in helps["min_hops"]
    assert f"(default {streaming.DEFAULT_SMOOTHING})" in helps["smoothing"]
    assert f"(default {streaming.DEFAULT_MARGIN:g})" in helps["margin"]


def test_a_session_is_freed_once_its_page_is_closed(live, tmp_path):
    """Nothing but the sessions' table holds a live session: once its page is closed, its stream and audio are freed
    at once (no reference cycle left for a later garbage collection), which the server logs."""
    request = open_session(live)
    send(live, request, tmp_path, tone(2.0), 16000)
    assert live.sessions.in_memory == 1 and len(live.sessions) == 1
    live.unload(request)
    assert len(live.sessions) == 0 and live.sessions.in_memory == 0
