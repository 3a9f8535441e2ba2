"""`godelbox run` on MiniWoB++, real browser in the real browser sandbox, the agents in their own
sandboxes: the offline rule agent evolved by the web operators (3 generations: archive, scores,
lineage, the TUI's detail pane, replay and plot, and the same archive twice), and the LLM web
agent evolved by the DGM step with every model call answered by the fake server."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.tui.archive_reader import ArchiveReader
from godelbox.tui.node_detail import render_node_detail
from tests.daemon.runs import fingerprint, run_to_end
from tests.fixtures.docker_engine import BUSY_HOST_CPU_SHARES
from tests.fixtures.fake_llm import ScriptedReply

pytestmark = pytest.mark.docker

TASKS = "click-test,click-button,login-user"

WEB_RUN = """
[run]
seed = {seed}

[sandbox]
image = "{agent_image}"
cpu_shares = {cpu_shares}

[web]
image = "{web_image}"
repeats = 1
step_limit = 6
episode_timeout_s = 30.0

[evaluation]
bench = "miniwob:{tasks}"
workers = 1

[[evaluation.stages]]
min_score_to_continue = 0.0

[loop]
children_per_generation = 1

[budget]
iterations = {iterations}
"""


def web_config(path: Path, agent_image: str, web_image: str, extra: str = "", **values) -> Path:
    settings = {
        "seed": 5,
        "tasks": TASKS,
        "iterations": 3,
        "cpu_shares": BUSY_HOST_CPU_SHARES,
        **values,
    }
    text = WEB_RUN.format(agent_image=agent_image, web_image=web_image, **settings)
    path.write_text(text + extra, encoding="utf-8")
    return path


def godelbox(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "godelbox", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def detail_text(run_dir: Path, node_id: int) -> str:
    reader = ArchiveReader.open(run_dir)
    try:
        console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
        console.print(render_node_detail(reader.detail(node_id), ""))
        return console.export_text()
    finally:
        reader.close()


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory, agent_image, web_image) -> Path:
    tmp = tmp_path_factory.mktemp("web-run")
    config = web_config(tmp / "web.toml", agent_image, web_image)
    run_dir = tmp / "run"
    run_to_end(run_dir, "--config", str(config), timeout_s=1500)
    return run_dir


def test_offline_web_run_evolves_the_rule_agent(offline_run: Path) -> None:
    with Archive.open(offline_run) as archive:
        nodes = archive.nodes()
        seed = nodes[0]
        assert (seed.agent_kind, seed.proposal) == ("webrules", {"seed": "webrules"})
        assert len(nodes) == 4  # the seed and one child per generation
        for node in nodes:
            assert node.status in (NodeStatus.EVALUATED, NodeStatus.INVALID), node
            if node.parent_id is not None:
                assert node.proposal["kind"] == "web-operator"
                assert archive.code.lineage(node.commit_sha)[0] == seed.commit_sha
            if node.status != NodeStatus.EVALUATED:
                continue
            rows = archive.evaluations(node.id or 0)
            assert sorted(r.task_id.split("#")[0] for r in rows) == sorted(
                f"miniwob/{t}" for t in TASKS.split(",")
            )
            resolved = sum(r.outcome == Outcome.RESOLVED for r in rows)
            assert node.score == resolved / len(rows)
            for row in rows:
                episode = row.details["episode"]
                assert episode["task"] in TASKS and episode["ended"], episode
                # The evidence a proposer reads: the episode as text, rules and all.
                log = (offline_run / row.log_path).read_text()
                assert log.startswith(f"episode {row.task_id}: ended {episode['ended']}")
                assert "== agent stderr ==" in log and "config: rules=" in log
        # The seed clicks buttons: click-test and click-button are MiniWoB-rewarded.
        seed_rows = {r.task_id.split("#")[0]: r for r in archive.evaluations(seed.id or 0)}
        assert seed_rows["miniwob/click-test"].outcome == Outcome.RESOLVED
        assert seed_rows["miniwob/click-button"].outcome == Outcome.RESOLVED


def test_views_show_the_episodes(offline_run: Path, tmp_path: Path) -> None:
    text = detail_text(offline_run, 2)
    assert "per-task outcomes" in text and "steps" in text and "reward" in text
    row = next(line for line in text.splitlines() if "miniwob/click-test#" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells[2] == "resolved" and cells[4] == "1" and cells[6] == "terminated", row
    shown = godelbox("show", str(offline_run), "2")
    assert shown.returncode == 0 and "miniwob/click-button#" in shown.stdout, shown.stderr
    replay = godelbox("replay", str(offline_run), "4")
    assert replay.returncode == 0 and "== step" in replay.stdout, replay.stderr
    plot = godelbox("plot", str(offline_run), "-o", str(tmp_path / "plots"))
    assert plot.returncode == 0, plot.stderr
    assert (tmp_path / "plots" / "progress.png").stat().st_size > 0


def test_the_tui_detail_pane_shows_a_web_node(offline_run: Path) -> None:
    from tests.views.test_view_tui import pane_text, run_app

    seen: dict[str, str] = {}

    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("b")  # jump to the best node
        await pilot.pause()
        seen["detail"] = pane_text(app, "#detail")

    run_app(offline_run, script)
    assert "per-task outcomes" in seen["detail"] and "miniwob/" in seen["detail"]


def test_the_same_seed_gives_the_same_archive(
    offline_run: Path, tmp_path: Path, agent_image, web_image
) -> None:
    config = web_config(tmp_path / "again.toml", agent_image, web_image)
    again = tmp_path / "again"
    run_to_end(again, "--config", str(config), timeout_s=1500)
    assert fingerprint(again) == fingerprint(offline_run)


DIAGNOSIS = {
    "log_summarization": "The agent gave up on the login form.",
    "potential_improvements": ["remember more turns"],
    "improvement_proposal": "Keep four earlier turns in the conversation.",
    "implementation_suggestion": "Set history_turns to 4 in config.py.",
    "problem_description": "The web agent forgets what it typed. Keep 4 earlier turns.",
}
ONE_MORE_TURN = (
    "python3 -c \"import pathlib, re; p = pathlib.Path('config.py'); t = p.read_text(); "
    "n = int(re.search(r'history_turns: int = (\\d+)', t)[1]); "
    "p.write_text(t.replace(f'history_turns: int = {n}', f'history_turns: int = {n + 1}'))\""
)
BUTTON = re.compile(r'\[(\d+)\] button "([^"]*)"')


def fake_models(body: dict[str, Any]) -> ScriptedReply:
    """Every role of the run, answered from the request: the web agent clicks the button the
    task names (or the only one), the diagnosis is DGM's JSON, and the pinned coding agent
    keeps one more turn in the web agent's config and submits."""
    if body["model"] == "fake-diagnose":
        return ScriptedReply(content=json.dumps(DIAGNOSIS))
    if body["model"] == "fake-implement":
        done = sum(1 for m in body["messages"] if m.get("role") == "tool")
        name, args = (
            ("bash", {"command": ONE_MORE_TURN}) if done == 0 else ("submit", {"summary": "+1"})
        )
        call = {"id": f"c{done}", "type": "function", "function": {"name": name}}
        call["function"]["arguments"] = json.dumps(args)
        return ScriptedReply(content=None, tool_calls=[call], finish_reason="tool_calls")
    prompt = body["messages"][-1]["content"]
    task = re.search(r"Task: (.*)", prompt)
    named = re.search(r'"([^"]+)"', task[1]) if task else None
    buttons = BUTTON.findall(prompt)
    pick = [ref for ref, label in buttons if named and label == named[1]] or [
        ref for ref, _ in buttons
    ]
    action = {"action": "click", "ref": int(pick[0])} if pick else {"action": "done"}
    return ScriptedReply(content=f"```json\n{json.dumps(action)}\n```")


