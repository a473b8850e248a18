"""Strategies of one's own from Python: a Python class plays a seat (run and tournament), sees
only its view, and a C++ plugin's strategy is loadable from Python too.

Run from the repository root (tools/test python does):
    PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests
"""
import json
import os
import pathlib

import pytest

import negsim

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("NEGSIM_BUILD", ROOT / "build"))
GGE_2015 = ROOT / "scenarios/history/gge-2014-2015.yaml"
GGE_2017 = ROOT / "scenarios/history/gge-2016-2017.yaml"


class AlwaysObject:
    """Objects to every draft; remembers what it was shown."""

    seen = []

    def respond(self, view):
        AlwaysObject.seen.append((view.id, view.round, len(view.record_responses), len(view.draft)))
        return "object"


class Sincere:
    """The built-in sincere rule, written in Python: r_max throughout; red lines and the
    blocking threshold object; support at r_max."""

    def support_threshold(self, view):
        return view.parameters["support_max"]

    def respond(self, view):
        for k, value in enumerate(view.draft):
            if not view.has_reservation(k) and view.crosses_red_line(k, value):
                return "object"
        if view.utility < view.blocking_threshold:
            return "object"
        return "support" if view.utility >= view.support_threshold else "aside"


def register_once(name, strategy):
    if name not in negsim.strategies():
        negsim.register_strategy(name, strategy)


def test_a_python_strategy_plays_a_seat():
    register_once("py_always_object", AlwaysObject)
    AlwaysObject.seen.clear()
    run = negsim.run(GGE_2015, seed=1, set={"delegations.usa.agent.model": "py_always_object"})
    assert "usa" in run.objectors
    assert run.kind not in ("consensus", "consensus_with_dissociations")
    # Asked once a round, with the public record of the rounds before and its own draft.
    assert [seen[1] for seen in AlwaysObject.seen] == list(range(run.rounds))
    assert all(seen[0] == "usa" and seen[2] == seen[1] for seen in AlwaysObject.seen)


def test_a_view_has_no_other_seats_stance():
    names = {name for name in dir(negsim._negsim.View) if not name.startswith("_")}
    assert "utility" in names and "record_responses" in names
    assert not names & {"positions", "salience_of", "thresholds", "utilities", "scenario"}


def test_an_unknown_strategy_is_an_input_error():
    with pytest.raises(negsim.InputError) as error:
        negsim.load(GGE_2015, set={"delegations.usa.agent.model": "py_nonesuch"})
    assert error.value.key == "delegations.usa.agent.model" or "agent.model" in error.value.key


def test_a_python_strategy_in_a_tournament_on_two_threads():
    register_once("py_sincere", Sincere)
    table = negsim.tournament([GGE_2015, GGE_2017], ["py_sincere", "sincere"], seats=["russia"], seeds=6, seed=3,
                              threads=2)
    rows = table["rows"]
    assert [(row["strategy"], row["scenario"]) for row in rows] == [
        ("py_sincere", "gge-2014-2015"), ("py_sincere", "gge-2016-2017"),
        ("sincere", "gge-2014-2015"), ("sincere", "gge-2016-2017")]
    assert all(row["runs"] == 6 for row in rows)
    again = negsim.tournament([GGE_2015, GGE_2017], ["py_sincere", "sincere"], seats=["russia"], seeds=6, seed=3,
                              threads=1)
    assert again["rows"] == rows


def test_an_error_in_a_python_strategy_is_a_run_error():
    class Broken:
        def respond(self, view):
            raise ValueError("no answer")

    register_once("py_broken", Broken)
    with pytest.raises(negsim.RunError, match="py_broken"):
        negsim.run(GGE_2015, seed=1, set={"delegations.usa.agent.model": "py_broken"})


def test_a_plugin_loads_from_python():
    plugin = BUILD / "plugins/libnegsim_sample_plugin.so"
    if "holdout" not in negsim.strategies():
        negsim.load_plugin(plugin)
    run = negsim.run(GGE_2015, seed=1, set={"delegations.russia.agent.model": "holdout"})
    assert run.rounds >= 1


def test_a_python_strategy_in_every_seat_of_the_historical_library():
    """The sincere rule written in Python, seated in turn in every seat of every recorded case:
    the table is pinned (tests/golden/tournament-library-python.json; NEGSIM_UPDATE_GOLDEN=1
    rewrites it). It is not the built-in sincere agent's table: a Python seat answers once a
    round from the blocking threshold at the start of the poll, while the built-in agents answer
    together, each objection raising the others' cost of objecting alone (MODEL.md)."""
    register_once("py_sincere", Sincere)
    cases = sorted(path for path in (ROOT / "scenarios/history").glob("*.yaml"))
    assert len(cases) >= 12
    table = negsim.tournament(cases, ["py_sincere"], seeds=1, seed=1, threads=2)
    rows = table["rows"]
    assert len(rows) > 200
    pinned = [{key: (round(value, 6) if isinstance(value, float) else value)
               for key, value in row.items() if not key.endswith("_interval")} for row in rows]
    path = ROOT / "tests/golden/tournament-library-python.json"
    if os.environ.get("NEGSIM_UPDATE_GOLDEN"):
        path.write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n")
    assert pinned == json.loads(path.read_text())
    # Not a table of one answer: the library's rooms end differently.
    assert 0 < sum(row["agreements"] for row in rows) < len(rows)
    # The per-strategy summary pools the rows.
    [summary] = table["summary"]
    assert summary["strategy"] == "py_sincere"
    assert summary["runs"] == len(rows)
    assert summary["agreements"] == sum(row["agreements"] for row in rows)
    low, high = summary["utility_interval"]
    assert low < summary["mean_utility"] < high
