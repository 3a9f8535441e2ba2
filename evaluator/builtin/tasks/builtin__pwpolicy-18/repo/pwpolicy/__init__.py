"""Password strength rules for sign-up forms."""

from pwpolicy.policy import is_strong, problems

__all__ = ["is_strong", "problems"]
