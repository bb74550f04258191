"""A tiny local stand-in for the Hugging Face Hub, enough for ``hf_hub_download`` (huggingface_hub 2.4).

What ``hf_hub_download`` asks of the Hub for a file of a model repo (``file_download.py``):

1. ``HEAD {endpoint}/{repo_id}/resolve/{revision}/{filename}`` (revision URL-quoted), redirects not followed off
   the host. It needs ``X-Repo-Commit`` (the commit the revision resolves to), ``ETag`` (or ``X-Linked-Etag``: the
   cache blob name) and the size (``X-Linked-Size`` or ``Content-Length``). With no ``Location`` header, the file is
   then downloaded from the same URL. Errors are told apart by the ``X-Error-Code`` header: ``RepoNotFound``,
   ``RevisionNotFound``, ``EntryNotFound`` (with ``X-Repo-Commit``, so the absence is cached), ``GatedRepo``.
2. ``GET`` of that URL (``Range: bytes=N-`` only when resuming a broken download).

No ``X-Xet-Hash`` header is ever sent, so huggingface_hub never tries the Xet protocol and downloads over plain HTTP.

    with HubServer({"owner/repo": {"model.pth": "/path/to/file"}}) as hub:
        env["HF_ENDPOINT"] = hub.url
        ...
        hub.requests  # [("HEAD", "/owner/repo/resolve/main/model.pth"), ("GET", ...)]
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional, Union
from urllib.parse import unquote, urlsplit


def closed_port_url() -> str:
    """An endpoint where nothing listens (a connection is refused): a Hub that cannot be reached."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


def fake_commit(revision: str) -> str:
    """A stable 40-hex "commit hash" for a revision name."""
    return hashlib.sha1(f"commit of {revision}".encode()).hexdigest()


class HubServer:
    """Serves ``{repo_id: {filename: local path}}`` on 127.0.0.1 at a free port, in a background thread.

    ``revisions`` are the branch or tag names the repos know (each serves the same files); a revision may also be
    given as its commit hash. Every request is recorded in ``requests`` as (method, path). ``bytes_per_second``
    paces the downloads, as a real network would (a page can then show their progress).
    """

    def __init__(
        self,
        repos: dict[str, dict[str, Union[str, Path]]],
        revisions: tuple[str, ...] = ("main",),
        bytes_per_second: Optional[float] = None,
    ):
        self.bytes_per_second = bytes_per_second
        self.repos = {repo: {name: Path(p) for name, p in files.items()} for repo, files in repos.items()}
        self.commits = {name: fake_commit(name) for name in revisions}
        self.commits.update({commit: commit for commit in list(self.commits.values())})
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "the server is not running"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "HubServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects; every response has a Content-Length

            def do_HEAD(self) -> None:
                server._handle(self, send_body=False)

            def do_GET(self) -> None:
                server._handle(self, send_body=True)

            def log_message(self, format: str, *args) -> None:  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: the OS picks a free port
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hub-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler, send_body: bool) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self.requests.append((handler.command, path))

        # /{owner}/{name}/resolve/{revision}/{filename}; the revision is quoted with safe="" ("refs%2Fpr%2F1").
        parts = path.lstrip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            return self._error(handler, 404, None, "Not Found", send_body)
        repo_id, revision, filename = f"{parts[0]}/{parts[1]}", unquote(parts[3]), unquote("/".join(parts[4:]))

        files = self.repos.get(repo_id)
        if files is None:
            return self._error(handler, 404, "RepoNotFound", "Repository not found", send_body)
        commit = self.commits.get(revision)
        if commit is None:
            return self._error(handler, 404, "RevisionNotFound", "Invalid rev id", send_body)
        local = files.get(filename)
        if local is None:
            return self._error(handler, 404, "EntryNotFound", "Entry not found", send_body, commit)

        data = local.read_bytes()
        start = 0
        range_header = handler.headers.get("Range")
        if send_body and range_header and range_header.startswith("bytes=") and range_header.endswith("-"):
            start = int(range_header[len("bytes="):-1])
        body = data[start:]
        handler.send_response(206 if start else 200)
        handler.send_header("X-Repo-Commit", commit)
        handler.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')  # like an LFS file's etag
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(len(body)))
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        handler.end_headers()
        if send_body:
            self._send(handler, body)

    def _send(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if not self.bytes_per_second:
            handler.wfile.write(body)
            return
        block = 1 << 20
        for begin in range(0, len(body), block):
            handler.wfile.write(body[begin:begin + block])
            time.sleep(block / self.bytes_per_second)

    @staticmethod
    def _error(
        handler: BaseHTTPRequestHandler,
        status: int,
        code: Optional[str],
        message: str,
        send_body: bool,
        commit: Optional[str] = None,
    ) -> None:
        body = message.encode()
        handler.send_response(status)
        if code is not None:
            handler.send_header("X-Error-Code", code)
        handler.send_header("X-Error-Message", message)
        if commit is not None:
            handler.send_header("X-Repo-Commit", commit)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if send_body:
            handler.wfile.write(body)
