"""Where the repository's non-Python assets live (seed agents, benchmark data), and where
godelbox keeps what it fetches or makes once per machine (the user cache).

Seed agents are not imported by the host process: they are copied into git lineages and run in
sandboxes, so they are located as files relative to this checkout.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AGENTS_DIR = PROJECT_ROOT / "agents"


def seed_agent_dir(name: str) -> Path:
    """The directory of the seed agent `name` (e.g. "repair", "coder", "web")."""
    path = AGENTS_DIR / name
    if not path.is_dir():
        known = sorted(p.name for p in AGENTS_DIR.iterdir() if p.is_dir())
        from godelbox.errors import UserError

        raise UserError(f"no seed agent '{name}'; known seed agents: {', '.join(known)}")
    return path


def user_cache_dir(name: str) -> Path:
    """`$XDG_CACHE_HOME/godelbox/<name>` (default `~/.cache/godelbox/<name>`): files kept across
    runs because they cost time to fetch or make (model files, generated tasks)."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "godelbox" / name
