#include "negsim/errors.hpp"

#include <utility>

namespace negsim {

namespace {
std::string format_input_error(const std::string& file, int line, int column, const std::string& key_path,
                               const std::string& message) {
  std::string text = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
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

}  // namespace negsim
