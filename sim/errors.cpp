#include "negsim/errors.hpp"

#include <algorithm>
#include <utility>

namespace negsim {

namespace {
std::string format_input_error(const std::string& file, int line, int column, const std::string& key_path,
                               const std::string& message) {
  // No position when there is none (line 0): a --set option or a directory has no lines, and
  // "MISSING-DIR:0:0:" or "--set a=b:1:1:" would show the user text they never typed.
  std::string text =
      file + (line > 0 ? ":" + std::to_string(line) + ":" + std::to_string(std::max(column, 1)) : "") + ": ";
  if (!key_path.empty()) text += key_path + ": ";
  return text + message;
}
}  // namespace

InputError::InputError(std::string file, int line, int column, std::string key_path, std::string message)
    : std::runtime_error(format_input_error(file, line, column, key_path, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_path_(std::move(key_path)),
      message_(std::move(message)) {}

namespace {
std::string joined_message(const std::vector<InputError>& problems) {
  std::string text = problems.front().message();
  for (std::size_t j = 1; j < problems.size(); ++j) text += std::string("\n") + problems[j].what();
  return text;
}
}  // namespace

InputErrors::InputErrors(std::vector<InputError> problems)
    : InputError(problems.front().file(), problems.front().line(), problems.front().column(),
                 problems.front().key_path(), joined_message(problems)),
      problems_(std::move(problems)) {}

}  // namespace negsim
