"""Choosing the backend for a run from `config.sandbox`, never silently downgrading.

auto: docker when an engine answers, else bubblewrap with a visible warning. docker/bubblewrap:
exactly that one, or a clear error. none: the unsafe local backend, only with
`sandbox.unsafe_no_sandbox = true` (also enforced by the config), with a loud warning.
"""

from __future__ import annotations

from rich.console import Console

from godelbox.config import SandboxSection
from godelbox.sandbox.base import Backend, CopyLimits, Limits, SandboxError, SandboxSpec


def limits_for(section: SandboxSection) -> Limits:
    return Limits(
        memory_mb=section.memory_mb,
        cpus=section.cpus,
        pids=section.pids,
        tmp_mb=section.tmp_mb,
        work_mb=section.work_mb,
        work_inodes=section.work_inodes,
        output_limit_bytes=section.output_limit_bytes,
        cpu_shares=section.cpu_shares,
        nofile=section.nofile,
        copy_out=CopyLimits(
            total_mb=section.copy_out_mb,
            files=section.copy_out_files,
            depth=section.copy_out_depth,
            file_mb=section.copy_out_file_mb,
            path_bytes=section.copy_out_path_bytes,
        ),
    )


def warm_up(backend: Backend, spec: SandboxSpec) -> None:
    """Have a warm pool start sandboxes of `spec`'s kind now, before the first evaluation
    asks (a run's agents, graders and validations all start its default kind)."""
    from godelbox.sandbox.pool import PooledBackend

    if isinstance(backend, PooledBackend):
        backend.prepare(spec)


def release(backend: Backend) -> None:
    """Give back what a backend holds beyond its sandboxes (a warm pool's ready ones)."""
    from godelbox.sandbox.pool import PooledBackend

    if isinstance(backend, PooledBackend):
        backend.close()


def backend_for(section: SandboxSection, console: Console | None = None) -> Backend:
    from godelbox.sandbox.engine import docker_client

    console = console or Console(stderr=True)
    if section.backend == "none":
        if not section.unsafe_no_sandbox:
            raise SandboxError("backend 'none' needs sandbox.unsafe_no_sandbox = true")
        from godelbox.sandbox.local import LocalBackend

        console.print(
            "[bold white on red] UNSAFE [/] agent code will run on this host with NO "
            "isolation (sandbox.backend = none, unsafe_no_sandbox = true)"
        )
        return LocalBackend()
    if section.backend in ("auto", "docker"):
        client = docker_client()
        if client is not None:
            from godelbox.sandbox.docker import DockerBackend

            if section.warm_pool > 0:
                from godelbox.sandbox.pool import PooledBackend

                return PooledBackend(DockerBackend, size=section.warm_pool)
            return DockerBackend(client)
        if section.backend == "docker":
            raise SandboxError(
                "sandbox.backend = docker but no docker engine answers; run "
                "`godelbox doctor --fix`, or set sandbox.backend = auto to fall back to bubblewrap"
            )
        console.print(
            "[bold yellow]warning:[/] no docker engine answers; falling back to the "
            "bubblewrap sandbox (run `godelbox doctor` to see why)"
        )
    from godelbox.sandbox.bubblewrap import BubblewrapBackend

    return BubblewrapBackend(unbounded_work_dir=section.unbounded_work_dir)
