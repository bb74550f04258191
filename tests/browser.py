"""Debian's Chromium, driven by Playwright, for the tests that use the real page (and a fake microphone).

The browser is ``/usr/bin/chromium`` (or ``$CHROMIUM``); CI installs it (``.ci/run``). Playwright never downloads a
browser here. The ``playwright`` and ``browser`` fixtures (tests/conftest.py) fail with a message when it is missing:
these tests never skip.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",  # no requests the closed network would refuse
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium's fake microphone, granted without asking; add "--use-file-for-fake-audio-capture=FILE.wav" (played in a
# loop, or once with "FILE.wav%noloop", from when the page opens the microphone).
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
MISSING = ("Chromium is needed for the browser tests and was not found at {path}: install Debian's `chromium` package "
           "(as .ci/run does) or set CHROMIUM to its path.")


def launch(playwright, *extra_args: str):
    """A new headless Chromium with the project's flags and ``extra_args``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))


# A phone as the issues describe it: 390 x 844 CSS px at a device pixel ratio of 2, touch, mobile viewport rules.
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)


# Kept for a failing test's report (printed when the page closes): a toast is gone 10 s after it shows.
TOAST_RECORDER = """
let toastsSeen = 0;
new MutationObserver(() => {
    for (const toast of document.querySelectorAll('.toast-body')) {
        const text = toast.innerText.trim();
        if (!text || toast.dataset.recorded === text) continue;
        // A key unique across reloads; the latest text of each toast is kept.
        toast.dataset.toast = toast.dataset.toast || `${performance.timeOrigin} #${++toastsSeen}`;
        toast.dataset.recorded = text;
        window.recordToast(toast.dataset.toast, text);
    }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


@contextmanager
def local_page(browser, server: str, width: int = 1400, height: int = 1000, phone: bool = False):
    """A fresh page on the app at ``server``, loaded and ready, in a ``width`` x ``height`` window (or on a
    ``PHONE``); any request to another host is aborted, and makes the test fail when the page closes. The page's
    toasts and console errors are printed when it closes: pytest shows them beside a failure."""
    context = browser.new_context(**(PHONE if phone else dict(viewport={"width": width, "height": height})))
    outside, toasts, console_errors = [], {}, []
    context.expose_binding("recordToast", lambda source, key, text: toasts.update({key: text}))  # across reloads
    context.add_init_script(TOAST_RECORDER)
    page = context.new_page()
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    def only_local(route):
        url = route.request.url
        if url.startswith(server.rstrip("/")) or url.startswith(("data:", "blob:")):
            return route.continue_()
        outside.append(url)
        return route.abort()

    page.route("**/*", only_local)
    page.goto(server)
    page.wait_for_selector("#analyze-button")
    try:
        yield page
    finally:
        for toast in toasts.values():
            print(f"toast on the page: {' '.join(toast.split())}")
        for error in console_errors:
            print(f"console error on the page: {error}")
        context.close()
    assert not outside, f"the page tried to reach other hosts: {outside}"


def upload_recording(page, path, timeout_ms: float = 60_000) -> None:
    """Upload ``path`` on the Analyze tab as a visitor does, and wait for what they then see: the player, and the level
    line under it (``wait_for_input_level``)."""
    page.locator("#audio-input input[type=file]").set_input_files(str(path))
    page.wait_for_selector('#audio-input [data-testid^="waveform-"]', timeout=timeout_ms)
    wait_for_input_level(page, timeout_ms)


def wait_for_input_level(page, timeout_ms: float = 60_000) -> None:
    """Wait for the level line that a recording just made or uploaded gets under the recorder. It comes from the
    server a moment after the player and pushes the options and the Analyze button down: on a busy machine, a click
    aimed before it shows can land where the button was, and the analysis never starts."""
    page.wait_for_selector("#input-level .input-level", timeout=timeout_ms)


def open_tab(page, name: str) -> None:
    """Select the tab ``name``; on a narrow screen Gradio moves the tabs that do not fit into a "More tabs" menu."""
    tab = page.get_by_role("tab", name=name)
    if tab.count() and tab.is_visible():
        tab.click()
    else:
        page.get_by_label("More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()


def drop_files(page, elem_id: str, files: list, timeout_ms: float) -> None:
    """Upload ``files`` into the file drop ``#elem_id``; done when the drop lists the last one."""
    page.locator(f"#{elem_id} input[type=file]").set_input_files([str(p) for p in files])
    page.wait_for_function(
        "([id, name]) => document.querySelector('#' + id).innerText.replace(/\\s/g, '').includes(name)",
        arg=[elem_id, files[-1].stem], timeout=timeout_ms)


def sideways_px(page) -> float:
    """How far the page could scroll sideways (CSS px): 0 when it fits the screen's width."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def wait_for_images(page, elem_ids, timeout_ms: float) -> None:
    """Until the image in each element ``#id`` has loaded (each scrolled into view first: Gradio's images load only
    when they come near the screen)."""
    for elem_id in elem_ids:
        page.locator(f"#{elem_id} img").scroll_into_view_if_needed()
        page.wait_for_function("id => { const i = document.querySelector('#' + id + ' img');"
                               " return i && i.complete && i.naturalWidth > 0; }", arg=elem_id, timeout=timeout_ms)


def image_sizes(page, elem_ids, timeout_ms: float) -> dict:
    """The image in each element ``#id``, once loaded (``wait_for_images``): ``{id: [natural width, natural height,
    shown width, shown height]}`` (CSS px)."""
    wait_for_images(page, elem_ids, timeout_ms)
    return {elem_id: page.locator(f"#{elem_id} img").evaluate(
                "i => { const box = i.getBoundingClientRect();"
                " return [i.naturalWidth, i.naturalHeight, box.width, box.height]; }")
            for elem_id in elem_ids}


# Every number and its unit in the text of the page (or of ``selector``), joined by a space or a no-break space, and
# those that the browser laid out on two lines (issue 26: "17 %" broke after "17" on a 390 px phone).
SPLIT_UNITS_JS = r"""selector => {
    const unit = /\d[ \u00a0](?:%|ms|s|min|h|Hz|kHz|dB|dBFS|kB|MB|GB|kbps|seconds?|minutes?|hours?)(?![\w])/g;
    const root = document.querySelector(selector);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let pairs = 0;
    const split = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('style, script, code')) continue;
        for (const match of node.data.matchAll(unit)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            pairs += lines.size > 0;
            if (lines.size > 1) split.push(`${match[0]} in "${node.data.trim().slice(0, 80)}"`);
        }
    }
    return {pairs, split};
}"""


def numbers_split_from_units(page, selector: str = "body") -> tuple[int, list]:
    """(how many numbers with a unit are shown in ``selector``, those of them broken across two lines)."""
    found = page.evaluate(SPLIT_UNITS_JS, selector)
    return found["pairs"], found["split"]
