"""Every extractor turns a problem statement into checks that compile, and config is valid."""

import config
import extractors
import localise
import mutators
import prechecks
import pytest

PROBLEM = """clamp() lets values through

```python
from m import clamp
assert clamp(5, 0, 3) == 3
```

>>> from m import clamp
>>> clamp(-1, 0, 3)
0

```python
print("unbalanced"
```
"""


@pytest.mark.parametrize("name", extractors.available())
def test_extractor_yields_compilable_checks(name):
    checks = extractors.load(name).extract(PROBLEM)
    assert checks
    for check in checks:
        compile(check, "check", "exec")


def test_fenced_takes_only_python_blocks():
    assert extractors.load("fenced").extract(PROBLEM) == [
        "from m import clamp\nassert clamp(5, 0, 3) == 3\n"
    ]


def test_config_names_exist():
    assert config.FORMULA in localise.FORMULAS
    assert set(config.MUTATORS) <= set(mutators.available())
    assert set(config.REPRO_SOURCES) <= set(extractors.available())
    assert set(config.PRECHECKS) <= set(prechecks.CHECKS)
    assert config.SEARCH_ORDER in ("by_operator", "by_suspiciousness")
    assert config.TOP_LINES >= 1 and config.MAX_CANDIDATES >= 1
