"""Test runs record outcomes and lines per test, and a looping test fails after its own time
limit instead of taking the whole run down."""

import testrun


def test_looping_test_fails_alone_and_others_still_run(tmp_path):
    source = "def spin():\n    while True:\n        pass\n\n\ndef one():\n    return 1\n"
    (tmp_path / "m.py").write_text(source)
    (tmp_path / "test_m.py").write_text(
        "from m import one, spin\n\n\ndef test_spin():\n    spin()\n\n\n"
        "def test_one():\n    assert one() == 1\n"
    )
    result = testrun.run_suite(
        tmp_path, [str(tmp_path)], trace=True, timeout_s=60, test_timeout_s=1.0
    )
    assert not result.timed_out
    assert result.outcomes == {"test_m.py::test_spin": "failed", "test_m.py::test_one": "passed"}
    assert result.lines["test_m.py::test_one"]["m.py"] == [6, 7]
