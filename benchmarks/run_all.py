"""``make bench``: every benchmark in turn, each in its own process, then one summary table.

Each runs as ``python -m benchmarks.X`` with quick arguments (the login storm 10 s instead of 15,
the render 2 repetitions instead of 5); its output is streamed as it comes. The summary gives the
exit status, the wall time and the benchmark's last ``ratio`` line (its baseline comparison).
Exit status 1 if any benchmark failed. ``load_records`` (60 s against a server, optionally
PostgreSQL) is not run here: see its own docstring.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.run_all [NAME ...]`` (a subset by name).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

# (module, extra arguments, extra environment)
BENCHES: list[tuple[str, list[str], dict[str, str]]] = [
    ("bench_analyze", [], {}),
    ("bench_sampling", [], {}),
    ("bench_render", [], {"BENCH_REPS": "2"}),
    ("bench_png", [], {}),
    ("bench_preview", [], {}),
    ("bench_drag", [], {}),
    ("bench_memory", [], {}),
    ("bench_upload_memory", [], {}),
    ("bench_login_storm", ["--storm", "30", "--duration", "10"], {}),
]

_RATIO = re.compile(r"\bratio\b", re.IGNORECASE)


def command(name: str, args: list[str]) -> list[str]:
    return [sys.executable, "-m", f"benchmarks.{name}", *args]


def run(name: str, args: list[str], env: dict[str, str]) -> tuple[int, float, str]:
    """Run one benchmark, echoing its output; (exit status, wall seconds, its last line naming a ratio)."""
    print(f"\n=== {name} {' '.join(args)}".rstrip(), flush=True)
    t = time.perf_counter()
    proc = subprocess.Popen(
        command(name, args),
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    ratio = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if _RATIO.search(line):
            ratio = line.strip()
    return proc.wait(), time.perf_counter() - t, ratio


def main(argv: list[str] | None = None) -> int:
    only = set(sys.argv[1:] if argv is None else argv)
    unknown = only - {b[0] for b in BENCHES}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    rows = [(name, *run(name, args, env)) for name, args, env in BENCHES if not only or name in only]
    print(f"\n{'benchmark':20s} {'exit':>4s} {'wall s':>7s}  ratio")
    for name, code, wall, ratio in rows:
        print(f"{name:20s} {code:4d} {wall:7.1f}  {ratio[:100]}")
    failed = [r[0] for r in rows if r[1]]
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          + (f"FAILED: {', '.join(failed)}" if failed else "all passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
