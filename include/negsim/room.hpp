// A whole class at the table (`negsim room SCENARIO --seats ID,ID,...`): a local web server gives
// each human seat a page with its own secret link, the teacher a live view, and the model plays
// every other delegation. Each round the chair's text is shown to every seat; teams answer
// support, stand aside, object or amend before a deadline; a seat that has not answered in time
// gets the model's answer, marked as such. The session writes a normal run directory.
//
//   negsim::RoomOptions options;
//   options.seats = {"north", "south"};
//   negsim::Room room(scenario, options);   // binds the port; throws RunError when it cannot
//   std::cout << room.seat_link(0) << room.teacher_link();
//   room.play();                             // until the run ends (or stop(), or the stop flag)
//   room.write_run_directory(directory, run_options, replace);
//   room.shutdown();                         // closes the server
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "negsim/engine.hpp"
#include "negsim/outputs.hpp"
#include "negsim/scenario.hpp"

namespace negsim {

struct RoomOptions {
  std::vector<std::string> seats;  // delegation ids the teams play
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (tests)
  double answer_timeout = 180;  // seconds a round stays open for answers
  std::uint64_t seed = 1;
  bool start_now = false;                       // open round 1 at once instead of waiting for the teacher
  const std::atomic<int>* stop_flag = nullptr;  // nonzero (a signal): end the session as if the teacher had
  std::size_t max_body_bytes = 4096;            // larger requests get 413 and change nothing
};

class Room {
 public:
  // Binds the server (it answers once play() runs). Throws std::invalid_argument for an unknown or
  // repeated seat id or a timeout not above 0, and RunError when it cannot listen on host:port.
  Room(const Scenario& scenario, RoomOptions options);
  ~Room();
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  int port() const;
  std::string seat_link(int seat) const;  // seat: index into options.seats
  std::string teacher_link() const;
  const std::string& seat_token(int seat) const;
  const std::string& teacher_token() const;

  // Serves and plays the session on the calling thread until the run ends by the rules, the
  // teacher ends it, stop() is called or the stop flag is set (then the outcome is interrupted).
  // The server keeps answering afterwards (the pages show the outcome) until shutdown().
  const Outcome& play();
  void stop();      // thread-safe: ends the session at the round in progress
  void shutdown();  // closes the server; waits for its threads

  // After play(): the run's events with human seats marked, the teams' decisions and what the
  // model would have answered in their place, and the files of a run directory.
  std::vector<nlohmann::ordered_json> events() const;
  nlohmann::ordered_json decisions() const;
  std::map<std::string, std::string> run_files(const RunOptions& run_options, double wall_seconds) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A confidential brief for one delegation, as a printable HTML page: its positions in words,
// red lines, what it values (salience), its allies and bloc, and the rules of the room.
std::string brief_html(const Scenario& scenario, int delegation);
// Writes a page to a new file (temporary file, then rename). Throws RunError when the file
// exists (negsim overwrites nothing it did not write) or cannot be written.
void write_new_file(const std::string& path, const std::string& content);

}  // namespace negsim
