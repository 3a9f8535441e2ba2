"""Shared pytest plugins: each fixture module documents itself at its top."""

import os

pytest_plugins = [
    "tests.fixtures.fake_llm",
    "tests.fixtures.docker_engine",
    "tests.fixtures.postgres",
    "tests.fixtures.local_model",
    "tests.fixtures.needs",
]

# The evaluation cache is shared by everything on the machine: a test that evaluates must run
# what it tests. Tests of the cache turn it on explicitly, with a directory of their own.
os.environ["GODELBOX_CACHE__ENABLED"] = "false"
