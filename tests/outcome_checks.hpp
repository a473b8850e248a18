// Checks that two runs ended alike, shared by the tests of engine reuse (test_sweep.cpp) and of
// checkpoints (test_checkpoints.cpp).
#pragma once

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "negsim/engine.hpp"

namespace test_support {

inline void check_same_records(const std::vector<negsim::ObjectionRecord>& a,
                               const std::vector<negsim::ObjectionRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t j = 0; j < a.size(); ++j) {
    CHECK(a[j].delegation == b[j].delegation);
    CHECK(a[j].issues == b[j].issues);
    CHECK(a[j].red_lines_crossed == b[j].red_lines_crossed);
  }
}

// Every field of the outcome, the draft to the last bit.
inline void check_same_outcome(const negsim::Outcome& a, const negsim::Outcome& b) {
  CHECK(a.kind == b.kind);
  CHECK(a.rounds == b.rounds);
  CHECK(a.decided_round == b.decided_round);
  REQUIRE(a.draft.size() == b.draft.size());
  CHECK(std::memcmp(a.draft.data(), b.draft.data(), sizeof(double) * static_cast<std::size_t>(b.draft.size())) == 0);
  CHECK(a.responses == b.responses);
  check_same_records(a.objectors, b.objectors);
  check_same_records(a.dissociators, b.dissociators);
  check_same_records(a.reservations, b.reservations);
  CHECK(a.moved_to_chairs_summary == b.moved_to_chairs_summary);
  CHECK(a.overruled == b.overruled);
  CHECK(a.pivotal == b.pivotal);
  CHECK(a.contested_issues == b.contested_issues);
  CHECK(a.interrupted == b.interrupted);
  REQUIRE(a.vote.has_value() == b.vote.has_value());
  if (a.vote) {
    CHECK(a.vote->yes == b.vote->yes);
    CHECK(a.vote->no == b.vote->no);
    CHECK(a.vote->abstain == b.vote->abstain);
    CHECK(a.vote->adopted == b.vote->adopted);
    CHECK(a.vote->ballots == b.vote->ballots);
  }
}

}  // namespace test_support
