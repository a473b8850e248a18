"""negsim from Python: load a scenario, run it, sweep it, backtest and explain, at C++ speed.

    import negsim
    scenario = negsim.load("scenarios/history/gge-2016-2017.yaml", set={"process.noise": 0.05})
    run = negsim.run(scenario, seed=1)
    run.kind, run.rounds, run.objectors      # the outcome
    run.trace                                # the trace: one dict a record, as trace.jsonl
    run.round_table()                        # rounds.csv: a pandas DataFrame, or numpy arrays
    result = negsim.sweep(scenario, replicates=10000, vary=["process.rule=consensus,consensus-minus-1"])
    result.share("consensus")                # numpy array, one entry per grid cell

Sweeps, backtests and explanations run on all cores with the GIL released. Bad input raises
negsim.InputError (a ValueError) with .file, .line, .column and .key. docs/PYTHON.md has more.
"""

import numpy as _numpy

from . import _negsim
from ._negsim import InputError, Run, RunError, Scenario

__all__ = ["InputError", "RunError", "Scenario", "Run", "Sweep", "load", "run", "sweep", "backtest", "explain",
           "sensitivity", "version", "default_threads", "register_strategy", "load_plugin", "strategies",
           "tournament"]

OUTCOME_KINDS = ("consensus", "consensus_with_dissociations", "adopted_over_objections", "chairs_summary", "vote",
                 "no_consensus")


def version():
    """negsim's version, as `negsim --version` prints it."""
    return _negsim.version()


def default_threads():
    """The cores this process may run on: what threads=0 uses."""
    return _negsim.default_threads()


def load(path, set=None):  # noqa: A002 - `set` mirrors the command line's --set
    """Loads and validates a scenario file; `set` overrides values: {"process.noise": 0.05} or
    ["process.noise=0.05"], exactly as --set. Raises InputError on a bad file or override."""
    return _negsim.load(str(path), set)


def _scenario(scenario, set=None):  # noqa: A002
    if isinstance(scenario, Scenario):
        if set:
            return _negsim.load(scenario.path, list(scenario.overrides) + _negsim_overrides(set))
        return scenario
    return load(scenario, set)


def _negsim_overrides(overrides):
    if isinstance(overrides, dict):
        return [f"{key}={'true' if value is True else 'false' if value is False else value}"
                for key, value in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(item) for item in overrides]


def run(scenario, seed=1, sample=False, set=None):  # noqa: A002
    """Plays one run (a path or a loaded Scenario) with `seed`; with `sample`, the scenario's
    declared uncertainty is drawn from the seed first, as `negsim run --sample`."""
    return _negsim.run(_scenario(scenario, set), int(seed), bool(sample))


def _round_table(self, frame=None):
    """rounds.csv as columns: a pandas DataFrame when pandas is installed (or frame=True),
    otherwise a dict of numpy float arrays (frame=False). Empty cells are NaN."""
    columns = self.round_columns
    if frame is False:
        return columns
    try:
        import pandas
    except ImportError:
        if frame:
            raise
        return columns
    table = pandas.DataFrame(columns)
    table["round"] = table["round"].astype(int)
    return table


Run.round_table = _round_table
Run.trace = property(lambda self: self.events, doc="The trace: one dict per record, as in trace.jsonl.")


class Sweep:
    """A sweep's summary (summary.json as a dict in .summary) with numpy views of it."""

    def __init__(self, summary):
        self.table = summary.pop("table")
        self.summary = summary
        self.cells = summary["cells"]

    def __repr__(self):
        return f"<negsim.Sweep {self.summary['scenario']}: {len(self.cells)} cells x {self.summary['replicates']}>"

    def __str__(self):
        return self.table

    def settings(self, key):
        """The value of a varied key in each cell (as written, a string)."""
        return [cell["settings"].get(key) for cell in self.cells]

    def share(self, kind="consensus"):
        """Share of replicates ending in outcome `kind`, one entry per cell."""
        return _numpy.array([cell["outcomes"][kind]["share"] for cell in self.cells])

    def interval(self, kind="consensus"):
        """95% Wilson interval of that share: arrays (low, high), one entry per cell."""
        return (_numpy.array([cell["outcomes"][kind]["low"] for cell in self.cells]),
                _numpy.array([cell["outcomes"][kind]["high"] for cell in self.cells]))

    def objection_share(self, delegation):
        """Share of replicates in which `delegation` objected to the final text, per cell."""
        return _numpy.array([cell["objection_share"][delegation] for cell in self.cells])

    def frame(self):
        """One row per cell: settings, then each outcome's share (pandas DataFrame; needs pandas)."""
        import pandas
        rows = []
        for cell in self.cells:
            row = dict(cell["settings"])
            for kind in OUTCOME_KINDS:
                row[kind] = cell["outcomes"][kind]["share"]
            rows.append(row)
        return pandas.DataFrame(rows)


