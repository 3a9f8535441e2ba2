"""One typed configuration for a run, and where each of its values came from.

Values are layered, last wins: built-in defaults < TOML file (`godelbox.toml`) < environment
(`GODELBOX_SECTION__KEY=value`) < CLI overrides (`--set section.key=value`). Every effective value
remembers its origin so `godelbox config show` can say why a setting is what it is.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from godelbox.errors import UserError

CONFIG_FILE_NAME = "godelbox.toml"
ENV_PREFIX = "GODELBOX_"


class ConfigError(UserError):
    """A configuration problem, phrased for the user: names the key and what to do."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RunSection(_Section):
    """The run's identity: its seed and a label."""

    seed: int = Field(
        0, description="Seed for every random choice of the loop (selection, operators)."
    )
    name: str = Field("", description="Free-form label shown in the TUI and reports.")


class ArchiveSection(_Section):
    """Where the archive's tables live."""

    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means SQLite in WAL mode at RUN_DIR/archive.db.",
    )
    busy_timeout_s: float = Field(30.0, gt=0, description="How long a writer waits for a lock.")


class ModelEndpoint(_Section):
    """Where one role's model is served and what it costs: `[models.<role>]` as a table instead
    of a plain model name, so a hosted diagnoser and a local agent can be mixed in one run."""

    model: str = Field(
        min_length=1,
        description="The litellm model name (openai/NAME for an OpenAI-compatible server).",
    )
    api_base: str = Field("", description="Base URL of the server; empty = the provider's.")
    api_key_env: str = Field(
        "", description="Host environment variable holding this endpoint's API key."
    )
    context_window: int | None = Field(
        None, ge=256, description="Prompt + answer tokens the model takes; prompts are sized to it."
    )
    input_usd_per_token: float | None = Field(
        None, ge=0, description="Dollars per prompt token; wins over [[llm.prices]] and litellm."
    )
    output_usd_per_token: float | None = Field(
        None, ge=0, description="Dollars per answer token; wins over [[llm.prices]] and litellm."
    )
    local: bool | None = Field(
        None,
        description="Served on this machine (free); default: the table's api_base is on loopback.",
    )


MODEL_ROLES = ("diagnose", "implement", "agent", "judge", "task_proposer")


