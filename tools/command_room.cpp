// negsim room SCENARIO --seats ID,ID,...: a whole class negotiates in the browser; the model
// plays the delegations no team holds. Thin: options, links, Ctrl-C, the run directory.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "negsim/outputs.hpp"
#include "negsim/room.hpp"
#include "negsim/scenario.hpp"

namespace negsim::cli {

namespace {
const char* const room_examples = R"(
Examples:
  negsim room scenarios/teaching/three-delegations.yaml --seats north,south
  negsim room scenarios/gge-2016-2017.yaml --seats russia,usa,china,germany --answer-timeout 300
  negsim room scenarios/gge-2016-2017.yaml --seats russia,usa --host 0.0.0.0 --port 8080

It prints one link per seat (each with its own secret token: hand each team only its own) and
the teacher's link. The teacher's page starts the session, pauses it, extends the time and
ends it. Each round a team answers support, stand aside, object or amend before the countdown
ends; a seat that has not answered gets the model's answer, marked as such. The model plays
every delegation not named in --seats. When the run ends (or the teacher ends it, or Ctrl-C),
the session is written as a normal run directory: 'negsim report DIR' shows it, with each
team's answers marked. The pages stay up to show the outcome until Ctrl-C.
)";

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> ids;
  std::stringstream stream(text);
  std::string id;
  while (std::getline(stream, id, ',')) {
    if (!id.empty()) ids.push_back(id);
  }
  return ids;
}
}  // namespace

int room_command(const std::vector<std::string>& arguments) {
  po::options_description options("Options for 'negsim room SCENARIO --seats ID,ID,...'");
  std::string seats;
  negsim::RoomOptions room_options;
  int rounds = 0;
  std::vector<std::string> overrides;
  std::string out_directory;
  std::string results_root = "results";
  options.add_options()("help,h", "show this help")("seats", po::value<std::string>(&seats),
                                                    "the delegations the class plays, comma-separated ids")(
      "host", po::value<std::string>(&room_options.host)->default_value("127.0.0.1"),
      "address to listen on; 0.0.0.0 opens the room to the classroom network")(
      "port", po::value<int>(&room_options.port)->default_value(8080), "port to listen on (0: any free port)")(
      "answer-timeout", po::value<double>(&room_options.answer_timeout)->default_value(180),
      "seconds a round stays open for answers")("start", "open round 1 at once, without waiting for the teacher")(
      "seed", po::value<std::uint64_t>(&room_options.seed)->default_value(1), "master seed (perception noise)")(
      "rounds", po::value<int>(&rounds), "deadline: override process.max_rounds")(
      "set", po::value<std::vector<std::string>>(&overrides)->composing(),
      "override a scenario value, key.path=value (repeatable)")(
      "out", po::value<std::string>(&out_directory), "write the session into this directory (must not exist)")(
      "results", po::value<std::string>(&results_root)->default_value("results"), "root for default run directories")(
      "exit-when-done", "close the server as soon as the run directory is written");
  const CommandLine command_line =
      parse_command_line(arguments, "room SCENARIO --seats ID,ID,... [OPTIONS]", {&options}, room_examples);
  if (command_line.help) return exit_ok;
  const auto& files = command_line.operands;
  const auto& values = command_line.values;
  if (files.size() != 1) throw po::error("room takes exactly one scenario FILE");
  if (seats.empty()) throw po::error("--seats is required: the delegations the class plays, e.g. --seats north,south");
  if (room_options.port < 0 || room_options.port > 65535) throw po::error("--port must be from 0 to 65535");
  if (!(room_options.answer_timeout > 0)) throw po::error("--answer-timeout must be above 0 seconds");
  if (values.count("rounds")) {
    if (rounds < 1) throw po::error("--rounds must be at least 1");
    overrides.push_back("process.max_rounds=" + std::to_string(rounds));
  }
  const negsim::Scenario scenario = negsim::load_scenario_file(files[0], overrides);
  room_options.seats = split_ids(seats);
  room_options.start_now = values.count("start") > 0;
  const std::string directory =
      out_directory.empty() ? negsim::new_run_directory(results_root, scenario.id, room_options.seed) : out_directory;
  // Found out now, not after the lesson: the session's directory must be new.
  if (std::filesystem::exists(directory)) throw po::error("--out " + directory + " exists; choose a new directory");
  const InterruptGuard interrupt_guard;  // Ctrl-C ends the session and writes what was played
  room_options.stop_flag = &interrupt_guard.flag();
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<negsim::Room> room_holder;
  try {
    room_holder = std::make_unique<negsim::Room>(scenario, room_options);
  } catch (const std::invalid_argument& error) {
    throw po::error(error.what());
  }
  negsim::Room& room = *room_holder;

  std::cout << scenario.title << ": " << room_options.seats.size() << " seats for the class, "
            << scenario.delegation_count() - static_cast<int>(room_options.seats.size()) << " for the model; "
            << room_options.answer_timeout << " s to answer each round.\n\n";
  if (room_options.host != "127.0.0.1" && room_options.host != "localhost") {
    std::cout << "WARNING: listening on " << room_options.host << ": anyone on this network can reach the room "
              << "(only a seat's token lets them answer). Replace HOST in the links below with this machine's "
              << "address.\n\n";
  }
  for (std::size_t seat = 0; seat < room_options.seats.size(); ++seat) {
    const auto& delegation =
        scenario.delegations[static_cast<std::size_t>(scenario.find_delegation(room_options.seats[seat]))];
    std::cout << "  " << delegation.name << ": " << room.seat_link(static_cast<int>(seat)) << "\n";
  }
  std::cout << "\n  Teacher: " << room.teacher_link() << "\n\n"
            << (room_options.start_now ? "Round 1 is open." : "The session starts when the teacher presses Start.")
            << " Ctrl-C ends it and writes what was played.\n"
            << std::flush;

  const negsim::Outcome& outcome = room.play();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  negsim::RunOptions run_options;
  run_options.seed = room_options.seed;
  run_options.overrides = overrides;
  run_options.rounds_override = rounds;
  negsim::write_directory_atomically(directory, room.run_files(run_options, wall_seconds), false);
  std::cout << "\n" << negsim::text_summary(scenario, outcome, directory);
  std::cout << "See it drawn: negsim report " << directory << "\n";
  if (outcome.interrupted && interrupt_guard.signal() != 0) {
    room.shutdown();
    std::cerr << "negsim room: interrupted by signal " << interrupt_guard.signal() << " after round " << outcome.rounds
              << "; the rounds played were written\n";
    return interrupt_guard.exit_status();
  }
  if (values.count("exit-when-done") == 0) {
    std::cout << "The pages show the outcome until Ctrl-C.\n" << std::flush;
    while (interrupt_guard.signal() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  room.shutdown();
  return exit_ok;
}

}  // namespace negsim::cli
