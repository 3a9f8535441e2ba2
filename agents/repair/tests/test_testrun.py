"""Test runs record outcomes and lines per test, and a looping test fails after its own time
limit instead of taking the whole run down; a looping repro script is stopped by its CPU
limit, not its wall-clock timeout."""

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


def test_looping_repro_script_is_stopped_by_its_cpu_limit(tmp_path):
    # The script notes SIGXCPU (the CPU limit) before it ends; the wall-clock timeout would
    # end it with SIGKILL, which leaves no note.
    note = tmp_path / "xcpu"
    script = tmp_path / "repro.py"
    script.write_text(
        "import signal, sys\n\n\n"
        "def stop(signum, frame):\n"
        f"    open({str(note)!r}, 'w').close()\n"
        "    sys.exit(1)\n\n\n"
        "signal.signal(signal.SIGXCPU, stop)\n"
        "while True:\n"
        "    pass\n"
    )
    assert not testrun.run_script(tmp_path, script, [0], timeout_s=60, cpu_s=1)
    assert note.exists(), "the script ran until the wall-clock timeout"


def test_repro_script_passes_when_every_check_does(tmp_path):
    script = tmp_path / "repro.py"
    script.write_text("import sys\n\nsys.exit(0 if sys.argv[1:] == ['0', '2'] else 1)\n")
    assert testrun.run_script(tmp_path, script, [0, 2], timeout_s=60, cpu_s=2)
    assert not testrun.run_script(tmp_path, script, [1], timeout_s=60, cpu_s=2)