class ModelsSection(_Section):
    """Model per role, as litellm names them. Empty everywhere means the offline mode.

    Each role is a model name or a `ModelEndpoint` table; a table's model name becomes the role's
    value and the table is kept in `endpoints`, so code asking `models.agent` gets a name."""

    diagnose: str = Field("", description="DGM's diagnosis of a parent's failures.")
    implement: str = Field(
        "", description="DGM's self-edit (the editing agent's `agent` role); set = the LLM mode."
    )
    agent: str = Field("", description="What agents in the sandbox get through the gateway.")
    judge: str = Field("", description="PAE's judge of attempts.")
    task_proposer: str = Field("", description="PAE's proposer of practice tasks.")
    api_base: str = Field("", description="Override the provider's base URL (vLLM, Ollama, ...).")
    endpoints: dict[str, ModelEndpoint] = Field(
        default_factory=dict, description="Per-role endpoint tables (filled from models.<role>)."
    )

    @model_validator(mode="before")
    @classmethod
    def _tables_to_endpoints(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        endpoints = dict(data.get("endpoints") or {})
        for role in MODEL_ROLES:
            value = data.get(role)
            if isinstance(value, dict | ModelEndpoint):
                endpoint = ModelEndpoint.model_validate(value)
                endpoints[role] = endpoint
                data[role] = endpoint.model
        if endpoints:
            data["endpoints"] = endpoints
        return data

    @model_validator(mode="after")
    def _endpoints_name_roles(self) -> ModelsSection:
        for role, endpoint in self.endpoints.items():
            if role not in MODEL_ROLES:
                raise ValueError(f"models.endpoints.{role}: roles are {', '.join(MODEL_ROLES)}")
            if getattr(self, role) != endpoint.model:
                raise ValueError(
                    f"models.{role} is {getattr(self, role)!r} but its endpoint table names "
                    f"{endpoint.model!r}; set the role once, as a name or as a table"
                )
        return self

    def any_configured(self) -> bool:
        return any((self.diagnose, self.implement, self.agent, self.judge, self.task_proposer))


class ModelPrice(_Section):
    """Dollars per token for a model litellm has no price for (self-hosted, new, fake).
    Written as `[[llm.prices]]` tables; a price here wins over litellm's cost map."""

    model: str = Field(description="The litellm model name the price is for.")
    input_usd_per_token: float = Field(ge=0, description="Dollars per prompt token.")
    output_usd_per_token: float = Field(ge=0, description="Dollars per answer token.")


class LLMSection(_Section):
    """How the host calls models: timeouts, retries, budgets, prices (docs/llm.md)."""

    timeout_s: float = Field(120.0, gt=0, description="Seconds per call attempt.")
    max_retries: int = Field(
        4, ge=0, description="Retries of 429, 5xx, timeouts and connection errors."
    )
    backoff_s: float = Field(1.0, ge=0, description="First retry delay; doubles each retry.")
    max_backoff_s: float = Field(60.0, ge=0, description="Cap on one retry delay, Retry-After too.")
    run_budget_usd: float | None = Field(None, ge=0, description="Stop new LLM work past this.")
    sandbox_budget_usd: float = Field(1.0, ge=0, description="Per-sandbox cap at the gateway.")
    sandbox_budget_tokens: int = Field(500_000, ge=0, description="Per-sandbox token cap.")
    self_edit_budget_usd: float = Field(
        2.0, ge=0, description="Cap of the DGM self-edit's sandbox (separate from task runs)."
    )
    self_edit_budget_tokens: int = Field(
        1_000_000, ge=0, description="Token cap of the DGM self-edit's sandbox."
    )
    max_output_tokens: int = Field(
        2048, ge=1, description="max_tokens of every call that does not ask for less."
    )
    record_exchanges: bool = Field(
        True, description="Keep every gateway exchange for `godelbox replay --rerun`."
    )
    record_sandbox_mb: float = Field(
        64.0, gt=0, description="Compressed recording one sandbox may add; past it, cut."
    )
    record_run_mb: float = Field(
        4096.0, gt=0, description="Compressed recordings per run; past it, tapes keep no calls."
    )
    prices: list[ModelPrice] = Field(default_factory=list)


OfflineKind = Literal[
    "template", "parameter", "ast", "grammar", "recombination", "crossover", "graft"
]
"""The offline proposer's kinds (godelbox.proposer.offline), in the order the bandit breaks ties."""
PolicyName = Literal["dgm", "score_prop", "random", "best", "shinka_weighted", "hgm", "latest"]


class SelectionSection(_Section):
    """How parents are drawn from the archive (docs/archive.md)."""

    policy: PolicyName = Field("dgm", description="The selection policy (docs/archive.md).")
    dgm_steepness: float = Field(10.0, gt=0, description="k in s = 1/(1+exp(-k(acc-0.5))).")
    shinka_lambda: float = Field(
        10.0, gt=0, description="λ in sigmoid(λ(s-median)/MAD) of shinka_weighted."
    )
    require_patch: bool = Field(
        True,
        description="A child becomes a parent only if it changed code in at least one task (DGM).",
    )


class StageSection(_Section):
    """One evaluation stage: run `tasks` more tasks (None = all the rest), then continue to
    the next stage only if the score so far is at least `min_score_to_continue`."""

    tasks: int | None = Field(None, ge=1, description="Tasks in this stage; None = the rest.")
    min_score_to_continue: float = Field(
        0.0, ge=0, le=1, description="Resolved/evaluated so far needed to go on to the next stage."
    )
    dynamic: bool = Field(
        False,
        description="Continue only at max(min_score_to_continue, the archive's second-best "
        "score), as DGM gates its full evaluation.",
    )


def _default_stages() -> list[StageSection]:
    return [
        StageSection(tasks=10, min_score_to_continue=0.4),
        StageSection(tasks=50, min_score_to_continue=0.6),
        StageSection(tasks=None, min_score_to_continue=1.0),
    ]


class EvaluationSection(_Section):
    """What children are evaluated on and how (docs/evaluation.md)."""

    bench: str = Field("builtin:dev", description="builtin:dev|builtin:heldout|polyglot:PATH|...")
    stages: list[StageSection] = Field(
        default_factory=_default_stages, description="Consecutive slices of the task order."
    )
    workers: int = Field(2, ge=1, description="Tasks of one evaluation run at once.")
    task_timeout_s: float = Field(300.0, gt=0, description="Seconds an agent gets per task.")
    polyglot_tries: int = Field(2, ge=1)
    attempt_seed: int = Field(
        0,
        ge=0,
        description="Given to agents as GODELBOX_ATTEMPT_SEED and part of the cache key: "
        "change it to sample an agent's behaviour afresh.",
    )
    attempts: int = Field(
        1, ge=1, description="Times each task is attempted per node (spots tasks solved sometimes)."
    )


class WebSection(_Section):
    """MiniWoB++ episodes (`miniwob:` benchmarks); see docs/web.md."""

    repeats: int = Field(5, ge=1, description="Episodes per task (BrowserGym plays 5).")
    seed: int = Field(0, description="Seed of the generator the episode seeds are drawn from.")
    step_limit: int = Field(10, ge=1, description="Actions per episode.")
    episode_timeout_s: float = Field(60.0, gt=0, description="Wall time per episode.")
    screenshots: bool = Field(False, description="A PNG per observation for the agent.")
    image: str = Field("godelbox-web:latest", description="The browser sandbox's image.")


class SandboxSection(_Section):
    """Where agent code runs and its limits (docs/sandbox.md, docs/hostile.md)."""

    backend: Literal["auto", "docker", "bubblewrap", "none"] = Field(
        "auto", description="auto = docker when an engine answers, else bubblewrap (warned)."
    )
    image: str = Field("godelbox-agent:latest", description="Image agents run in.")
    memory_mb: int = Field(1024, ge=64, description="Memory (and memory+swap) per sandbox.")
    cpus: float = Field(1.0, gt=0, description="CPU quota per sandbox.")
    pids: int = Field(256, ge=16, description="Processes per sandbox.")
    tmp_mb: int = Field(256, ge=8, description="Size of the sandbox's tmpfs /tmp.")
    work_mb: int = Field(512, ge=8, description="Size of the work dir /work.")
    work_inodes: int = Field(200_000, ge=1000, description="Files the work dir may hold.")
    output_limit_bytes: int = Field(
        1_000_000, ge=1024, description="Output one command may print before it is stopped."
    )
    nofile: int = Field(4096, ge=64, description="Open files per sandbox process (ulimit -n).")
    copy_out_mb: int = Field(
        256, ge=1, description="Bytes of files one copy out of a sandbox may bring (else error)."
    )
    copy_out_files: int = Field(50_000, ge=1, description="Entries one copy out may bring.")
    copy_out_depth: int = Field(64, ge=1, description="Directory levels one copy out may bring.")
    copy_out_file_mb: int = Field(64, ge=1, description="Size of one file a copy out may bring.")
    copy_out_path_bytes: int = Field(
        1024, ge=64, description="Length of one path (below the copied dir) a copy out may bring."
    )
    unbounded_work_dir: bool = Field(
        False,
        description="Bubblewrap without root: accept a work dir with no disk or inode bound.",
    )
    cpu_shares: int = Field(
        0, ge=0, description="Docker CPU weight of each sandbox (0 = engine default, 1024)."
    )
    warm_pool: int = Field(
        2,
        ge=0,
        description="Docker sandboxes kept started ahead per kind (fresh, each used once, "
        "refilled in the background); 0 = off.",
    )
    unsafe_no_sandbox: bool = Field(
        False, description="Required, in addition to backend='none', to run agents unisolated."
    )

    @model_validator(mode="after")
    def _unsafe_needs_opt_in(self) -> SandboxSection:
        if self.backend == "none" and not self.unsafe_no_sandbox:
            raise ValueError(
                "backend 'none' runs untrusted agent code on the host; "
                "also set sandbox.unsafe_no_sandbox = true if you really mean it"
            )
        return self


class CacheSection(_Section):
    """The evaluation cache: a task outcome is reused for an identical key (agent tree, task,
    image, grader code, model configuration, attempt seed); see docs/performance.md."""

    enabled: bool = Field(True, description="Reuse outcomes of identical evaluations.")
    dir: str = Field("", description="Where entries live; empty = $GODELBOX_CACHE/evaluations.")
    max_mb: int = Field(2048, ge=1, description="Least recently used entries beyond this go.")
    llm_agents: bool = Field(
        False, description="Also cache agents that call models (their answers are samples)."
    )
    deterministic_models: list[str] = Field(
        default_factory=list,
        description="Models whose answers are a function of the request (a local server at "
        "temperature 0, a replay): agents using only these are cached without llm_agents.",
    )


class BudgetSection(_Section):
    """Any budget that is set and reached stops the run cleanly. None = unlimited."""

    iterations: int | None = Field(None, ge=1, description="Generations.")
    children: int | None = Field(None, ge=1, description="Children proposed, valid or not.")
    usd: float | None = Field(None, ge=0, description="Dollars spent on models.")
    wall_clock_s: float | None = Field(
        None, gt=0, description="Active daemon time over all sessions."
    )
    no_improvement_generations: int | None = Field(
        None, ge=1, description="Generations in a row without a better best score."
    )


class LoopSection(_Section):
    """The daemon's schedule, workers and executor (docs/evolution.md, docs/scale-out.md)."""

    schedule: Literal["generational", "async"] = Field(
        "generational",
        description="generational: DGM's generations; async: HGM-style workers, each expanding "
        "the parent the policy picks when it frees up.",
    )
    children_per_generation: int = Field(2, ge=1, description="Children per generation.")
    graft_best: bool = Field(
        True,
        description="Give a generation's first slot to the best, to receive a change that beat "
        "its parent on another branch (each change once per line of descent; only with a proposer "
        "that grafts).",
    )
    screen_best: bool = Field(
        True,
        description="Give a generation's last slot to the best, to receive one capability the "
        "proposer could add to it, each capability once (with two or more children per "
        "generation and a proposer that lists capabilities: the offline template and grammar "
        "kinds).",
    )
    proposal_workers: int = Field(1, ge=1, description="Proposals made at once.")
    eval_workers: int = Field(1, ge=1, description="Children evaluated at once.")
    executor: Literal["local", "ray"] = Field(
        "local", description="Where evaluation units run: this process, or a Ray cluster."
    )
    ray_address: str = Field(
        "auto", description="Ray cluster to join: auto | HOST:PORT | ray://HOST:PORT | local."
    )
    ray_max_retries: int = Field(3, ge=0, description="Ray re-runs of a unit whose node died.")


class ProposerSection(_Section):
    """How children are made (docs/evolution.md)."""

    mode: Literal["auto", "llm", "operators"] = Field(
        "auto", description="auto = llm when models.implement is set, else offline operators."
    )
    implement: Literal["self", "fixed"] = Field(
        "self", description="self: the parent edits itself (DGM); fixed: the pinned seed does."
    )
    p_empty_patch: float = Field(
        0.25, ge=0, le=1, description="Chance the DGM step picks a task left with an empty patch."
    )
    p_sometimes_solved: float = Field(
        0.25, ge=0, le=1, description="... else one solved in only some attempts."
    )
    p_context_length: float = Field(
        0.25, ge=0, le=1, description="... else one where the agent ran out of model context."
    )
    critique_rounds: int = Field(0, ge=0, description="SELF: critique/refine rounds per diagnosis.")
    implement_timeout_s: float = Field(
        1800.0, gt=0, description="Seconds the editing agent gets in the DGM implement step."
    )
    self_test_timeout_s: float = Field(
        300.0, gt=0, description="Seconds a child's own test suite gets during validation."
    )
    offline_kinds: list[OfflineKind] = Field(
        default_factory=lambda: list(get_args(OfflineKind)),
        min_length=1,
        description="Offline proposal kinds the bandit draws from (see docs/offline.md).",
    )


class PAESection(_Section):
    """PAE (task proposer, agent, LLM judge) and SELF refinement; see docs/pae-self.md."""

    context_bench: str = Field(
        "builtin:dev", description="Benchmark whose repositories are the proposer's context."
    )
    contexts: int = Field(2, ge=1, description="Context tasks (repos) used per `godelbox pae`.")
    tasks_per_context: int = Field(2, ge=1, description="Tasks the proposer writes per context.")
    duplicate_jaccard: float = Field(
        0.8, ge=0, le=1, description="Token Jaccard at or above which a task is a near-duplicate."
    )
    judge_min_agreement: float = Field(
        0.8, ge=0, le=1, description="A judge agreeing less with ground truth is flagged."
    )
    context_chars: int = Field(
        12_000, ge=1000, description="Cap on the repository text shown to the proposer."
    )
    self_tasks: int = Field(3, ge=1, description="Tasks `godelbox self` refines per run.")
    web_bench: str = Field(
        "miniwob:basic", description="`godelbox pae --web`: environments played and proposed for."
    )
    web_seeds: int = Field(1, ge=1, description="Episodes (seeds 0..n-1) per web environment.")


class Config(_Section):
    run: RunSection = Field(default_factory=RunSection)
    archive: ArchiveSection = Field(default_factory=ArchiveSection)
    models: ModelsSection = Field(default_factory=ModelsSection)
    llm: LLMSection = Field(default_factory=LLMSection)
    selection: SelectionSection = Field(default_factory=SelectionSection)
    evaluation: EvaluationSection = Field(default_factory=EvaluationSection)
    web: WebSection = Field(default_factory=WebSection)
    sandbox: SandboxSection = Field(default_factory=SandboxSection)
    cache: CacheSection = Field(default_factory=CacheSection)
    budget: BudgetSection = Field(default_factory=BudgetSection)
    loop: LoopSection = Field(default_factory=LoopSection)
    proposer: ProposerSection = Field(default_factory=ProposerSection)
    pae: PAESection = Field(default_factory=PAESection)


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    sources: dict[str, str]
    """Dotted key -> 'default' | 'file:PATH' | 'env:NAME' | 'cli'."""


def load_config(
    file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Build the effective config. `file` may be None (defaults only) and must exist otherwise."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if file is not None:
        _merge(data, sources, _read_toml(file), f"file:{file}")
    for name, raw in sorted(env.items()):
        if name.startswith(ENV_PREFIX) and "__" in name:
            key = name[len(ENV_PREFIX) :].lower().replace("__", ".")
            _merge(data, sources, _nest(key, _parse_value(raw)), f"env:{name}")
    for key, raw in (overrides or {}).items():
        _merge(data, sources, _nest(key, _parse_value(raw)), "cli")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources)) from None
    for key in _leaf_keys(config.model_dump()):
        sources.setdefault(key, "default")
    return LoadedConfig(config, sources)


