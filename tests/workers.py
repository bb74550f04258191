"""The suite on several workers (`pytest -n 3`, pytest-xdist): the running app and the browser on one, the rest on
the others.

About half of the suite's time is spent in tests that drive `python app.py` or Chromium (marker ``server``): they wait
for audio played in real time, for the page and for the server, and leave the cores partly idle. The rest is
arithmetic (models, figures, the CLI). Side by side they finish sooner than one after the other, if:

- every ``server`` test runs on the first worker (``gw0``): one shared ``python app.py`` and one Chromium for the run,
  as without workers, instead of one per worker competing for the cores;
- the other workers compute with one thread each and at a low priority (nice 10), so they take only what the
  server tests leave: the app, the browser and the audio they play in real time get the CPU first. Their models read
  the thread count (``AASIST_NUM_THREADS``, ``OMP_NUM_THREADS``), and so do the processes their tests start.

On a 2-core machine, three workers keep both cores busy. Modules are the unit of work for the rest: a worker with
nothing left takes the next module not yet started. Without ``-n``, none of this applies. pytest 9 ignores xdist's
own ``--dist loadgroup`` (it renames tests through an attribute pytest no longer reads), hence this scheduler.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

SERVER_WORKER = "gw0"
SERVER_UNIT = "server"
GROUPS_KEY = "aasist_server_tests_file"  # workerinput: where each worker writes the ids of its `server` tests


def uses_workers(config) -> bool:
    """Distributed by this module: `-n N` with xdist's default distribution (load)."""
    return bool(getattr(config.option, "numprocesses", None)) and config.getvalue("dist") == "load"


def yield_to_server_tests(config) -> None:
    """On a worker that runs no server tests: one thread for the models, and a low priority."""
    if config.workerinput["workerid"] == SERVER_WORKER:
        return
    for variable in ("AASIST_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # read when torch is first imported, after this (and by the tests' processes)
    os.nice(10)


def write_server_tests(config, items) -> None:
    """On a worker: write the ids of the collected ``server`` tests for the controller's scheduler."""
    path = Path(config.workerinput[GROUPS_KEY])
    ids = [item.nodeid for item in items if item.get_closest_marker("server")]
    tmp = path.with_suffix(f".{config.workerinput['workerid']}.tmp")
    tmp.write_text(json.dumps(ids))
    os.replace(tmp, path)


# --- hooks (imported by conftest.py) --------------------------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """On the controller, for each worker it starts: where that worker writes its server tests' ids."""
    config = node.config
    if uses_workers(config):
        if not hasattr(config, "_aasist_groups_dir"):
            config._aasist_groups_dir = tempfile.mkdtemp(prefix="aasist-xdist-")
            config.add_cleanup(lambda: shutil.rmtree(config._aasist_groups_dir, ignore_errors=True))
        node.workerinput[GROUPS_KEY] = os.path.join(config._aasist_groups_dir, "server-tests.json")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if not uses_workers(config):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ServerApartScheduling(LoadScopeScheduling):
        """Work units: every ``server`` test as one unit for ``gw0``, each other module as one for whoever is free."""

        _server_tests: frozenset = frozenset()

        def schedule(self) -> None:
            written = Path(getattr(config, "_aasist_groups_dir", ""), "server-tests.json")
            if written.is_file():  # not when no worker got as far as collecting (an error in a test module)
                self._server_tests = frozenset(json.loads(written.read_text()))
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            return SERVER_UNIT if nodeid in self._server_tests else nodeid.split("::", 1)[0]

        def _assign_work_unit(self, node) -> None:
            # gw0 starts with the server unit; the others leave it alone (taking it would start a second app and
            # browser) unless gw0 is gone.
            server_worker = any(n.gateway.id == SERVER_WORKER and not n.shutting_down for n in self.nodes)
            if node.gateway.id == SERVER_WORKER and SERVER_UNIT in self.workqueue:
                scope = SERVER_UNIT
            else:
                scope = next((s for s in self.workqueue if s != SERVER_UNIT or not server_worker), None)
            if scope is None:
                self.assigned_work.setdefault(node, {})
                return
            self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return ServerApartScheduling(config, log)
