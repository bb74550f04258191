"""Gradio's upload cache: the web app's one module that reads Gradio internals.

What the app does with the files in Gradio's cache folder (GRADIO_TEMP_DIR): deletes the uploads of API calls once
they have been analysed (``ApiUploads``) and the live monitor's chunks once read (``discard_upload``), writes the
files the page offers for download where Gradio serves and later deletes them (``results_folder``), and keeps the
example clips' copies for good (``keep_example_copies``).

Gradio keeps every upload in its cache folder, one folder per distinct content, and deletes nothing before
``delete_cache`` says so (an hour, ``webapp.page``). The page needs its uploads for that long: the player
plays them and a visitor may analyse the same upload again with the other model. Uploads to the API are used once, so
they are deleted as soon as no request needs them: the cache then stays the same size however many API calls come
(tests/test_hardening.py counts).

Gradio 6.31 has no public API for this (only the age-based ``delete_cache``), so ``ApiUploads`` reads these
internals, all listed here and checked against the installed Gradio by ``tests/test_gradio_uploads.py``, this
module's contract test:

- ``Blocks.upload_file_set``: a set of the paths uploaded to this server (``routes.py`` adds each upload);
- ``Blocks.GRADIO_CACHE``: the cache folder, as a string;
- ``Blocks.blocks``: a dict of components, each with ``keep_in_cache``, a set of paths Gradio keeps (the examples);
- ``Blocks._queue`` (``queueing.Queue``): ``event_queue_per_concurrency_id``, a dict of ``EventQueue`` whose
  ``queue`` is a list of waiting ``Event``; ``active_jobs``, a list of None or lists of running ``Event``;
- ``Event.data``: None, or the request body, whose ``data`` is the list of inputs (a file is a dict with "path");
- a component's ``keep_in_cache`` and ``temp_files``, both sets: the example clips' copies are kept by adding the
  second to the first;
- ``gradio.utils.get_upload_folder()``: the cache folder before a ``Blocks`` exists (results and live chunks).

If a Gradio upgrade changes any of them, nothing is deleted early: ``ApiUploads`` logs one warning naming what
changed and leaves the uploads to ``delete_cache``; the test fails with the same message.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Optional

import gradio.utils

log = logging.getLogger("aasist.app")

UPLOAD_GRACE_S = 5.0  # an upload this recent may belong to a request that has not joined the queue yet


class GradioInternalsChanged(RuntimeError):
    """A Gradio internal that ``ApiUploads`` reads is missing or has another shape; the message names it."""


def _internal(owner: Any, name: str, kind: type, where: str) -> Any:
    """``owner.name``, checked to be a ``kind``; ``GradioInternalsChanged`` naming ``where.name`` if not."""
    try:
        value = getattr(owner, name)
    except AttributeError:
        raise GradioInternalsChanged(f"Gradio's {where}.{name} no longer exists") from None
    if not isinstance(value, kind):
        raise GradioInternalsChanged(
            f"Gradio's {where}.{name} is a {type(value).__name__}, no longer a {kind.__name__}"
        )
    return value


def upload_file_set(demo) -> set:
    return _internal(demo, "upload_file_set", set, "Blocks")


def cache_folder(demo) -> Path:
    return Path(_internal(demo, "GRADIO_CACHE", str, "Blocks"))


def kept_paths(demo) -> set:
    """Files Gradio keeps for good (the examples): an upload with the same content shares their path."""
    kept = set()
    for block in list(_internal(demo, "blocks", dict, "Blocks").values()):
        kept.update(getattr(block, "keep_in_cache", ()))  # only some components have it
    return {str(p) for p in kept}


def queued_events(demo) -> list:
    """The events in Gradio's queue: waiting, or taken out and being prepared or run."""
    queue = _internal(demo, "_queue", object, "Blocks")
    per_id = _internal(queue, "event_queue_per_concurrency_id", dict, "Queue")
    events = []
    for event_queue in list(per_id.values()):
        events += list(_internal(event_queue, "queue", list, "EventQueue"))
    for job in list(_internal(queue, "active_jobs", list, "Queue")):
        if job is not None:
            if not isinstance(job, list):
                raise GradioInternalsChanged(f"Gradio's Queue.active_jobs holds a {type(job).__name__}, not a list")
            events += list(job)
    return events


def event_inputs(event) -> list:
    """The inputs of a queued request (empty while its body has not arrived)."""
    body = _internal(event, "data", object, "Event")
    if body is None:
        return []
    return list(_internal(body, "data", list, "Event.data"))


def upload_folder() -> Path:
    return Path(gradio.utils.get_upload_folder())


def results_folder(name: str) -> Path:
    """A folder in Gradio's cache for files the page offers for download: served from there and deleted with the
    other results (delete_cache); anywhere else Gradio would serve a copy and the original would stay for good."""
    folder = upload_folder() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_example_copies(component) -> None:
    """Protect the copies of the example clips that Gradio made for ``component`` (and hands out on every click):
    delete_cache would remove them after an hour, as would the deletion of an API upload with the same content."""
    try:
        kept = _internal(component, "keep_in_cache", set, type(component).__name__)
        copies = _internal(component, "temp_files", set, type(component).__name__)
    except GradioInternalsChanged as err:
        log.warning("%s: the example clips may stop working after an hour (see gradio_uploads.py).", err)
        return
    kept.update(copies)


