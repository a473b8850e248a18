// What negsim prints goes through a filter that makes control characters visible: a scenario's
// names and texts are the author's, and an escape sequence in a delegation's name ("\e[2J",
// "\e]0;...") must not clear the screen, retitle the window or hide what comes before it.
// Newline and tab pass; every other C0 control, DEL and the C1 controls (U+0080-U+009F, as
// UTF-8) are written as \xNN or \u00NN. JSON output is unchanged (the library escapes those).
#pragma once

#include <cstdio>
#include <iostream>
#include <streambuf>
#include <string>

namespace negsim::cli {

class ControlEscapingBuffer : public std::streambuf {
 public:
  explicit ControlEscapingBuffer(std::streambuf* target) : target_(target) {}

 protected:
  int overflow(int character) override {
    if (character == traits_type::eof()) return traits_type::not_eof(character);
    put(static_cast<unsigned char>(character));
    return character;
  }

  std::streamsize xsputn(const char* text, std::streamsize count) override {
    for (std::streamsize j = 0; j < count; ++j) put(static_cast<unsigned char>(text[j]));
    return count;
  }

  int sync() override { return target_->pubsync(); }

 private:
  void put(unsigned char byte) {
    if (pending_lead_) {
      pending_lead_ = false;
      if (byte >= 0x80 && byte <= 0x9F) {
        escape("\\u00", byte);  // a C1 control, as UTF-8 (0xC2 0x80-0x9F)
        return;
      }
      target_->sputc(static_cast<char>(0xC2));
    }
    if (byte == 0xC2) {
      pending_lead_ = true;
      return;
    }
    if ((byte < 0x20 && byte != '\n' && byte != '\t') || byte == 0x7F) {
      escape("\\x", byte);
      return;
    }
    target_->sputc(static_cast<char>(byte));
  }

  void escape(const char* prefix, unsigned char byte) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", byte);
    target_->sputn(prefix, static_cast<std::streamsize>(std::char_traits<char>::length(prefix)));
    target_->sputn(hex, 2);
  }

  std::streambuf* target_;
  bool pending_lead_ = false;  // a 0xC2 byte waiting for the next one
};

// Installs the filter on std::cout and std::cerr for its lifetime.
class EscapedTerminalOutput {
 public:
  EscapedTerminalOutput()
      : out_buffer_(std::cout.rdbuf()),
        error_buffer_(std::cerr.rdbuf()),
        out_original_(std::cout.rdbuf(&out_buffer_)),
        error_original_(std::cerr.rdbuf(&error_buffer_)) {}
  ~EscapedTerminalOutput() {
    std::cout.flush();
    std::cerr.flush();
    std::cout.rdbuf(out_original_);
    std::cerr.rdbuf(error_original_);
  }
  EscapedTerminalOutput(const EscapedTerminalOutput&) = delete;
  EscapedTerminalOutput& operator=(const EscapedTerminalOutput&) = delete;

 private:
  ControlEscapingBuffer out_buffer_;
  ControlEscapingBuffer error_buffer_;
  std::streambuf* out_original_;
  std::streambuf* error_original_;
};

}  // namespace negsim::cli
