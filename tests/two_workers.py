"""The suite on two workers (`pytest -n 2`, pytest-xdist): the running app and the browser on one, the rest on the other.

About half of the suite's time is spent in tests that drive `python app.py` or Chromium (marker ``server``): they wait
for audio played in real time, for the page and for the server, and leave a core idle. The other half is arithmetic
(models, figures, the CLI) that keeps both cores busy. Side by side they finish sooner than one after the other, if:

- every ``server`` test runs on the first worker (``gw0``): one shared ``python app.py`` and one Chromium for the run,
  as without workers, instead of one per worker competing for the cores;
- the other workers are pinned to one core each: the server tests then run beside one busy core, the load that
  `--cpu-burners 1` proves they pass under, never two. The models read the pinning (``available_cpus``), and so do
  the processes those tests start.

Modules are the unit of work for the rest: a worker with nothing left takes the next module not yet started.
Without ``-n``, none of this applies. pytest 9 ignores xdist's own ``--dist loadgroup`` (it renames tests through an
attribute pytest no longer reads), hence this scheduler.
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


def uses_two_workers(config) -> bool:
    """Distributed by this module: `-n N` with xdist's default distribution (load)."""
    return bool(getattr(config.option, "numprocesses", None)) and config.getvalue("dist") == "load"


def pin_worker(config) -> None:
    """On a worker that runs no server tests: pin the whole process (every thread it has) to one core."""
    worker = config.workerinput["workerid"]
    cores = sorted(os.sched_getaffinity(0))
    if worker == SERVER_WORKER or len(cores) < 2:
        return
    core = cores[-1 - (int(worker[2:]) - 1) % (len(cores) - 1)]  # gw1 on the last core, gw2 the one before, ...
    for task in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(task), {core})


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
    if uses_two_workers(config):
        if not hasattr(config, "_aasist_groups_dir"):
            config._aasist_groups_dir = tempfile.mkdtemp(prefix="aasist-xdist-")
            config.add_cleanup(lambda: shutil.rmtree(config._aasist_groups_dir, ignore_errors=True))
        node.workerinput[GROUPS_KEY] = os.path.join(config._aasist_groups_dir, "server-tests.json")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if not uses_two_workers(config):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ServerApartScheduling(LoadScopeScheduling):
        """Work units: every ``server`` test as one unit for ``gw0``, each other module as one for whoever is free."""

        _server_tests: frozenset = frozenset()

        def schedule(self) -> None:
            path = getattr(config, "_aasist_groups_dir", None)
            if path:
                self._server_tests = frozenset(json.loads(Path(path, "server-tests.json").read_text()))
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
