"""Programs copied into grading sandboxes, each run there as `python3 -I -B FILE`.

They use the standard library only and never import godelbox (the sandbox has no godelbox);
the host imports them only to unit-test pure helpers. See docs/integrity.md for why each one
exists: `supervise` delivers every verdict, `pytest_session` runs pytest with the reporter,
`humaneval_check` runs HumanEval's checks in a process the answer's code never enters.
"""
