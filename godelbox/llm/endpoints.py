"""Per-role model endpoints: where a role's model is served, with which key, at what price.

`models.<role>` is a litellm model name or a `ModelEndpoint` table (see godelbox.config). The
rules that follow from it live here so `eval`, the loop and `doctor` apply the same ones:
- a role's base URL is its table's `api_base`, else `models.api_base`, else the provider's;
- its key is read on the host from the table's `api_key_env` (never from config, never sent to a
  sandbox); a local endpoint without one gets a placeholder key (local servers ignore it);
- a model is *local* when its table says so or the table's base URL is a loopback address: calls
  to it cost nothing, so it needs no price (the global `models.api_base` never makes a model
  local: a loopback proxy may well front a paid provider);
- with a dollar budget set, every configured role must be priced (its table, `[[llm.prices]]`,
  or litellm's cost map) or local, else the budget could never be reached and the run is refused.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from urllib.parse import urlsplit

from godelbox.config import MODEL_ROLES, Config, ModelEndpoint, ModelsSection
from godelbox.errors import UserError

LOCAL_PLACEHOLDER_KEY = "godelbox-local"
"""Sent to local OpenAI-compatible servers that need *a* key but check none."""


class EndpointError(UserError):
    """A role's endpoint cannot be used as configured."""


def endpoint_of(models: ModelsSection, role: str) -> ModelEndpoint | None:
    """The role's table, or None when it was given as a plain name (or not at all)."""
    return models.endpoints.get(role)


def api_base_of(models: ModelsSection, role: str) -> str:
    endpoint = endpoint_of(models, role)
    return (endpoint.api_base if endpoint else "") or models.api_base


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local(models: ModelsSection, role: str) -> bool:
    endpoint = endpoint_of(models, role)
    if endpoint is None:
        return False
    if endpoint.local is not None:
        return endpoint.local
    return bool(endpoint.api_base) and is_loopback_url(endpoint.api_base)


def api_key_of(
    models: ModelsSection, role: str, environ: dict[str, str] | None = None
) -> str | None:
    """The key to send for `role`, or None to let litellm read the provider's usual variable."""
    environ = dict(os.environ) if environ is None else environ
    endpoint = endpoint_of(models, role)
    if endpoint is not None and endpoint.api_key_env:
        value = environ.get(endpoint.api_key_env)
        if not value:
            raise EndpointError(
                f"models.{role}.api_key_env names {endpoint.api_key_env}, which is not set in "
                "the host environment; export it (it never enters a sandbox)"
            )
        return value
    if is_local(models, role):
        return LOCAL_PLACEHOLDER_KEY
    return None


def table_price(models: ModelsSection, role: str) -> tuple[float, float] | None:
    """(input, output) dollars per token from the role's table, when it has both."""
    endpoint = endpoint_of(models, role)
    if endpoint is None:
        return None
    if endpoint.input_usd_per_token is None or endpoint.output_usd_per_token is None:
        return None
    return endpoint.input_usd_per_token, endpoint.output_usd_per_token


def unpriced_roles(config: Config, has_cost_map_price: Callable[[str], bool]) -> list[str]:
    """Configured roles whose cost is unknowable: no table price, no `[[llm.prices]]`, not in
    litellm's cost map (`has_cost_map_price(model)`), and not local."""
    models = config.models
    listed = {price.model for price in config.llm.prices}
    missing = []
    for role in MODEL_ROLES:
        model = getattr(models, role)
        if not model or is_local(models, role) or table_price(models, role) is not None:
            continue
        if model in listed or has_cost_map_price(model):
            continue
        missing.append(role)
    return missing


def check_budget_can_be_enforced(
    config: Config, has_cost_map_price: Callable[[str], bool], where: str
) -> None:
    """Refuse a dollar budget that unpriced, non-local models would make meaningless."""
    budget = config.llm.run_budget_usd
    if budget is None:
        return
    roles = unpriced_roles(config, has_cost_map_price)
    if not roles:
        return
    named = ", ".join(f"models.{role} = {getattr(config.models, role)}" for role in roles)
    raise EndpointError(
        f"{where}: llm.run_budget_usd is ${budget:g} but no price is known for {named}, so the "
        "budget could not be enforced (every call would count as $0). Give the role a table with "
        "input_usd_per_token and output_usd_per_token, add a [[llm.prices]] table for the model, "
        "mark a self-hosted endpoint `local = true`, or drop the budget"
    )
