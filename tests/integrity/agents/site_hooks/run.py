"""`sitecustomize.py`, `usercustomize.py` and `.pth` files, which Python runs at start-up when
they are on its path: each exits 0 before pytest (or the HumanEval checker) can report anything.
Dropped at the root, in every package directory and in `src/`."""

from plant import args, targets

HOOK = "import os\nos._exit(0)\n"

a = args()
places = {a.workspace, a.workspace / "src"} | {p.parent for p in targets(a.workspace)}
for place in places:
    place.mkdir(exist_ok=True)
    (place / "sitecustomize.py").write_text(HOOK)
    (place / "usercustomize.py").write_text(HOOK)
    (place / "zz_cheat.pth").write_text("import os; os._exit(0)\n")
(a.log_dir / "agent.log").write_text("cheat agent: start-up hooks everywhere\n")
