// What the fuzzers check for one input; the regression test (tests/test_fuzz_regressions.cpp)
// replays fuzz/regressions/ through the same functions in the normal suite.
//
// Refusing an input with negsim::InputError is the expected answer to bad input. Anything
// else is a finding: another exception escapes (libFuzzer reports it as a crash), and the
// sanitizers report memory errors, leaks and undefined behaviour. A scenario that loads is
// also played and every output rendered, as `negsim run` would.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/errors.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"
#include "negsim/trace.hpp"

namespace negsim::fuzz {

// The documented limits, with rounds and sizes cut so that playing one input takes
// milliseconds: the fuzzer is after the loader, not after slow but valid runs.
inline LoadLimits fuzz_limits() {
  LoadLimits limits;
  limits.max_rounds = 30;
  limits.max_delegations = 40;
  limits.max_issues = 20;
  return limits;
}

// Plays a loaded scenario to the end and renders every output file in memory.
inline void run_and_render(const Scenario& scenario, std::uint64_t seed) {
  Trace trace(scenario);
  Engine engine(scenario, seed, &trace);
  const Outcome& outcome = engine.run();
  std::string rendered = trace.jsonl();
  rendered += trace.rounds_csv();
  rendered += summary_json(scenario, outcome, seed).dump(2);
  rendered += draft_markdown(scenario, outcome);
  rendered += text_summary(scenario, outcome, "fuzz-output");
  if (rendered.empty()) throw RunError("nothing rendered");
}

// Loads `text` with `overrides`; when it loads, plays it (and one sample of its uncertainty).
inline void check_scenario(const std::string& text, const std::vector<std::string>& overrides) {
  std::optional<Scenario> scenario;
  try {
    scenario = load_scenario_text(text, "fuzz.yaml", overrides, fuzz_limits());
  } catch (const InputError&) {
    return;
  }
  run_and_render(*scenario, 1);
  if (!scenario->uncertainties.empty()) run_and_render(sample_scenario(*scenario, 2), 2);
}

// The --set fuzzer: each line of `data` is one expression (at most 8), applied to `base`.
inline void check_overrides(const std::string& base, const std::string& data) {
  std::vector<std::string> overrides;
  std::size_t start = 0;
  while (start <= data.size() && overrides.size() < 8) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    overrides.push_back(data.substr(start, end - start));
    start = end + 1;
  }
  check_scenario(base, overrides);
}

}  // namespace negsim::fuzz
