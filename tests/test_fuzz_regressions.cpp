// Replays every input a fuzzer ever failed on (fuzz/regressions/), and the --set seeds, through
// the checks the fuzzers make (fuzz/fuzz_checks.hpp): each must be refused with an InputError
// or load, run and render. Runs in the normal suite and under the sanitizers.
#include <catch2/catch.hpp>

#include "fuzz_checks.hpp"
#include "test_support.hpp"

namespace {
std::vector<std::string> files_in(const std::string& relative) {
  std::vector<std::string> files;
  if (!std::filesystem::is_directory(test_support::source_path(relative))) return files;  // none saved yet
  for (const auto& entry : std::filesystem::directory_iterator(test_support::source_path(relative))) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}
}  // namespace

TEST_CASE("fuzz regressions: scenario files", "[fuzz][input]") {
  const auto files = files_in("fuzz/regressions/loader");
  CHECK(!files.empty());
  for (const auto& file : files) {
    INFO(file);
    CHECK_NOTHROW(negsim::fuzz::check_scenario(test_support::read_text(file), {}));
  }
}

TEST_CASE("fuzz regressions: --set expressions", "[fuzz][input][overrides]") {
  const std::string base = test_support::read_text(test_support::source_path("tests/valid-base.yaml"));
  auto files = files_in("fuzz/regressions/overrides");
  for (const auto& seed : files_in("fuzz/seeds/overrides")) files.push_back(seed);
  CHECK(!files.empty());
  for (const auto& file : files) {
    INFO(file);
    CHECK_NOTHROW(negsim::fuzz::check_overrides(base, test_support::read_text(file)));
  }
}
