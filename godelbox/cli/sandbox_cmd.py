"""`godelbox sandbox build|sweep`: the agent image and leftover containers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    help="Build the sandbox image; remove leftovers of dead runs.", no_args_is_help=True
)


@app.command()
def build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if cached.")] = False,
    image: Annotated[
        str, typer.Option("--image", help="Which image: agent, or web (+ Chromium, MiniWoB++).")
    ] = "agent",
    web: Annotated[bool, typer.Option("--web", help="Same as --image web.")] = False,
) -> None:
    """Build the agent image with no registry (mmdebstrap + docker import + wheelhouse)."""
    from godelbox.sandbox.base import SandboxError
    from godelbox.sandbox.image import RECIPES, ensure_image

    name = "web" if web else image
    if name not in RECIPES:
        raise SandboxError(f"unknown image {name!r}; use --image {' or --image '.join(RECIPES)}")
    recipe = RECIPES[name]
    console = Console(stderr=True)
    with console.status(f"building {recipe.name}…") as status:

        def progress(msg: str) -> None:
            console.print(msg, markup=False, highlight=False)
            status.update(msg)

        built = ensure_image(recipe, force=force, progress=progress)
    state = "built" if built.rebuilt else "up to date"
    console.print(f"[green]{built.tag}[/] {state}; rootfs {built.rootfs}")


@app.command()
def sweep() -> None:
    """Remove containers, volumes, bubblewrap dirs and cgroups left by godelbox processes that
    are gone (never those of live runs, never anything not ours)."""
    from godelbox.sandbox.bubblewrap import sweep_bubblewrap
    from godelbox.sandbox.engine import docker_client

    removed = sweep_bubblewrap()
    client = docker_client()
    if client is not None:
        from godelbox.sandbox.docker import sweep_docker

        removed += sweep_docker(client)
    Console().print(f"removed {len(removed)} leftover(s)" + "".join(f"\n  {n}" for n in removed))
