"""Where an evaluation's work goes: docker API calls by endpoint and CPU seconds by process.

Used by bench/eval_throughput.py --profile (and by hand: `with EngineProfile() as p: ...;
print(p.report(tasks))`). On a shared machine only some figures are this process's alone:
- API calls: counted in this process's docker client (exact);
- host: this process and the processes it waited for (git, tar) from getrusage (exact);
- containers: the cpuacct cgroup of each container this process created (exact);
- shims: the containerd-shim of each of those containers, with the runc runs and container
  processes it reaped (sampled every 50 ms: a lower bound);
- dockerd, containerd: the whole daemons and the children they reaped (dockerd re-executes
  itself for archive calls and network hooks) (shared: other users' work is included).
"""

from __future__ import annotations

import re
import resource
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from docker.api.client import APIClient

CLK_TCK = 100.0
CPUACCT = Path("/sys/fs/cgroup/cpuacct/docker")
_ID = re.compile(r"/[0-9a-f]{12,64}(?=/|$)")


def _proc_times(pid: int) -> tuple[float, float] | None:
    """(own, reaped children's) CPU seconds of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / CLK_TCK, (cutime + cstime) / CLK_TCK


def _pids_named(*names: str) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm in names or comm.startswith("containerd-shim"):
                found[int(entry.name)] = comm
    return found


def _shim_of(pid: int) -> str:
    """The container id a containerd-shim serves (its `-id` argument), or ""."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return ""
    return argv[argv.index("-id") + 1] if "-id" in argv[:-1] else ""


class EngineProfile:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.call_s: defaultdict[str, float] = defaultdict(float)
        self.containers: set[str] = set()
        self._container_s: dict[str, float] = {}
        self._shim_s: dict[int, tuple[float, float]] = {}
        self._daemons: dict[int, tuple[str, tuple[float, float]]] = {}
        self._daemon_end: dict[int, tuple[float, float]] = {}
        self._stop = threading.Event()
        self.sampler_s = 0.0
        self._lock = threading.Lock()
        self._original = APIClient.send

    def __enter__(self) -> EngineProfile:
        profile = self

        def send(client: APIClient, request: Any, **kwargs: Any) -> Any:
            path = _ID.sub("/{id}", request.path_url.split("?")[0].split("/v1.", 1)[-1])
            endpoint = f"{request.method} {path.split('/', 1)[-1] if '/' in path else path}"
            started = time.perf_counter()
            response = profile._original(client, request, **kwargs)
            with profile._lock:
                profile.calls[endpoint] += 1
                profile.call_s[endpoint] += time.perf_counter() - started
                if endpoint.endswith("containers/create") and response.status_code == 201:
                    profile.containers.add(response.json()["Id"])
            return response

        APIClient.send = send  # type: ignore[method-assign]
        self._rusage = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        for pid, comm in _pids_named("dockerd", "containerd").items():
            times = _proc_times(pid)
            if times and not comm.startswith("containerd-shim"):
                self._daemons[pid] = (comm, times)
        self._started = time.monotonic()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sampler.join()
        APIClient.send = self._original  # type: ignore[method-assign]
        self.wall_s = time.monotonic() - self._started
        end_self = resource.getrusage(resource.RUSAGE_SELF)
        end_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        start_self, start_children = self._rusage
        self.host_s = (
            (end_self.ru_utime + end_self.ru_stime)
            - (start_self.ru_utime + start_self.ru_stime)
            - self.sampler_s
        )  # the profile's own sampling is not the evaluation's work
        self.host_children_s = (end_children.ru_utime + end_children.ru_stime) - (
            start_children.ru_utime + start_children.ru_stime
        )
        for pid in self._daemons:
            times = _proc_times(pid)
            if times:
                self._daemon_end[pid] = times

    def _sample(self) -> None:
        started = time.thread_time()
        try:
            self._sample_until_stopped()
        finally:
            self.sampler_s = time.thread_time() - started

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                mine = set(self.containers)
            for cid in mine:
                try:
                    ns = int((CPUACCT / cid / "cpuacct.usage").read_text())
                except (OSError, ValueError):
                    continue
                self._container_s[cid] = max(self._container_s.get(cid, 0.0), ns / 1e9)
            for pid, comm in _pids_named().items():
                if comm.startswith("containerd-shim") and (
                    pid in self._shim_s or _shim_of(pid) in mine
                ):
                    times = _proc_times(pid)
                    if times:
                        self._shim_s[pid] = times

    def cpu(self) -> dict[str, float]:
        daemons: defaultdict[str, float] = defaultdict(float)
        for pid, (comm, start) in self._daemons.items():
            end = self._daemon_end.get(pid, start)
            # Their reaped children too: dockerd re-executes itself for archives and hooks.
            daemons[comm] += (end[0] + end[1]) - (start[0] + start[1])
        return {
            "host (this process)": self.host_s,
            "host children (git, tar)": self.host_children_s,
            "containers (cgroups)": sum(self._container_s.values()),
            "shims (own)": sum(own for own, _ in self._shim_s.values()),
            "shims (reaped: runc, container init)": sum(kids for _, kids in self._shim_s.values()),
            "dockerd (shared)": daemons["dockerd"],
            "containerd (shared)": daemons["containerd"],
        }

    def report(self, tasks: int) -> str:
        lines = [f"  wall {self.wall_s:.1f} s; CPU seconds per task by process:"]
        for name, seconds in self.cpu().items():
            lines.append(f"    {name:38s} {seconds / tasks:7.3f}")
        lines.append("  docker API calls per task (mean latency):")
        for endpoint, count in sorted(self.calls.items(), key=lambda kv: -kv[1]):
            mean_ms = 1000 * self.call_s[endpoint] / count
            lines.append(f"    {endpoint:38s} {count / tasks:7.2f}  ({mean_ms:.0f} ms)")
        return "\n".join(lines)
