"""Deleting the files uploaded for API calls once they have been analysed: the web app's one use of Gradio internals.

Gradio keeps every upload in its cache folder (GRADIO_TEMP_DIR), one folder per distinct content, and deletes
nothing before ``delete_cache`` says so (an hour in ``app.py``). The page needs its uploads for that long: the player
plays them and a visitor may analyse the same upload again with the other model. Uploads to the API are used once, so
they are deleted as soon as no request needs them: the cache then stays the same size however many API calls come
(tests/test_hardening.py counts).

Gradio 6.31 has no public API for this (only the age-based ``delete_cache``), so ``ApiUploads`` reads these
internals, all listed here and checked against the installed Gradio by ``tests/test_gradio_uploads.py``:

- ``Blocks.upload_file_set``: a set of the paths uploaded to this server (``routes.py`` adds each upload);
- ``Blocks.GRADIO_CACHE``: the cache folder, as a string;
- ``Blocks.blocks``: a dict of components, each with ``keep_in_cache``, a set of paths Gradio keeps (the examples);
- ``Blocks._queue`` (``queueing.Queue``): ``event_queue_per_concurrency_id``, a dict of ``EventQueue`` whose
  ``queue`` is a list of waiting ``Event``; ``active_jobs``, a list of None or lists of running ``Event``;
- ``Event.data``: None, or the request body, whose ``data`` is the list of inputs (a file is a dict with "path").

(``app.build_demo`` reads one more, checked by the same test: a component's ``keep_in_cache`` and ``temp_files``,
both sets, to keep the example clips' copies.)

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
        self.demo = None  # the gr.Blocks whose uploads these are; set by app.build_demo
        self._lock = threading.Lock()
        self._in_use: dict = {}  # path -> number of running analyses
        self._done: set = set()  # analysed, waiting to be deleted
        self._warned = False

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
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as err:
                    log.warning("could not delete the upload %s: %s", path.name, err)
                    continue
                # (The path stays in demo.upload_file_set: Gradio's own cleaning iterates that set in another thread.)
                self._done.discard(key)
                with suppress(OSError):
                    path.parent.rmdir()  # the folder named after the content, when nothing else is in it

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
                    if isinstance(value, dict) and isinstance(value.get("path"), str):
                        paths.add(value["path"])
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
