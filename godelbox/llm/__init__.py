"""Language models as godelbox reaches them: per-role endpoints, the local llama.cpp server, and
fitting prompts into a model's context window."""
