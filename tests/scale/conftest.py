"""A real Ray cluster on this machine for the scale tests: a head node and one more worker node
(two raylets, each with its own worker processes), both advertising one `docker` slot.

Started with Ray's own `cluster_utils.Cluster`, which runs the same processes `ray start` does and
stops exactly the processes it started (never another user's Ray). Kept small for a shared
2-core machine: one CPU per node, a 200 MB object store, no dashboard. Skipped when Ray is not
installed, except under CI (env `CI` set), where it FAILS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from godelbox.loop.executors import DOCKER_RESOURCE, RAY_OBJECT_STORE_BYTES

NODE_ARGS: dict[str, Any] = {
    "num_cpus": 1,
    "resources": {DOCKER_RESOURCE: 1},
    "object_store_memory": RAY_OBJECT_STORE_BYTES,
}


@dataclass
class RayCluster:
    address: str
    cluster: Any

    def our_pids(self) -> set[int]:
        """Every process the cluster's nodes started (raylets, GCS, ...)."""
        pids = set()
        for node in [self.cluster.head_node, *self.cluster.worker_nodes]:
            for infos in node.all_processes.values():
                pids.update(info.process.pid for info in infos)
        return pids

    def unit_workers(self) -> list[int]:
        """Worker processes of this cluster busy running a unit right now (Ray titles a
        worker `ray::<function>` while it runs that function)."""
        ours = self.our_pids()
        busy = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                title = (proc / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if title.startswith(b"ray::run_unit") and _descends_from(int(proc.name), ours):
                busy.append(int(proc.name))
        return busy


def _descends_from(pid: int, ancestors: set[int]) -> bool:
    while pid > 1:
        if pid in ancestors:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[RayCluster]:
    try:
        from ray.cluster_utils import Cluster
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("Ray is not installed (CI is set: scale tests must run)", pytrace=False)
        pytest.skip("Ray is not installed (pip install -e '.[ray]')")
    cluster = Cluster(
        initialize_head=True,
        head_node_args={**NODE_ARGS, "include_dashboard": False},
    )
    try:
        cluster.add_node(**NODE_ARGS)
        yield RayCluster(address=cluster.address, cluster=cluster)
    finally:
        cluster.shutdown()