def test_llm_web_agent_evolves_against_the_fake_server(
    tmp_path: Path, fake_llm, agent_image, web_image
) -> None:
    fake_llm.fallback = fake_models
    models = (
        f'\n[models]\ndiagnose = "openai/fake-diagnose"\nimplement = "openai/fake-implement"\n'
        f'agent = "openai/fake-agent"\napi_base = "{fake_llm.url}"\n'
        "\n[llm]\ntimeout_s = 20.0\nmax_retries = 1\nbackoff_s = 0.01\n"
    )
    config = web_config(tmp_path / "llm.toml", agent_image, web_image, models, iterations=3)
    run_dir = tmp_path / "llm"
    run_to_end(run_dir, "--config", str(config), timeout_s=1500)
    with Archive.open(run_dir) as archive:
        nodes = archive.nodes()
        assert nodes[0].agent_kind == "web" and len(nodes) == 4
        children = nodes[1:]
        assert all(n.proposal["kind"] == "dgm-fixed" for n in children)
        for node in nodes:
            assert node.status == NodeStatus.EVALUATED, (node.id, node.reason)
            outcomes = {r.task_id.split("#")[0]: r.outcome for r in archive.evaluations(node.id)}
            # The model's clicks were rewarded by MiniWoB; the login form was given up.
            assert outcomes["miniwob/click-test"] == Outcome.RESOLVED
            assert outcomes["miniwob/click-button"] == Outcome.RESOLVED
            assert outcomes["miniwob/login-user"] != Outcome.RESOLVED
        child = archive.code.diff(nodes[0].commit_sha, children[0].commit_sha)
        assert "-    history_turns: int = 3" in child and "+    history_turns: int = 4" in child
    reader = ArchiveReader.open(run_dir)
    try:
        seed_calls = {c.role for c in reader.detail(1).llm_calls}
        child_calls = {c.role for c in reader.detail(2).llm_calls}
    finally:
        reader.close()
    # The web agent's calls (through its session's gateway) are billed to the node played;
    # a child also carries its diagnosis and the editor's calls.
    assert seed_calls == {"agent"}
    assert {"agent", "diagnose", "implement"} <= child_calls
    roles = {r.body["model"] for r in fake_llm.requests}
    assert {"fake-agent", "fake-diagnose", "fake-implement"} <= roles
    # The diagnosis saw web evidence: an episode with its observations and actions.
    diagnosis = next(r for r in fake_llm.requests if r.body["model"] == "fake-diagnose")
    prompt = "\n".join(m["content"] for m in diagnosis.body["messages"])
    assert "# A web episode it played" in prompt and "action: {" in prompt


