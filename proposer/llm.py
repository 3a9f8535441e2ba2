"""The one place the host calls language models: litellm, with godelbox's policies around it.

Policies, all from config (`[models]`, `[llm]`):
- the model comes from the role (diagnose, implement, agent, judge, task_proposer), so swapping a
  provider is configuration, never code;
- every HTTP attempt has an explicit timeout; 429, 5xx, timeouts and connection errors are retried
  with exponential backoff (honouring Retry-After); other errors fail at once with a message that
  says what to fix (key env var, model name);
- every attempt, failed or not, is reported to `on_call` as an `LLMCallRecord` (tokens, cost,
  latency, error): the caller (the loop) stores it, this module never writes the archive;
- a run-level dollar budget (`RunBudget`, shareable between clients) is checked before each call
  and raises `BudgetExceeded`, which the loop catches to stop new work cleanly.

API keys come from the host environment the way litellm reads them (OPENAI_API_KEY, ...). They are
never passed as arguments, never recorded, and scrubbed from every error text.

litellm takes ~3.5 s to import, so it is imported on first use, with the bundled cost map
(LITELLM_LOCAL_MODEL_COST_MAP) so nothing is downloaded.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from godelbox.config import LLMSection, ModelsSection
from godelbox.errors import UserError
from godelbox.llm.endpoints import (
    EndpointError,
    api_base_of,
    api_key_of,
    endpoint_of,
    is_local,
    table_price,
)
from godelbox.llm.fit import KNOWN_TOKENIZER_SAFETY, UNKNOWN_TOKENIZER_SAFETY

ROLES = ("diagnose", "implement", "agent", "judge", "task_proposer")

Message = Mapping[str, Any]
T = TypeVar("T", bound=BaseModel)


class LLMError(UserError):
    """A model call failed; the message names the role, the model and what to do."""


class LLMConfigError(LLMError):
    """Retrying cannot help: no model for the role, bad key, unknown model, rejected request."""


class LLMRequestError(LLMError):
    """The provider rejected this request (too long for the context, malformed): change it."""


class LLMUnavailable(LLMError):
    """The provider kept failing (429/5xx/timeouts) after every retry."""


class LLMOutputError(LLMError):
    """The model's reply could not be parsed as the requested structure, even after a repair."""


class BudgetExceeded(LLMError):
    """The run's dollar budget is spent; no further model call is made."""