def sweep(scenario, replicates=1000, seed=1, threads=0, vary=(), sample=True, set=None):  # noqa: A002
    """Runs `replicates` seeded replicates of every cell of the grid `vary` (["key=v1,v2",
    "key=low:high:steps"], as --vary) on `threads` threads (0: all cores), GIL released. The
    same numbers as `negsim sweep` with the same seed, replicates and grid."""
    if isinstance(vary, str):
        vary = [vary]
    return Sweep(_negsim.sweep(_scenario(scenario, set), int(replicates), int(seed), int(threads), list(vary),
                               bool(sample)))


def backtest(directory="scenarios/history", seeds=1000, seed=1, threads=0, sample=True):
    """`negsim backtest DIR --format json` as a dict (its table for people in ["table"])."""
    return _negsim.backtest(str(directory), int(seeds), int(seed), int(threads), bool(sample))


def explain(scenario, seed=1, replicates=1000, threads=0, set=None):  # noqa: A002
    """`negsim explain --format json` as a dict (its text for people in ["text"])."""
    return _negsim.explain(_scenario(scenario, set), int(seed), int(replicates), int(threads))


def _vary_override(expression):
    """--vary key.path=low:high as the command reads it: a uniform range, as an override."""
    key, equals, bounds = str(expression).partition("=")
    parts = bounds.split(":")
    problem = ValueError(f"vary {expression}: sensitivity takes key.path=low:high, a numeric range sampled uniformly")
    if not key or not equals or len(parts) != 2:
        raise problem
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise problem from None
    if not (low < high) or low in (float("inf"), float("-inf")) or high in (float("inf"), float("-inf")):
        raise problem
    return f"{key}={{value: {0.5 * (low + high):.12g}, range: [{low:.12g}, {high:.12g}]}}"


def sensitivity(scenario, samples=1000, seed=1, threads=0, bootstrap=500, objectors=(), set=None,  # noqa: A002
                vary=()):
    """`negsim sensitivity --format json` as a dict (its ranked table in ["table"]): Sobol
    indices of each outcome's probability to every uncertain number the scenario declares, and
    to each `vary` range ("key.path=low:high", uniform, as --vary). A range can also be declared
    with `set`: {"process.noise": "{value: 0.05, range: [0, 0.1]}"}. Costs samples x (d + 2)
    runs, on all cores with the GIL released."""
    overrides = _negsim_overrides(set) if set else []
    for expression in ([vary] if isinstance(vary, str) else list(vary)):
        key = str(expression).partition("=")[0]
        if any(item.partition("=")[0] == key for item in overrides):
            raise ValueError(f"set {key} and vary {key} set the same value; drop one")
        overrides.append(_vary_override(expression))
    return _negsim.sensitivity(_scenario(scenario, overrides or None), int(samples), int(seed), int(threads),
                               int(bootstrap), list(objectors))


def register_strategy(name, strategy, description=""):
    """Registers a Python class as a delegation strategy named `name` (lower-case letters, digits
    and underscores). negsim makes one object of it per seat per run and calls, with a View of
    what the seat may see: support_threshold(view) -> float (optional; default r_max),
    respond(view) -> "support" | "aside" | "object", amend(view) -> None | (issue id or index,
    value) (optional). Name it in a scenario (agent: {model: NAME}), in set=, or in tournament().
    Register before loading scenarios that name it. Slower than C++: every call takes the GIL."""
    _negsim.register_strategy(str(name), strategy, str(description))


def load_plugin(path):
    """Loads a C++ plugin of strategies (docs/PLUGINS.md), as negsim --plugin FILE."""
    _negsim.load_plugin(str(path))


def strategies():
    """Every registered delegation strategy's name, built-ins first."""
    return _negsim.strategies()


def tournament(scenarios, strategies, seats=(), seeds=100, seed=1, threads=0, sample=False):  # noqa: A002
    """negsim tournament: each strategy ("default": the seat's own agent) in each seat (() : every
    seat in turn) of each scenario, `seeds` replicates; returns tournament.json as a dict."""
    if isinstance(scenarios, (str, Scenario)):
        scenarios = [scenarios]
    loaded = [_scenario(item) for item in scenarios]
    return _negsim.tournament(loaded, list(strategies), list(seats), int(seeds), int(seed), int(threads), bool(sample))
