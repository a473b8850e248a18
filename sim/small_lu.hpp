// LU factorisation with partial pivoting for the maximin solver's small systems (docs/MODEL.md
// section 7). Up to kSmallLuMax unknowns it performs Eigen 3.4's PartialPivLU operations in the
// same order (the unblocked factorisation Eigen uses up to 16 unknowns; one panel of its
// triangular solves, 8 wide), so its solutions are bit-for-bit Eigen's, without Eigen's
// allocations and its L1 norm (for a condition estimate no one asks for). Larger systems go to
// Eigen itself. tests/test_chair_solvers.cpp checks the two agree bit for bit.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <cstddef>
#include <utility>

namespace negsim {

constexpr int kSmallLuMax = 8;
constexpr std::size_t kSmallLuCells = static_cast<std::size_t>(kSmallLuMax) * static_cast<std::size_t>(kSmallLuMax);

class SmallLu {
 public:
  void compute(const Eigen::Ref<const Eigen::MatrixXd>& matrix) {
    size_ = static_cast<int>(matrix.rows());
    if (size_ > kSmallLuMax) {
      large_.compute(matrix);
      return;
    }
    const int n = size_;
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) at(i, j) = matrix(i, j);
    }
    for (int k = 0; k < n; ++k) {
      // The pivot: the first largest |entry| of column k on or below the diagonal.
      int pivot = k;
      double largest = std::abs(at(k, k));
      for (int i = k + 1; i < n; ++i) {
        if (std::abs(at(i, k)) > largest) {
          largest = std::abs(at(i, k));
          pivot = i;
        }
      }
      transpositions_[static_cast<std::size_t>(k)] = pivot;
      if (largest != 0) {  // a zero pivot leaves the column as it is (Eigen: the factorisation goes on)
        if (pivot != k) {
          for (int j = 0; j < n; ++j) std::swap(at(k, j), at(pivot, j));
        }
        const double diagonal = at(k, k);
        for (int i = k + 1; i < n; ++i) at(i, k) /= diagonal;
      }
      for (int j = k + 1; j < n; ++j) {
        const double row = at(k, j);
        for (int i = k + 1; i < n; ++i) at(i, j) -= row * at(i, k);
      }
    }
  }

  // solution = A^-1 right: the row transpositions, then L (unit lower), then U. `solution` has
  // the size of `right` (and may not be it).
  void solve(const Eigen::Ref<const Eigen::VectorXd>& right, Eigen::Ref<Eigen::VectorXd> solution) const {
    if (size_ > kSmallLuMax) {
      solution = large_.solve(right);
      return;
    }
    const int n = size_;
    solution = right;
    for (int k = 0; k < n; ++k) std::swap(solution(k), solution(transpositions_[static_cast<std::size_t>(k)]));
    for (int i = 0; i < n; ++i) {
      const double value = solution(i);
      if (value == 0) continue;
      for (int j = i + 1; j < n; ++j) solution(j) -= value * at(j, i);
    }
    for (int i = n - 1; i >= 0; --i) {
      if (solution(i) == 0) continue;
      solution(i) /= at(i, i);
      const double value = solution(i);
      for (int j = 0; j < i; ++j) solution(j) -= value * at(j, i);
    }
  }

 private:
  static std::size_t cell(int i, int j) {
    return static_cast<std::size_t>(i) + static_cast<std::size_t>(j) * static_cast<std::size_t>(kSmallLuMax);
  }
  double& at(int i, int j) { return lu_[cell(i, j)]; }
  double at(int i, int j) const { return lu_[cell(i, j)]; }

  int size_ = 0;
  std::array<double, kSmallLuCells> lu_{};  // column-major, leading dimension kSmallLuMax
  std::array<int, static_cast<std::size_t>(kSmallLuMax)> transpositions_{};
  Eigen::PartialPivLU<Eigen::MatrixXd> large_;
};

}  // namespace negsim
