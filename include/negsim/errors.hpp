// Typed errors. Bad input (exit 2) carries where in which file it was found;
// failures while running or writing (exit 1) carry a plain message.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace negsim {

// A problem with a scenario or an option: names file, line, column (1-based) and key path.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, int line, int column, std::string key_path, std::string message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key_path() const { return key_path_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string key_path_;
  std::string message_;
};

// An option that cannot be honoured as given, found before any work (exit 2): an --out
// directory that exists, is being written by another run, or is not negsim's to replace.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Several independent problems of one file (each delegation is checked on its own), so that
// `negsim validate` lists them all in one run. It is the first problem, with the others' lines
// ("file:line:column: key.path: message") after its own in what().
class InputErrors : public InputError {
 public:
  explicit InputErrors(std::vector<InputError> problems);
  const std::vector<InputError>& problems() const { return problems_; }

 private:
  std::vector<InputError> problems_;
};

// A problem while running or writing results (disk full, unwritable directory).
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace negsim
