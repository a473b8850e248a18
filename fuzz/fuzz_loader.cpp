// libFuzzer target: a whole scenario file through the YAML loader and validator.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  negsim::fuzz::check_scenario(std::string(reinterpret_cast<const char*>(data), size), {});
  return 0;
}
