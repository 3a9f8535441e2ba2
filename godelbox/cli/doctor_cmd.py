"""`godelbox doctor [--fix]`: is this machine ready to run agents safely, and what to do if not."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from godelbox.cli.notes import note


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def run_checks(fix: bool) -> list[Check]:
    from godelbox.config import load_config
    from godelbox.sandbox.engine import ensure_engine
    from godelbox.sandbox.image import AGENT_RECIPE, image_exists

    engine = ensure_engine(fix=fix, log=note)
    bwrap = shutil.which("bwrap")
    # Agents can run under either backend; only having neither is fatal.
    checks = [Check("docker engine", engine.ok, engine.detail, required=bwrap is None)]
    if engine.ok:
        checks.append(_image_check(AGENT_RECIPE, fix, image_exists))
    checks.append(
        Check(
            "bubblewrap",
            bwrap is not None,
            bwrap or "fallback unavailable: apt-get install bubblewrap uidmap",
            required=not engine.ok,
        )
    )
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    checks.append(
        Check(
            "chromium",
            bool(chromium and driver),
            f"{chromium}, {driver}"
            if chromium and driver
            else "web tasks need it: apt-get install chromium chromium-driver fonts-liberation",
            required=False,
        )
    )
    config = load_config().config
    models = config.models
    roles = {
        k: v for k, v in models.model_dump().items() if v and k not in ("api_base", "endpoints")
    }
    checks.append(
        Check(
            "models",
            True,
            ", ".join(f"{k}={v}" for k, v in roles.items())
            or "none configured: offline mode (set models.* in godelbox.toml to use an LLM)",
            required=False,
        )
    )
    checks.append(_local_model_check())
    if config.loop.executor == "ray":
        checks.append(_cluster_check(config.loop.ray_address))
    if config.archive.database_url:
        checks.append(_database_check(config.archive.database_url))
    return checks


def _local_model_check() -> Check:
    """The local model (llama.cpp server + bundled GGUF): optional, reported for LLM runs."""
    from godelbox.cli.model_cmd import running_server
    from godelbox.llm.local import bundled_model_path, server_installed

    if not server_installed():
        return Check(
            "local model",
            False,
            "llama-cpp-python[server] missing: pip install -e '.[local]' (make venv does)",
            required=False,
        )
    bundled = bundled_model_path()
    fetched = f"{bundled.name} fetched" if bundled.is_file() else "godelbox model fetch"
    info = running_server()
    serving = (
        f"serving at {info.base_url} (pid {info.pid})"
        if info
        else "not running: godelbox model serve --detach"
    )
    return Check("local model", True, f"llama.cpp server installed; {fetched}; {serving}", False)


def _cluster_check(address: str) -> Check:
    """loop.executor = ray: the cluster answers and has sandbox slots (`docker` resources)."""
    from godelbox.errors import UserError
    from godelbox.loop.executors import DOCKER_RESOURCE, connect_ray

    try:
        import ray
    except ImportError:
        return Check("ray cluster", False, "Ray is not installed: pip install 'godelbox[ray]'")
    try:
        connect_ray(address)
    except UserError as err:
        return Check("ray cluster", False, str(err))
    try:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        slots = ray.cluster_resources().get(DOCKER_RESOURCE, 0)
    finally:
        ray.shutdown()
    detail = f"{address}: {len(nodes)} node(s), {slots:g} '{DOCKER_RESOURCE}' slot(s)"
    if slots < 1:
        detail += f"; start workers with --resources '{{\"{DOCKER_RESOURCE}\": 1}}'"
    return Check("ray cluster", slots >= 1, detail)


def _database_check(url: str) -> Check:
    """archive.database_url: the server answers (the archive itself is checked on open)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    shown = make_url(url).render_as_string(hide_password=True)
    try:
        from godelbox.archive.db import make_engine

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                version = ".".join(map(str, conn.dialect.server_version_info or ()))
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        hint = " (pip install 'godelbox[postgres]')" if isinstance(err, ImportError) else ""
        return Check("database", False, f"{shown}: {first}{hint}")
    return Check("database", True, f"{shown}: {engine.dialect.name} {version}")


def _image_check(recipe, fix: bool, image_exists) -> Check:
    from godelbox.sandbox.engine import require_client
    from godelbox.sandbox.image import ensure_image

    if image_exists(require_client(), recipe.tag) and recipe.rootfs_dir().is_dir():
        return Check("agent image", True, recipe.tag)
    if not fix:
        return Check("agent image", False, f"{recipe.tag} missing: run `godelbox sandbox build`")
    built = ensure_image(recipe, progress=note)
    return Check("agent image", True, f"{built.tag} (just built)")


def doctor(
    fix: Annotated[
        bool, typer.Option("--fix", help="Install/start the engine and build the image.")
    ] = False,
) -> None:
    """Report engine, image, bubblewrap, Chromium and models; exit 1 if agents cannot run."""
    checks = run_checks(fix)
    table = Table(show_header=False, box=None)
    for c in checks:
        mark = "[green]ok[/]" if c.ok else ("[red]missing[/]" if c.required else "[yellow]--[/]")
        table.add_row(mark, c.name, c.detail)
    Console().print(table)
    if any(c.required and not c.ok for c in checks):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
