// Randomness with one master seed. Every draw is a pure function of (seed, stream key, counter),
// so results do not depend on thread count, rank count or the order delegations are listed in.
// The same build gives the same bytes; another C library's log/cos may round differently.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace negsim {

// One SplitMix64 step (Steele, Lea & Flood 2014): add the golden gamma, then mix. Bijective.
inline std::uint64_t mix64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

// FNV-1a of a string, to key streams by delegation id rather than by position in the file.
inline std::uint64_t hash_text(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// The seed of replicate `index` in a sweep started with `master_seed`.
inline std::uint64_t derive_seed(std::uint64_t master_seed, std::uint64_t index) {
  return mix64(mix64(master_seed) ^ mix64(index + 0x632be59bd9b4e019ULL));
}

// A small sequential generator (SplitMix64 stream) for sampling a scenario's uncertainty.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(mix64(seed)) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Standard normal by Box-Muller, written out rather than std::normal_distribution, whose
  // algorithm differs between standard libraries.
  double normal() {
    const double u1 = 1.0 - uniform();  // in (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace negsim
