"""The Python package against the command line: same numbers, same errors, no half answers.

Run from the repository root (tools/test python does):
    PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests
"""
import json
import os
import pathlib
import subprocess
import threading
import time

import numpy
import pytest

import negsim

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("NEGSIM_BUILD", ROOT / "build"))
TEACHING = ROOT / "scenarios/teaching/three-delegations.yaml"
GGE_2017 = ROOT / "scenarios/history/gge-2016-2017.yaml"
OEWG_2021 = ROOT / "scenarios/history/oewg-2019-2021.yaml"  # declares uncertain numbers


def negsim_command(*arguments):
    result = subprocess.run([str(BUILD / "negsim"), *map(str, arguments)], capture_output=True, text=True,
                            check=False)
    return result


def test_load_reports_the_scenario():
    scenario = negsim.load(TEACHING)
    assert scenario.id == "three-delegations"
    assert scenario.delegations == ["north", "south", "east"]
    assert scenario.issues == ["water_share", "monitoring"]
    assert negsim.load(OEWG_2021).uncertain, "the OEWG file declares uncertain numbers"


def test_run_matches_the_command_line_summary(tmp_path):
    run = negsim.run(TEACHING, seed=3)
    assert run.kind == "consensus_with_dissociations"
    assert run.rounds == 3 and run.decided_round == 3
    assert run.objectors == [] and run.dissociators == ["north"]
    out = tmp_path / "run"
    assert negsim_command("run", TEACHING, "--seed", 3, "--out", out, "--quiet").returncode == 0
    assert run.summary == json.loads((out / "summary.json").read_text())
    # The trace is trace.jsonl, record for record.
    lines = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    assert run.trace == lines


def test_round_table_is_rounds_csv_as_numbers(tmp_path):
    run = negsim.run(TEACHING, seed=1)
    columns = run.round_table(frame=False)
    assert isinstance(columns["round"], numpy.ndarray) and columns["round"].dtype == numpy.float64
    numpy.testing.assert_array_equal(columns["round"], [1, 2, 3])
    out = tmp_path / "run"
    negsim_command("run", TEACHING, "--seed", 1, "--out", out, "--quiet")
    rows = [line.split(",") for line in (out / "rounds.csv").read_text().splitlines()]
    assert list(columns) == rows[0]
    for c, name in enumerate(rows[0]):
        expected = [float(row[c]) if row[c] else numpy.nan for row in rows[1:]]
        numpy.testing.assert_array_equal(columns[name], expected)


def test_round_table_is_a_data_frame_with_pandas():
    pandas = pytest.importorskip("pandas")
    table = negsim.run(TEACHING, seed=1).round_table()
    assert isinstance(table, pandas.DataFrame) and list(table["round"]) == [1, 2, 3]


def test_overrides_as_dict_or_list_and_the_same_as_set(tmp_path):
    as_dict = negsim.run(GGE_2017, seed=2, set={"process.rule": "consensus-minus-3"})
    as_list = negsim.run(negsim.load(GGE_2017, set=["process.rule=consensus-minus-3"]), seed=2)
    assert as_dict.summary == as_list.summary
    out = tmp_path / "run"
    negsim_command("run", GGE_2017, "--seed", 2, "--set", "process.rule=consensus-minus-3", "--out", out, "--quiet")
    assert as_dict.summary == json.loads((out / "summary.json").read_text())


def test_sweep_gives_the_command_lines_numbers(tmp_path):
    vary = ["delegations.south.red_lines.water_share.min=0.2:0.8:4"]
    result = negsim.sweep(TEACHING, replicates=300, seed=5, threads=2, vary=vary, set={"process.noise": 0.05})
    out = tmp_path / "sweep"
    command = negsim_command("sweep", TEACHING, "--replicates", 300, "--seed", 5, "--vary", vary[0], "--set",
                             "process.noise=0.05", "--out", out, "--quiet")
    assert command.returncode == 0, command.stderr
    assert result.summary == json.loads((out / "summary.json").read_text())
    assert result.settings(vary[0].split("=")[0]) == ["0.2", "0.4", "0.6", "0.8"]
    shares = sum(result.share(kind) for kind in negsim.OUTCOME_KINDS)
    numpy.testing.assert_allclose(shares, 1.0, atol=1e-5)
    low, high = result.interval("consensus_with_dissociations")
    assert (low <= result.share("consensus_with_dissociations")).all()
    assert (result.share("consensus_with_dissociations") <= high).all()


def test_sweep_is_the_same_on_one_thread_and_many():
    one = negsim.sweep(OEWG_2021, replicates=200, seed=9, threads=1)
    many = negsim.sweep(OEWG_2021, replicates=200, seed=9, threads=4)
    assert one.summary == many.summary


