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


@contextmanager
def local_page(browser, server: str, width: int = 1400, height: int = 1000, phone: bool = False):
    """A fresh page on the app at ``server``, loaded and ready, in a ``width`` x ``height`` window (or on a
    ``PHONE``); any request to another host is aborted, and makes the test fail when the page closes."""
    context = browser.new_context(**(PHONE if phone else dict(viewport={"width": width, "height": height})))
    page = context.new_page()
    outside = []

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
        context.close()
    assert not outside, f"the page tried to reach other hosts: {outside}"


def image_sizes(page, elem_ids, timeout_ms: float) -> dict:
    """The image in each element ``#id``, once loaded: ``{id: [natural width, natural height, shown width, shown
    height]}`` (CSS px). Each is scrolled into view first: Gradio's images load only when they come near the screen."""
    sizes = {}
    for elem_id in elem_ids:
        image = page.locator(f"#{elem_id} img")
        image.scroll_into_view_if_needed()
        page.wait_for_function("id => { const i = document.querySelector('#' + id + ' img');"
                               " return i && i.complete && i.naturalWidth > 0; }", arg=elem_id, timeout=timeout_ms)
        sizes[elem_id] = image.evaluate("i => { const box = i.getBoundingClientRect();"
                                        " return [i.naturalWidth, i.naturalHeight, box.width, box.height]; }")
    return sizes
