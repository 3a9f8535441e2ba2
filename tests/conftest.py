"""Shared pytest plugins: each fixture module documents itself at its top."""

pytest_plugins = [
    "tests.fixtures.fake_llm",
    "tests.fixtures.docker_engine",
    "tests.fixtures.postgres",
    "tests.fixtures.local_model",
    "tests.fixtures.needs",
]