def test_sweep_releases_the_gil():
    # While one long sweep runs in this thread, another Python thread keeps running: it stamps
    # times, and only stamps taken strictly inside the sweep count. With the GIL held through the
    # sweep, none could be (the count does not depend on how fast the machine runs the sweep).
    stamps = []
    done = threading.Event()

    def count():
        while not done.is_set():
            stamps.append(time.monotonic())
            done.wait(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    started = time.monotonic()
    negsim.sweep(GGE_2017, replicates=20000, threads=1)
    ended = time.monotonic()
    done.set()
    counter.join()
    inside = [stamp for stamp in stamps if started < stamp < ended]
    assert len(inside) >= 10, f"{len(inside)} stamps in a sweep of {ended - started:.3f} s"


def test_backtest_and_explain_are_the_commands_json():
    report = negsim.backtest(ROOT / "scenarios/history", seeds=20, threads=2)
    command = negsim_command("backtest", ROOT / "scenarios/history", "--seeds", 20, "--threads", 2, "--format", "json")
    expected = json.loads(command.stdout)
    assert [row["scenario"] for row in report["scenarios"]] == [row["scenario"] for row in expected["scenarios"]]
    assert report["scenarios"] == expected["scenarios"]
    explanation = negsim.explain(TEACHING, seed=1, replicates=50)
    command = negsim_command("explain", TEACHING, "--seed", 1, "--replicates", 50, "--format", "json")
    assert {k: v for k, v in explanation.items() if k != "text"} == json.loads(command.stdout)
    assert "north" in explanation["text"]


def test_bad_input_is_an_input_error_with_its_place(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEACHING.read_text().replace("outside_option: 0.", "outside_option: x0.", 1))
    with pytest.raises(negsim.InputError) as caught:
        negsim.load(broken)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.file == str(broken) and error.line > 1 and error.column > 1
    assert error.key.startswith("delegations[") and error.key.endswith("outside_option")
    with pytest.raises(negsim.InputError) as caught:
        negsim.load(TEACHING, set={"process.noise": "loud"})
    assert caught.value.key == "process.noise"
    with pytest.raises(negsim.InputError):
        negsim.sweep(TEACHING, replicates=10, vary=["process.rule"])
    with pytest.raises(negsim.InputError):
        negsim.load(tmp_path / "missing.yaml")


def test_sensitivity_is_the_commands_json(tmp_path):
    ranges = {"process.noise": 0, "delegations.south.outside_option": "{value: 0.98, range: [0.95, 1]}",
              "delegations.north.susceptibility": "{value: 0.5, range: [0, 1]}"}
    result = negsim.sensitivity(TEACHING, samples=300, bootstrap=50, threads=2, set=ranges)
    out = tmp_path / "sensitivity"
    arguments = [item for key, value in ranges.items() for item in ("--set", f"{key}={value}")]
    command = negsim_command("sensitivity", TEACHING, *arguments, "--samples", 300, "--bootstrap", 50, "--out", out,
                             "--quiet")
    assert command.returncode == 0, command.stdout + command.stderr
    assert {k: v for k, v in result.items() if k != "table"} == json.loads((out / "summary.json").read_text())
    assert result["runs"] == 300 * 4
    blocked = next(output for output in result["outputs"] if output["output"] == "outcome=no_consensus")
    assert blocked["indices"][0]["key"] == "delegations.south.outside_option"


def test_sensitivity_vary_is_the_commands(tmp_path):
    ranges = {"process.noise": 0, "delegations.south.outside_option": "{value: 0.98, range: [0.95, 1]}"}
    vary = ["delegations.north.susceptibility=0:1"]
    result = negsim.sensitivity(TEACHING, samples=200, bootstrap=20, threads=2, set=ranges, vary=vary)
    out = tmp_path / "sensitivity"
    arguments = [item for key, value in ranges.items() for item in ("--set", f"{key}={value}")]
    command = negsim_command("sensitivity", TEACHING, *arguments, "--vary", vary[0], "--samples", 200, "--bootstrap",
                             20, "--out", out, "--quiet")
    assert command.returncode == 0, command.stdout + command.stderr
    assert {k: v for k, v in result.items() if k != "table"} == json.loads((out / "summary.json").read_text())
    assert "delegations.north.susceptibility" in json.dumps(result)
    with pytest.raises(ValueError, match="low:high"):
        negsim.sensitivity(TEACHING, samples=10, vary=["process.noise=0.1"])
    with pytest.raises(ValueError, match="same value"):
        negsim.sensitivity(TEACHING, samples=10, set={"process.noise": 0}, vary=["process.noise=0:0.1"])