def test_a_run_scored_on_coding_and_web_at_once(tmp_path: Path, agent_image, web_image) -> None:
    # The first stage of two tasks takes one of each part: a built-in coding task and a web
    # episode; the combined seed answers each with its own part.
    spec = "builtin:dev*1+miniwob:click-test*3"
    config = web_config(
        tmp_path / "mixed.toml", agent_image, web_image, iterations=1, tasks="click-test"
    )
    text = config.read_text().replace('bench = "miniwob:click-test"', f'bench = "{spec}"')
    config.write_text(text.replace("[[evaluation.stages]]\n", "[[evaluation.stages]]\ntasks = 2\n"))
    run_dir = tmp_path / "mixed"
    run_to_end(run_dir, "--config", str(config), timeout_s=1500)
    with Archive.open(run_dir) as archive:
        seed, child = archive.nodes()
        assert seed.agent_kind == "repair+webrules"
        assert child.proposal["kind"].startswith("combined:")
        assert child.proposal["description"].startswith(child.proposal["part"] + ": ")
        rows = {r.details["bench"]: r for r in archive.evaluations(seed.id or 0)}
        assert sorted(rows) == ["builtin:dev", "miniwob:click-test"]
        assert rows["miniwob:click-test"].outcome == Outcome.RESOLVED  # the web part's click
        coding = float(rows["builtin:dev"].outcome == Outcome.RESOLVED)
        assert seed.score == pytest.approx((1 * coding + 3 * 1.0) / 4)
    text = detail_text(run_dir, 1)
    assert "scores per benchmark" in text and "miniwob:click-test" in text