@dataclass(frozen=True)
class LLMCallRecord:
    """One HTTP attempt to a model, as the archive stores it."""

    role: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    latency_s: float
    started_at: float
    """Unix time the attempt started."""
    attempt: int
    """1 for the first try of a call, 2 for its first retry, ..."""
    error: str | None = None
    cost_known: bool = True
    """False when neither config prices nor litellm's cost map know the model (cost 0)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Reply:
    content: str | None
    tool_calls: list[dict[str, Any]]
    """OpenAI format: {"id", "type": "function", "function": {"name", "arguments": JSON text}}."""
    finish_reason: str | None
    tokens_in: int
    tokens_out: int
    cost_usd: float
    cost_known: bool
    model: str
    response: dict[str, Any] = field(repr=False)
    """The full OpenAI-format chat completion, as the gateway hands it to agents."""


OnCall = Callable[[LLMCallRecord], None]


class RunBudget:
    """Dollars spent by every client of a run; thread-safe, shared by `LLMClient.with_on_call`."""

    def __init__(self, limit_usd: float | None) -> None:
        self.limit_usd = limit_usd
        self._spent = 0.0
        self._lock = threading.Lock()

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return self._spent

    def add(self, usd: float) -> None:
        with self._lock:
            self._spent += usd

    def check(self) -> None:
        spent = self.spent_usd
        if self.limit_usd is not None and spent >= self.limit_usd:
            raise BudgetExceeded(
                f"run LLM budget spent: ${spent:.4f} of ${self.limit_usd:.4f} "
                "(raise llm.run_budget_usd to continue)"
            )


class LLMClient:
    def __init__(
        self,
        models: ModelsSection,
        llm: LLMSection,
        on_call: OnCall,
        *,
        run_budget: RunBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.models = models
        self.llm = llm
        self.on_call = on_call
        self.run_budget = run_budget or RunBudget(llm.run_budget_usd)
        self._sleep = sleep
        self._prices = {p.model: p for p in llm.prices}

    def with_on_call(self, on_call: OnCall) -> LLMClient:
        """The same client reporting to another callback (e.g. one that knows the node id);
        the run budget stays shared."""
        return LLMClient(
            self.models, self.llm, on_call, run_budget=self.run_budget, sleep=self._sleep
        )

    def warm_up(self) -> None:
        """Import litellm now (seconds) rather than inside the first call's latency."""
        _litellm()

    def model_for(self, role: str) -> str:
        if role not in ROLES:
            raise LLMConfigError(f"unknown model role '{role}'; roles are: {', '.join(ROLES)}")
        model = getattr(self.models, role)
        if not model:
            raise LLMConfigError(
                f"no model configured for role '{role}': set models.{role} "
                f"(e.g. GODELBOX_MODELS__{role.upper()}=openai/gpt-4o-mini)"
            )
        return model

    def complete(
        self,
        role: str,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> Reply:
        """One chat completion for `role`, retried on transient failures. `options` are extra
        OpenAI request fields (temperature, max_tokens, tool_choice, ...)."""
        model = self.model_for(role)
        litellm = _litellm()
        import openai  # litellm's exceptions all derive from the openai SDK's APIError

        try:
            api_key = api_key_of(self.models, role)
        except EndpointError as exc:
            raise LLMConfigError(str(exc)) from None
        request = dict(options or {})
        if not ({"max_tokens", "max_completion_tokens"} & request.keys()):
            request["max_tokens"] = self.llm.max_output_tokens  # every call is bounded
        last_error = ""
        for attempt in range(1, self.llm.max_retries + 2):
            self.run_budget.check()
            started, clock = time.time(), time.monotonic()
            try:
                response = litellm.completion(
                    model=model,
                    messages=list(messages),
                    tools=list(tools) if tools else None,
                    api_base=api_base_of(self.models, role) or None,
                    api_key=api_key,
                    timeout=self.llm.timeout_s,
                    max_retries=0,  # the openai SDK's own retries would hide attempts from us
                    num_retries=0,
                    drop_params=True,
                    **request,
                )
            except Exception as exc:
                last_error = _redact(f"{type(exc).__name__}: {exc}")
                self._record(role, model, started, clock, attempt, error=last_error)
                if not isinstance(exc, openai.APIError):
                    raise  # not a provider error (litellm maps those): a bug, keep its traceback
                if not _retryable(litellm, exc):
                    raise _config_error(litellm, exc, role, model, last_error) from None
                if attempt <= self.llm.max_retries:
                    self._sleep(self._delay(attempt, exc))
                continue
            reply = self._reply(response, role, model)
            self.run_budget.add(reply.cost_usd)
            self._record(
                role,
                model,
                started,
                clock,
                attempt,
                tokens=(reply.tokens_in, reply.tokens_out),
                cost=(reply.cost_usd, reply.cost_known),
            )
            return reply
        raise LLMUnavailable(
            f"{role} model {model} failed {self.llm.max_retries + 1} times, last: {last_error}; "
            "check the provider's status and models.api_base, or raise llm.max_retries / "
            "llm.timeout_s"
        )

    def complete_json(
        self,
        role: str,
        messages: Sequence[Message],
        schema: type[T],
        *,
        options: Mapping[str, Any] | None = None,
    ) -> T:
        """Ask for a JSON object matching `schema` (the schema is appended as an instruction);
        an unparsable reply gets one repair round (the error is sent back), then LLMOutputError."""
        instruction = json_instruction(schema)
        conversation = [*messages, {"role": "user", "content": instruction}]
        reply = self.complete(role, conversation, options=options)
        try:
            return parse_json_reply(reply.content, schema)
        except ValueError as exc:
            first_error = str(exc)
        conversation += [
            {"role": "assistant", "content": reply.content or ""},
            {
                "role": "user",
                "content": f"Your reply could not be used: {first_error}\n{instruction}",
            },
        ]
        repaired = self.complete(role, conversation, options=options)
        try:
            return parse_json_reply(repaired.content, schema)
        except ValueError as exc:
            raise LLMOutputError(
                f"{role} model {reply.model} did not return valid {schema.__name__} JSON, even "
                f"after one repair attempt: {exc}; try a stronger model for models.{role}"
            ) from None

    def count_tokens(self, role: str, messages: Sequence[Message]) -> int:
        """Prompt tokens as the role's model would count them (tiktoken fallback)."""
        return int(_litellm().token_counter(model=self.model_for(role), messages=list(messages)))

    def context_window(self, role: str) -> int | None:
        """Prompt + answer tokens the role's model takes: its table's `context_window`, else
        litellm's model map, else None (unknown)."""
        endpoint = endpoint_of(self.models, role)
        if endpoint is not None and endpoint.context_window:
            return endpoint.context_window
        try:
            info = _litellm().get_model_info(self.model_for(role))
        except Exception:
            return None
        window = info.get("max_input_tokens") or info.get("max_tokens")
        return int(window) if window else None

    def token_safety(self, role: str) -> float:
        """How much to trust `count_tokens` for the role's model (see godelbox.llm.fit)."""
        try:
            _litellm().get_model_info(self.model_for(role))
        except Exception:
            return UNKNOWN_TOKENIZER_SAFETY
        return KNOWN_TOKENIZER_SAFETY

    def estimate_usd(self, role: str, tokens_in: int, tokens_out: int) -> float:
        """Dollar cost of a call of this size for the role's model (0 when unknown)."""
        model = self.model_for(role)
        if (fixed := self._fixed_price(role, model)) is not None:
            return tokens_in * fixed[0] + tokens_out * fixed[1]
        try:
            cost_in, cost_out = _litellm().cost_per_token(
                model=model, prompt_tokens=tokens_in, completion_tokens=tokens_out
            )
        except Exception:
            return 0.0
        return float(cost_in + cost_out)

    def _fixed_price(self, role: str, model: str) -> tuple[float, float] | None:
        """(input, output) $/token when config fixes it: the role's table, then
        `[[llm.prices]]`, then 0 for a local endpoint; None defers to litellm's cost map."""
        if (price := table_price(self.models, role)) is not None:
            return price
        if (listed := self._prices.get(model)) is not None:
            return listed.input_usd_per_token, listed.output_usd_per_token
        if is_local(self.models, role):
            return 0.0, 0.0
        return None

    def _reply(self, response: Any, role: str, model: str) -> Reply:
        data = response.model_dump()
        choice = (data.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        usage = data.get("usage") or {}
        tokens_in = int(usage.get("prompt_tokens") or 0)
        tokens_out = int(usage.get("completion_tokens") or 0)
        cost, known = self._cost(role, model, response, tokens_in, tokens_out)
        return Reply(
            content=message.get("content"),
            tool_calls=list(message.get("tool_calls") or []),
            finish_reason=choice.get("finish_reason"),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
            cost_known=known,
            model=model,
            response=data,
        )

    def _cost(
        self, role: str, model: str, response: Any, tokens_in: int, tokens_out: int
    ) -> tuple[float, bool]:
        """(dollars, known): config prices (and local endpoints, free) win, then litellm's
        cost map, else (0, False)."""
        if (fixed := self._fixed_price(role, model)) is not None:
            return tokens_in * fixed[0] + tokens_out * fixed[1], True
        try:
            usd = _litellm().completion_cost(completion_response=response, model=model)
        except Exception:
            return 0.0, False
        return float(usd), True

    def _delay(self, attempt: int, exc: Exception) -> float:
        delay = max(self.llm.backoff_s * 2 ** (attempt - 1), _retry_after(exc) or 0.0)
        return min(delay, self.llm.max_backoff_s)

    def _record(
        self,
        role: str,
        model: str,
        started: float,
        clock: float,
        attempt: int,
        *,
        tokens: tuple[int, int] = (0, 0),
        cost: tuple[float, bool] = (0.0, True),
        error: str | None = None,
    ) -> None:
        self.on_call(
            LLMCallRecord(
                role=role,
                model=model,
                tokens_in=tokens[0],
                tokens_out=tokens[1],
                cost_usd=cost[0],
                cost_known=cost[1],
                latency_s=time.monotonic() - clock,
                started_at=started,
                attempt=attempt,
                error=error,
            )
        )


def model_problems(models: ModelsSection) -> list[str]:
    """What stops the configured models from working, one line each (for `godelbox doctor`):
    today, provider key variables missing from the host environment. Makes no network call."""
    litellm = _litellm()
    problems = []
    for role in ROLES:
        model = getattr(models, role)
        try:
            if api_key_of(models, role) is not None:
                continue  # the role's own key variable, or a local server
        except EndpointError as exc:
            problems.append(str(exc))
            continue
        if model and (missing := _missing_keys(litellm, model)):
            problems.append(f"models.{role} = {model}: set {', '.join(missing)} on the host")
    return problems


def json_instruction(schema: type[BaseModel]) -> str:
    """The message `complete_json` appends: callers sizing a prompt count it too."""
    return (
        "Reply with one JSON object (optionally in a ```json fence) matching this JSON "
        f"schema:\n{json.dumps(schema.model_json_schema())}"
    )


def cost_map_knows(model: str) -> bool:
    """Whether litellm's bundled cost map has a price for `model` (it raises for unknowns)."""
    try:
        _litellm().cost_per_token(model=model, prompt_tokens=1, completion_tokens=1)
    except Exception:
        return False
    return True


def parse_json_reply(content: str | None, schema: type[T]) -> T:
    """The first JSON object in `content` (a ```json fence, the whole text, or the outermost
    braces), validated against `schema`. Raises ValueError saying what is wrong."""
    if not content or not content.strip():
        raise ValueError("the reply was empty")
    if "{" not in content:
        raise ValueError("no JSON object found in the reply")
    candidates = [m.group(1) for m in re.finditer(r"```(?:json)?\s*\n(.*?)```", content, re.S)]
    candidates.append(content)
    start, end = content.find("{"), content.rfind("}")
    if 0 <= start < end:
        candidates.append(content[start : end + 1])
    problem = ""
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError as exc:
            problem = f"invalid JSON ({exc})"
            continue
        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"JSON does not match {schema.__name__}: {exc}") from None
    raise ValueError(problem)


def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def _retryable(litellm: Any, exc: Exception) -> bool:
    if isinstance(exc, litellm.Timeout | litellm.APIConnectionError):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in (408, 409, 429) or status >= 500)


