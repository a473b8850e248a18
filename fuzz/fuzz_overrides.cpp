// libFuzzer target: --set expressions (one a line of the input) on the valid base scenario
// tests/valid-base.yaml, which every expression can reach.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz_checks.hpp"

namespace {
const std::string& base_scenario() {
  static const std::string text = [] {
    std::ifstream in(NEGSIM_FUZZ_BASE, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }();
  return text;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  negsim::fuzz::check_overrides(base_scenario(), std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
