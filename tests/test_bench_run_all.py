"""``make bench`` (benchmarks/run_all.py): each benchmark in its own process, a summary, non-zero on a failure."""

from __future__ import annotations

import sys

from benchmarks import run_all


def test_summary_and_exit_status(monkeypatch, capsys):
    scripts = {
        "good": "print('x'); print('ratio: ours 3.0x the baseline'); print('done')",
        "bad": "print('ratio 1.0x'); raise SystemExit(3)",
    }
    monkeypatch.setattr(run_all, "BENCHES", [("good", ["--quick"], {}), ("bad", [], {"BENCH_REPS": "1"})])
    monkeypatch.setattr(run_all, "command", lambda name, args: [sys.executable, "-c", scripts[name], *args])
    assert run_all.main([]) == 1
    out = capsys.readouterr().out
    assert "=== good --quick" in out and "done" in out  # streamed
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("good ", "bad "))}
    assert rows["good"].split()[1] == "0" and rows["good"].endswith("ratio: ours 3.0x the baseline")
    assert rows["bad"].split()[1] == "3"
    assert "FAILED: bad" in out
    assert run_all.main(["good"]) == 0


def test_unknown_name_is_refused(capsys):
    assert run_all.main(["bench_nothing"]) == 2
    assert "bench_nothing" in capsys.readouterr().err


def test_every_benchmark_with_a_main_is_run():
    from pathlib import Path

    folder = Path(run_all.__file__).parent
    with_main = {p.stem for p in folder.glob("bench_*.py") if '__name__ == "__main__"' in p.read_text()}
    assert with_main == {b[0] for b in run_all.BENCHES}