def _config_error(litellm: Any, exc: Exception, role: str, model: str, text: str) -> LLMError:
    if isinstance(exc, litellm.AuthenticationError):
        missing = _missing_keys(litellm, model)
        hint = f"set {', '.join(missing)}" if missing else "check the provider's API key variable"
        return LLMConfigError(
            f"{role} model {model}: the provider rejected the API key ({text}); "
            f"{hint} in the host environment"
        )
    if isinstance(exc, litellm.NotFoundError):
        return LLMConfigError(
            f"{role} model {model}: the provider does not know this model ({text}); fix "
            f"models.{role} (litellm names, e.g. openai/gpt-4o-mini) or models.api_base"
        )
    if isinstance(exc, litellm.ContextWindowExceededError):
        return LLMRequestError(
            f"{role} model {model}: the prompt is longer than the model's context ({text}); "
            "send less, or configure a model with a longer context"
        )
    missing = _missing_keys(litellm, model)
    if missing:
        return LLMConfigError(
            f"{role} model {model} failed ({text}); {', '.join(missing)} is not set "
            "in the host environment"
        )
    return LLMRequestError(f"{role} model {model} rejected the request: {text}")


def _missing_keys(litellm: Any, model: str) -> list[str]:
    try:
        return list(litellm.validate_environment(model).get("missing_keys") or [])
    except Exception:
        return []


def _retry_after(exc: Exception) -> float | None:
    """Seconds the provider asked us to wait (Retry-After / retry-after-ms), if any."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.I)


def _redact(text: str) -> str:
    """Scrub the values of secret-looking environment variables (API keys) from `text`."""
    for name, value in os.environ.items():
        if len(value) >= 8 and _SECRET_NAME.search(name) and value in text:
            text = text.replace(value, f"<{name}>")
    return text
