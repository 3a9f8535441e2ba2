"""Each form an issue states a reproduction in becomes checks that fail on the buggy code and pass
on the fixed code (run for real, as the agent runs them), and config is valid."""

import runpy
import subprocess
import sys

import config
import extractors
import localise
import mutators
import prechecks
import pytest
import repro

BUGGY = """def mean(xs):
    return sum(xs) // len(xs)


def slug(text):
    return text.lower().replace(" ", "-") + "-"


def parse(text):
    return int(text) if text else None


def ratio(a, b):
    return a / b
"""
FIXED = """def mean(xs):
    if not xs:
        raise ValueError("no values")
    return sum(xs) / len(xs)


def slug(text):
    return text.lower().replace(" ", "-")


def parse(text):
    if not text:
        raise ValueError("empty")
    return int(text)


def ratio(a, b):
    return a / b if b else 0.0
"""

FORMS = {
    "fenced": """mean() rounds down

```python
from m import mean
assert mean([1, 2]) == 1.5
```
""",
    "expected": """mean() is wrong

```python
from m import mean, slug
total = mean([1, 2])   # expected 1.5, got 1
print(slug("A B"))     # should be a-b
```

    mean([])  # should raise ValueError
""",
    "repl": """Here is a session; it should give:

>>> from m import mean
>>> mean([1, 2])
1.5

And what I get now:

>>> slug("A B")
'a-b-'
>>> mean([])
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
ZeroDivisionError: integer division or modulo by zero

In [1]: mean([3, 4])
Out[1]: 3  # expected 3.5
""",
    "traceback": """Dividing by zero crashes:

```python
from m import ratio
ratio(1, 0)
```

```
Traceback (most recent call last):
  File "report.py", line 2, in <module>
    ratio(1, 0)
  File "/src/m.py", line 14, in ratio
    return a / b
ZeroDivisionError: division by zero
```
""",
    "prose": """`mean([1, 2])` returns 1 but should return 1.5, and `slug("A B")` gives "a-b-"
instead of "a-b". I expected `parse("")` to raise ValueError. Calling `mean()` alone is
not what this is about.
""",
}
"""A problem statement per extractor, in the form that extractor reads."""


def run_checks(tmp_path, source, checks):
    repo = tmp_path / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "m.py").write_text(source)
    script = repro.write(checks, tmp_path)
    results = []
    for index in range(len(checks)):
        done = subprocess.run(
            [sys.executable, str(script), str(index)], cwd=repo, capture_output=True, timeout=60
        )
        results.append(done.returncode == 0)
    return results


@pytest.mark.parametrize("name", extractors.available())
def test_every_extractor_reads_every_form_without_crashing(name):
    for problem in FORMS.values():
        for check in extractors.load(name).extract(problem):
            compile(check, "check", "exec")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_fails_on_the_bug_and_passes_once_fixed(name, tmp_path):
    checks = extractors.load(name).extract(FORMS[name])
    assert checks, f"{name} found nothing in its own form"
    for check in checks:
        compile(check, "check", "exec")
    assert not any(run_checks(tmp_path / "buggy", BUGGY, checks)), checks
    assert all(run_checks(tmp_path / "fixed", FIXED, checks)), checks


def test_expected_comments_become_one_check_per_stated_value():
    checks = extractors.load("expected").extract(FORMS["expected"])
    assert len(checks) == 3
    assert checks[0].endswith("_expect(total, 1.5)\n")
    assert checks[1].endswith("_expect_text((slug(\"A B\")), 'a-b')\n"), checks[1]
    assert "_expect_raises('ValueError'" in checks[2]


def test_prose_needs_a_call_with_values_and_a_marked_expectation():
    prose = extractors.load("prose")
    assert prose.extract("`mean()` should return 1.5 here.") == []
    assert prose.extract("`mean([1, 2])` returns 1 today.") == []
    assert prose.extract("`mean([1, 2])` should be `1.5`.") == ["_expect((mean([1, 2])), 1.5)\n"]
    assert prose.extract("`clamp(5, 0, 3) == 3` should hold.") == ["assert clamp(5, 0, 3) == 3\n"]


def test_fenced_takes_only_python_blocks():
    problem = "```python\nassert 1\n```\n\n```js\nx = 1\n```\n\n```python\nprint('x'\n```\n"
    assert extractors.load("fenced").extract(problem) == ["assert 1\n"]


def test_session_in_the_reporters_words_is_the_bug_not_the_expectation():
    repl = extractors.load("repl")
    (actual,) = repl.extract("Currently I get:\n\n>>> f(3)\n4\n")
    assert "assert (f(3)) != 4" in actual
    (expected,) = repl.extract("It should give:\n\n>>> f(3)\n5\n")
    assert "doctest" in expected and "5" in expected


def test_check_naming_something_missing_is_skipped_not_failed(tmp_path, monkeypatch):
    script = repro.write(["from m import nothing_like_this\n", "assert 1 == 2\n"], tmp_path)
    (tmp_path / "m.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace = runpy.run_path(str(script), run_name="repro_module")
    with pytest.raises(pytest.skip.Exception, match="lacks: cannot import name"):
        namespace["test_godelbox_repro_check_0"]()
    with pytest.raises(AssertionError):
        namespace["test_godelbox_repro_check_1"]()


def test_config_names_exist():
    assert config.FORMULA in localise.FORMULAS
    assert set(config.MUTATORS) <= set(mutators.available())
    assert set(config.REPRO_SOURCES) <= set(extractors.available())
    assert set(config.PRECHECKS) <= set(prechecks.CHECKS)
    assert config.SEARCH_ORDER in ("by_operator", "by_suspiciousness", "by_rank")
    assert config.TOP_LINES >= 1 and config.CANDIDATES_PER_MUTATOR >= 1
