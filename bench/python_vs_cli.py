#!/usr/bin/env python3
"""The Python package against the command line on the same sweep (issue 15's bar: Python no
more than 10% slower). Times a 10,000-replicate sweep of the 2017 GGE both ways, alternating,
and prints the median of each and their ratio; exits 1 when Python is more than 10% slower.

    cmake --build build --target bench_python        # or:
    PYTHONPATH=build/python /usr/bin/python3 bench/python_vs_cli.py [--replicates N] [--repeats N]

With --smoke (ctest: "the Python benchmark runs once (smoke test)") it only checks that both
ways run and prints their times, whatever the ratio: a few hundred replicates say nothing about it.

The command line's time is its whole process as a user waits for it (start, load, sweep, writing
its directory); Python's is the call negsim.sweep() in a running interpreter.
"""
import argparse
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--scenario", default=str(ROOT / "scenarios/history/gge-2016-2017.yaml"))
    parser.add_argument("--replicates", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="check only that both run; exit 0 whatever the ratio")
    arguments = parser.parse_args()
    sys.path.insert(0, str(pathlib.Path(arguments.build) / "python"))
    import negsim

    command = pathlib.Path(arguments.build) / "negsim"
    work = pathlib.Path(tempfile.mkdtemp(prefix="negsim-bench-python-"))
    cli_seconds, python_seconds = [], []
    try:
        for repeat in range(arguments.repeats):
            out = work / f"sweep-{repeat}"
            started = time.perf_counter()
            subprocess.run([str(command), "sweep", arguments.scenario, "--replicates", str(arguments.replicates),
                            "--threads", str(arguments.threads), "--out", str(out), "--quiet"], check=True)
            cli_seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = negsim.sweep(arguments.scenario, replicates=arguments.replicates, threads=arguments.threads)
            python_seconds.append(time.perf_counter() - started)
            assert result.cells[0]["replicates"] == arguments.replicates
    finally:
        shutil.rmtree(work)
    cli, python = statistics.median(cli_seconds), statistics.median(python_seconds)
    threads = arguments.threads or negsim.default_threads()
    print(f"{arguments.replicates} replicates of {pathlib.Path(arguments.scenario).name}, {threads} threads, "
          f"median of {arguments.repeats} ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    print(f"  command line  {cli:.3f} s   ({', '.join(f'{s:.3f}' for s in cli_seconds)})")
    print(f"  Python        {python:.3f} s   ({', '.join(f'{s:.3f}' for s in python_seconds)})")
    print(f"  Python / command line = {python / cli:.3f}")
    return 0 if arguments.smoke or python <= 1.10 * cli else 1


if __name__ == "__main__":
    sys.exit(main())