def discard_upload(path: str) -> None:
    """Delete a file Gradio received for one use only (a live chunk); never a file outside Gradio's cache.

    Its folder is left for Gradio's cache cleaning: the folder is named after the content, and a chunk with the same
    bytes (two visitors' first chunks from the same source) may be arriving into it at that moment; Gradio creates the
    folder and then moves the file in, so removing it in between made that upload fail with a traceback."""
    try:
        inside = Path(path).resolve().is_relative_to(upload_folder().resolve())
    except OSError as err:
        log.warning("could not delete the upload %s: %s", Path(path).name, err)
        return
    if inside:
        _delete(Path(path), remove_folder=False)


def _delete(path: Path, remove_folder: bool = True) -> bool:
    """Delete an upload, and (``remove_folder``) its folder (named after the content) when nothing else is in it;
    False when the file could not be deleted (logged)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as err:
        log.warning("could not delete the upload %s: %s", path.name, err)
        return False
    if remove_folder:
        with suppress(OSError):
            path.parent.rmdir()
    return True


def check_gradio_internals(demo) -> None:
    """Raise ``GradioInternalsChanged`` if anything ``ApiUploads`` reads is missing from ``demo`` (queued first)."""
    upload_file_set(demo)
    cache_folder(demo)
    kept_paths(demo)
    for event in queued_events(demo):
        event_inputs(event)


class ApiUploads:
    """Deletes the files uploaded for ``/analyze`` calls once they have been analysed.

    Identical uploads share one path (Gradio names the folder after the content), so a file is kept while any
    request uses it: one being analysed (counted here), one waiting in the queue or being prepared (read from the
    queue), or an upload younger than ``UPLOAD_GRACE_S`` (its request may still be on its way). Whatever is kept is
    deleted by a later call, or by ``delete_cache`` at the latest. Only Gradio's own uploads are ever deleted: never
    the example clips, never a file outside its cache (as when ``analyze`` is called in-process with a local path).
    """

    def __init__(self):
        self.demo = None  # the gr.Blocks whose uploads these are (attach)
        self._lock = threading.Lock()
        self._in_use: dict = {}  # path -> number of running analyses
        self._done: set = set()  # analysed, waiting to be deleted
        self._warned = False

    def attach(self, demo) -> None:
        """The uploads are those of ``demo``; until then ``using`` deletes nothing."""
        self.demo = demo

    @contextmanager
    def using(self, path: Optional[str]):
        key = self._key(path)
        if key is None:
            yield
            return
        with self._lock:
            self._in_use[key] = self._in_use.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._in_use[key] -= 1
                if not self._in_use[key]:
                    del self._in_use[key]
                self._done.add(key)
            self.sweep()

    def sweep(self) -> None:
        """Delete every analysed upload that no request needs any more."""
        needed = self._needed_paths()
        if needed is None:  # the queue could not be read: leave everything to delete_cache
            return
        now = time.time()
        with self._lock:
            for key in list(self._done):
                if key in self._in_use or key in needed:
                    continue
                path = Path(key)
                try:
                    if now - path.stat().st_ctime < UPLOAD_GRACE_S:
                        continue
                except FileNotFoundError:
                    pass
                except OSError as err:
                    log.warning("could not delete the upload %s: %s", path.name, err)
                    continue
                # (The path stays in demo.upload_file_set: Gradio's own cleaning iterates that set in another thread.)
                if _delete(path):
                    self._done.discard(key)

    def _key(self, path: Optional[str]) -> Optional[str]:
        """The upload's path as Gradio recorded it, or None when it is not an upload to this server."""
        if not path or self.demo is None:
            return None
        key = str(path)
        try:
            uploaded = key in upload_file_set(self.demo)
            inside = Path(key).resolve().is_relative_to(cache_folder(self.demo).resolve())
        except GradioInternalsChanged as err:
            self._warn(err)
            return None
        except (OSError, TypeError):
            return None
        return key if uploaded and inside else None

    def _needed_paths(self) -> Optional[set]:
        """Paths that queued requests name, and the examples' paths; None if Gradio's queue cannot be read."""
        try:
            paths = kept_paths(self.demo)
            for event in queued_events(self.demo):
                for value in event_inputs(event):
                    # One file, or a list of them (the Evaluate endpoint's file drops).
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, dict) and isinstance(item.get("path"), str):
                            paths.add(item["path"])
            return paths
        except GradioInternalsChanged as err:
            self._warn(err)
            return None
        except Exception:  # noqa: BLE001 - anything else unexpected: delete nothing rather than guess
            log.warning("could not read Gradio's queue; API uploads are left to delete_cache", exc_info=True)
            return None

    def _warn(self, err: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning("%s: API uploads are left to delete_cache (see gradio_uploads.py).", err)
