"""Depth-first topological sort with cycle detection."""

from __future__ import annotations


class CycleError(ValueError):
    pass


def install_order(deps: dict[str, list[str]]) -> list[str]:
    """Every package (including ones only mentioned as dependencies), dependencies first."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            raise CycleError(" -> ".join((*path, name)))
        state[name] = "active"
        for dep in sorted(deps.get(name, [])):
            visit(dep, (*path, name))
        state[name] = "done"
        order.append(name)

    for name in sorted(deps):
        visit(name, ())
    return list(state)