def dump_toml(config: Config) -> str:
    """Serialise a config as TOML (the run dir's snapshot); None values are left out."""
    lines: list[str] = []
    for section, values in config.model_dump(exclude_none=True).items():
        tables = {k: v for k, v in values.items() if _is_table_list(v)}
        named = {k: v for k, v in values.items() if isinstance(v, dict)}
        scalars = {k: v for k, v in values.items() if k not in tables and k not in named}
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars.items())
        lines.append("")
        for name, items in tables.items():
            for item in items:
                lines.append(f"[[{section}.{name}]]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items() if v is not None)
                lines.append("")
        for name, by_key in named.items():
            for key, item in by_key.items():
                lines.append(f"[{section}.{name}.{key}]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items() if v is not None)
                lines.append("")
    return "\n".join(lines)


def _is_table_list(value: Any) -> bool:
    """An array of tables (`[[section.name]]`); an empty list is written as no table at all."""
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"config file {file} does not exist; create it or drop --config"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None


def _parse_value(raw: str) -> Any:
    """Env and CLI values are TOML literals when they parse as one (1, 0.5, true, [..]), else
    plain strings, so `GODELBOX_MODELS__AGENT=gpt-4o` needs no quotes."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


def _merge(
    dst: dict[str, Any], sources: dict[str, str], src: dict[str, Any], origin: str, prefix: str = ""
) -> None:
    for key, value in src.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(dst.get(key), dict | None):
            _merge(dst.setdefault(key, {}), sources, value, origin, f"{dotted}.")
        else:
            dst[key] = value
            sources[dotted] = origin


def _leaf_keys(tree: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            keys.extend(_leaf_keys(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys


def _describe(exc: ValidationError, sources: dict[str, str]) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    origin = sources.get(key, "")
    where = f" (from {origin})" if origin else ""
    if err["type"] == "extra_forbidden":
        depth = len(err["loc"])  # a section for a section, a key for a key
        known = {".".join(k.split(".")[:depth]) for k in _leaf_keys(Config().model_dump())}
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown config key '{key}'{where}; {hint}`godelbox config show` lists every key"
    value = f" {err['input']!r}" if "input" in err and not isinstance(err["input"], dict) else ""
    return f"invalid value{value} for config key '{key}'{where}: {err['msg']}"
