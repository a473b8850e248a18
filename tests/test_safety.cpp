// Never lose or leak a user's files (issue 12): what --force may delete, claims of output
// directories, stale staging directories, files that are not what a scenario says they are,
// unbounded reads, aliases under overrides, resume integrity. docs/RELIABILITY.md lists each
// probe with its result.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "negsim/errors.hpp"
#include "negsim/outputs.hpp"
#include "test_support.hpp"

using test_support::negsim_binary;
using test_support::run_command;

namespace fs = std::filesystem;

namespace {

const std::string base_scenario = test_support::source_path("tests/valid-base.yaml");

using test_support::write;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> names_in(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A process id no process has now: that of a shell that has exited.
long dead_pid() {
  const auto result = run_command("sh -c 'echo $$'");
  const long pid = std::stol(result.output);
  REQUIRE(kill(static_cast<pid_t>(pid), 0) != 0);
  return pid;
}

std::string host_name() {
  char buffer[256] = {};
  gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

// The base scenario with a salience for every delegation: a scenario built on stance files must
// give each one (test_history.cpp), and these tests include stance files of their own.
std::string base_with_salience() {
  std::string text = test_support::read_text(base_scenario);
  for (const std::string id : {"uk", "russia"}) {
    const std::string line = "  - id: " + id + "\n";
    text.replace(text.find(line), line.size(), line + "    salience: equal\n");
  }
  return text;
}

// The same for the aliases scenario below (flow style): every delegation's salience equal.
std::string with_equal_salience(std::string text) {
  for (std::size_t at = text.find("  - {id: ", text.find("delegations:")); at != std::string::npos;
       at = text.find("  - {id: ", at + 1)) {
    text.insert(at + 5, "salience: equal, ");
  }
  return text;
}

// Two delegations, x and y, sharing one positions mapping through an alias.
const char* const aliased_positions = R"(title: Aliases
issues:
  - {id: a, title: A, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
  - {id: b, title: B, levels: [{value: 0, text: "0"}, {value: 1, text: "1"}]}
delegations:
  - {id: x, positions: &p {a: 0.2, b: 0.4}}
  - {id: y, positions: *p}
  - {id: z, positions: {a: 0.5, b: 0.5}}
process: {max_rounds: 3}
)";

double position_of(const negsim::Scenario& scenario, const std::string& delegation, int issue) {
  return scenario.positions(scenario.find_delegation(delegation), issue);
}

}  // namespace

// ------------------------------------------------------------------------------ data loss

TEST_CASE("run and sweep with --force never delete a directory negsim did not write", "[safety][outputs]") {
  const auto directory = test_support::temporary_directory("force");
  const auto scenario = directory / "s.yaml";
  fs::copy_file(base_scenario, scenario);
  write(directory / "notes.txt", "mine");
  const std::string in_directory = "cd " + directory.string() + " && " + negsim_binary();
  for (const std::string& command :
       {std::string(" run s.yaml --quiet --out . --force"), std::string(" run s.yaml --quiet --out .. --force"),
        std::string(" run s.yaml --quiet --out ./ --force"), std::string(" run s.yaml --quiet --out / --force"),
        std::string(" sweep s.yaml -n 2 --quiet --out . --force"),
        std::string(" run s.yaml --quiet --out " + directory.string() + " --force"),
        std::string(" run s.yaml --quiet --out " + directory.parent_path().string() + " --force")}) {
    INFO(command);
    const auto result = run_command(in_directory + command);
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK(fs::exists(scenario));
    CHECK(fs::exists(directory / "notes.txt"));
  }
  // The home directory, even when it is not an ancestor of the working directory.
  const auto home = directory / "home";
  fs::create_directory(home);
  write(home / ".profile", "keep");
  write(home / ".negsim-output", "a marker does not make a home directory replaceable");
  const auto home_run = run_command("HOME=" + home.string() + " " + negsim_binary() + " run " + scenario.string() +
                                    " --quiet --force --out " + home.string());
  CHECK(home_run.exit_code == 2);
  CHECK(fs::exists(home / ".profile"));

  // A directory of the user's, without negsim's marker: refused, untouched.
  const auto users = directory / "data";
  fs::create_directory(users);
  write(users / "thesis.tex", "years of work");
  const auto refused =
      run_command(negsim_binary() + " run " + scenario.string() + " --quiet --force --out " + users.string());
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  CHECK(contains(refused.output, ".negsim-output"));
  CHECK(fs::exists(users / "thesis.tex"));
  // A symbolic link to a run directory is not replaced either (the link would be).
  fs::create_directory_symlink(users, directory / "link");
  CHECK(run_command(negsim_binary() + " run " + scenario.string() + " --quiet --force --out " +
                    (directory / "link").string())
            .exit_code == 2);

  // negsim's own run directory: marked, and replaced by --force.
  const auto out = directory / "run";
  REQUIRE(run_command(negsim_binary() + " run " + scenario.string() + " --quiet --out " + out.string()).exit_code == 0);
  CHECK(fs::is_regular_file(out / ".negsim-output"));
  write(out / "stale.txt", "from before");
  const auto forced =
      run_command(negsim_binary() + " run " + scenario.string() + " --quiet --force --out " + out.string());
  INFO(forced.output);
  CHECK(forced.exit_code == 0);
  CHECK(fs::exists(out / "summary.json"));
  CHECK_FALSE(fs::exists(out / "stale.txt"));
  // Sweeps are marked too, and only hidden staging names are used beside them.
  const auto sweep = directory / "sweep";
  REQUIRE(run_command(negsim_binary() + " sweep " + scenario.string() + " -n 2 --quiet --out " + sweep.string())
              .exit_code == 0);
  CHECK(fs::is_regular_file(sweep / ".negsim-output"));
  CHECK(names_in(directory) == std::vector<std::string>{"data", "home", "link", "notes.txt", "run", "s.yaml", "sweep"});
  fs::remove_all(directory);
}

TEST_CASE("a failed replacement leaves the old results in place", "[safety][outputs]") {
  const auto directory = test_support::temporary_directory("replace-fails");
  const auto target = directory / "run";
  negsim::write_directory_atomically(target.string(), {{"summary.json", "old"}}, false);
  {
    negsim::StagedDirectory staged(target.string(), true);
    staged.write("summary.json", "new");
    // The staged copy vanishes before it can be renamed into place.
    fs::remove_all(fs::path(staged.path_of("summary.json")).parent_path());
    CHECK_THROWS_AS(staged.commit(), negsim::RunError);
  }
  CHECK(test_support::read_text((target / "summary.json").string()) == "old");
  CHECK(names_in(directory) == std::vector<std::string>{"run"});
  // And a replacement that works leaves nothing of the old one beside it.
  negsim::write_directory_atomically(target.string(), {{"summary.json", "new"}}, true);
  CHECK(test_support::read_text((target / "summary.json").string()) == "new");
  CHECK(names_in(directory) == std::vector<std::string>{"run"});
  fs::remove_all(directory);
}

TEST_CASE("default run directories are unique when runs start together", "[safety][outputs]") {
  const auto directory = test_support::temporary_directory("unique");
  const std::string base = (directory / "results" / "s" / "20261201-000000-seed1").string();
  // Two claims of the same name, as two processes started in the same second make them.
  negsim::StagedDirectory first(base, false, true);
  negsim::StagedDirectory second(base, false, true);
  CHECK(first.target() == base);
  CHECK(second.target() == base + "-2");
  // And from the command: eight runs at once, same scenario and seed, all written.
  const auto scenario = directory / "s.yaml";
  fs::copy_file(base_scenario, scenario);
  const std::string one =
      negsim_binary() + " run " + scenario.string() + " --quiet --results " + (directory / "parallel").string();
  std::string command = "bash -c 'status=0; for i in 1 2 3 4 5 6 7 8; do " + one +
                        " & done; for job in $(jobs -p); do wait $job || status=1; done; exit $status'";
  const auto result = run_command(command);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  int runs = 0;
  for (const auto& entry : fs::directory_iterator(directory / "parallel" / "s")) {
    CHECK(fs::exists(entry.path() / "summary.json"));
    ++runs;
  }
  CHECK(runs == 8);
  fs::remove_all(directory);
}

TEST_CASE("an --out directory being written by another run is refused at once, exit 2", "[safety][outputs]") {
  const auto directory = test_support::temporary_directory("claimed");
  const auto out = directory / "run";
  {
    // This process holds the claim, as a long run would.
    negsim::StagedDirectory claim(out.string(), false);
    for (const char* force : {"", " --force"}) {
      INFO(force);
      const auto start = std::chrono::steady_clock::now();
      const auto second =
          run_command(negsim_binary() + " run " + base_scenario + " --quiet --out " + out.string() + force);
      INFO(second.output);
      CHECK(second.exit_code == 2);
      CHECK(contains(second.output, "being written by another negsim process"));
      CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
      const auto sweep =
          run_command(negsim_binary() + " sweep " + base_scenario + " -n 2 --quiet --out " + out.string() + force);
      CHECK(sweep.exit_code == 2);
    }
  }
  // Released (nothing was written): the directory is gone, and the next run may have it.
  CHECK_FALSE(fs::exists(out));
  CHECK(run_command(negsim_binary() + " run " + base_scenario + " --quiet --out " + out.string()).exit_code == 0);
  fs::remove_all(directory);
}

TEST_CASE("staging and claimed directories of dead processes are removed by the next run", "[safety][outputs]") {
  const auto directory = test_support::temporary_directory("stale");
  const long pid = dead_pid();
  const std::string owner = "host " + host_name() + "\npid " + std::to_string(pid) + "\n";
  // What `kill -9` leaves: a staging directory, a claimed run directory, a directory moved aside.
  const auto staging = directory / (".r1.tmp-" + std::to_string(pid) + "-0");
  fs::create_directory(staging);
  write(staging / ".negsim-output", owner);
  write(staging / "trace.jsonl", std::string(1000, 'x'));
  const auto claimed = directory / ".r1.claim";
  fs::create_directory(claimed);
  write(claimed / ".negsim-output", owner);
  const auto aside = directory / (".r0.old-" + std::to_string(pid) + "-3");
  fs::create_directory(aside);
  write(aside / ".negsim-output", owner);
  // Not negsim's (no marker), or a live process's: kept.
  const auto lookalike = directory / (".notes.tmp-" + std::to_string(pid) + "-0");
  fs::create_directory(lookalike);
  const auto live = directory / (".r2.tmp-" + std::to_string(getpid()) + "-0");
  fs::create_directory(live);
  write(live / ".negsim-output", "host " + host_name() + "\npid " + std::to_string(getpid()) + "\n");

  const auto result =
      run_command(negsim_binary() + " run " + base_scenario + " --quiet --out " + (directory / "r3").string());
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK_FALSE(fs::exists(staging));
  CHECK_FALSE(fs::exists(aside));
  CHECK_FALSE(fs::exists(claimed));
  CHECK(fs::exists(lookalike));
  CHECK(fs::exists(live));
  // A directory claimed by a dead process is taken over by a run naming it.
  fs::create_directory(claimed);
  write(claimed / ".negsim-output", owner);
  CHECK(run_command(negsim_binary() + " run " + base_scenario + " --quiet --out " + (directory / "r1").string())
            .exit_code == 0);
  CHECK(fs::exists(directory / "r1" / "summary.json"));
  CHECK_FALSE(fs::exists(claimed));
  fs::remove_all(directory);
}

TEST_CASE("a sweep killed with kill -9 leaves staging that --resume removes", "[safety][outputs][sweep]") {
  const auto directory = test_support::temporary_directory("sweep-kill");
  const auto out = directory / "sweep";
  const std::string sweep = negsim_binary() + " sweep " + base_scenario +
                            " -n 20 -j 1 --quiet --vary process.noise=0,0.01,0.02 --out " + out.string();
  const auto killed = run_command("NEGSIM_TEST_KILL_AFTER_CELLS=1 " + sweep);
  CHECK(killed.exit_code == 128 + SIGKILL);
  bool staging_left = false;
  for (const auto& name : names_in(directory)) staging_left = staging_left || contains(name, ".tmp-");
  CHECK(staging_left);
  const auto resumed = run_command(sweep + " --resume");
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK(names_in(directory) == std::vector<std::string>{"sweep"});
  fs::remove_all(directory);
}

TEST_CASE("a scenario named ...yaml writes inside the results directory", "[safety][outputs]") {
  const auto directory = test_support::temporary_directory("dots");
  const auto scenario = directory / "...yaml";
  fs::copy_file(base_scenario, scenario);
  const auto results = directory / "inner" / "results";
  const auto result = run_command("cd " + directory.string() + " && " + negsim_binary() + " run ./...yaml --results " +
                                  results.string() + " --format json");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto written = fs::path(nlohmann::json::parse(result.output)["output_dir"].get<std::string>());
  CHECK(fs::exists(written / "summary.json"));
  const auto relative = fs::relative(fs::canonical(written), fs::canonical(results)).string();
  CHECK(relative.rfind("..", 0) != 0);
  CHECK(names_in(directory / "inner") == std::vector<std::string>{"results"});
  fs::remove_all(directory);
}

// ------------------------------------------------------------------------------ leaks

TEST_CASE("a file that is not a scenario or stance file is refused without quoting it", "[safety][leaks]") {
  const auto directory = test_support::temporary_directory("leaks");
  // Stand-ins for /etc/shadow, /etc/passwd, ~/.git-credentials and a secrets file.
  write(directory / "shadow", "root:$6$SECRETHASH:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n");
  write(directory / "passwd", "root:x:0:0:SECRETNAME:/root:/bin/bash\n");
  write(directory / "git-credentials", "https://user:SECRETTOKEN@example.org\n");
  write(directory / "secrets.yaml", "api_key: SECRETKEY\nSECRETKEYNAME: 1\n");
  write(directory / "list.yaml", "- SECRETITEM\n");
  write(directory / "escape.yaml", "\"SECRETESCAPE\\q\"\n");
  const std::string scenario_text = test_support::read_text(base_scenario);
  for (const char* secret : {"shadow", "passwd", "git-credentials", "secrets.yaml", "list.yaml", "escape.yaml"}) {
    DYNAMIC_SECTION(secret) {
      const std::string file = (directory / secret).string();
      write(directory / "stances.yaml", "stances: " + file + "\n" + scenario_text);
      write(directory / "overlay.yaml", "title: Variant\nbase: " + file + "\n");
      write(directory / "nested-stance.yaml",
            "stances: stance-of-stance.yaml\n" + scenario_text.substr(scenario_text.find("title:")));
      write(directory / "stance-of-stance.yaml", "stances: " + file + "\ndelegations: {}\n");
      for (const auto& scenario : {file, (directory / "stances.yaml").string(), (directory / "overlay.yaml").string(),
                                   (directory / "nested-stance.yaml").string()}) {
        INFO(scenario);
        const auto result = run_command(negsim_binary() + " validate " + scenario);
        INFO(result.output);
        CHECK(result.exit_code == 2);
        CHECK_FALSE(contains(result.output, "SECRET"));
        CHECK_FALSE(contains(result.output, "root"));
      }
    }
  }
  fs::remove_all(directory);
}

TEST_CASE("a stance or base file of the right kind still gets full messages", "[safety][leaks]") {
  const auto directory = test_support::temporary_directory("kind");
  write(directory / "stance.yaml", "delegatons: {}\ndescription: typo above\n");
  const std::string scenario_text = test_support::read_text(base_scenario);
  write(directory / "s.yaml", "stances: stance.yaml\n" + scenario_text);
  const auto result = run_command(negsim_binary() + " validate " + (directory / "s.yaml").string());
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, "did you mean 'delegations'"));
  fs::remove_all(directory);
}

TEST_CASE("report does not copy a reload error (with a file's content) into the page", "[safety][leaks][report]") {
  const auto directory = test_support::temporary_directory("report-leak");
  const auto out = directory / "run";
  REQUIRE(run_command(negsim_binary() + " run " + base_scenario + " --quiet --out " + out.string()).exit_code == 0);
  write(directory / "private.yaml", "title: SECRETTITLE\nSECRETKEY: 1\n");
  auto meta = nlohmann::json::parse(test_support::read_text((out / "meta.json").string()));
  meta["scenario_file"] = (directory / "private.yaml").string();
  write(out / "meta.json", meta.dump(2));
  const auto result = run_command(negsim_binary() + " report " + out.string() + " --quiet");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string page = test_support::read_text((out / "report.html").string());
  CHECK_FALSE(contains(page, "SECRET"));
  CHECK(contains(page, "could not be loaded again"));
  fs::remove_all(directory);
}

TEST_CASE("control characters in names reach the terminal escaped", "[safety][leaks]") {
  const auto directory = test_support::temporary_directory("ansi");
  std::string scenario = test_support::read_text(base_scenario);
  // Give the first delegation a name with an escape sequence (clear screen), a C1 control and a
  // carriage return.
  const std::string first_id = "  - id: ";
  const std::size_t at = scenario.find(first_id, scenario.find("delegations:"));
  REQUIRE(at != std::string::npos);
  const std::size_t line_end = scenario.find('\n', at);
  scenario.insert(line_end, "\n    name: \"Evil\\e[2J\\u009b31m\\rname\"");
  write(directory / "s.yaml", scenario);
  const auto validate = run_command(negsim_binary() + " validate " + (directory / "s.yaml").string());
  REQUIRE(validate.exit_code == 0);
  for (const char* command : {" run --no-write --narrate ", " run --no-write "}) {
    INFO(command);
    const auto result = run_command(negsim_binary() + command + (directory / "s.yaml").string());
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.output, "Evil\\x1b[2J\\u009b31m\\x0dname"));
    CHECK_FALSE(contains(result.output, "\x1b[2J"));
    CHECK_FALSE(contains(result.output, "\xc2\x9b"));
    CHECK_FALSE(contains(result.output, "\r"));
  }
  // JSON output keeps its own escapes (valid JSON, the name intact when parsed).
  const auto json = run_command(negsim_binary() + " run --no-write --format json " + (directory / "s.yaml").string());
  REQUIRE(json.exit_code == 0);
  CHECK_NOTHROW(nlohmann::json::parse(json.output));
  fs::remove_all(directory);
}

TEST_CASE("includes cannot be set by an overlay's set: or by --set", "[safety][leaks]") {
  const auto directory = test_support::temporary_directory("set-stances");
  write(directory / "secret", "root:SECRET:1:2\n");
  write(directory / "overlay.yaml",
        "title: Variant\nbase: " + base_scenario + "\nset:\n  stances: " + (directory / "secret").string() + "\n");
  const auto overlay = run_command(negsim_binary() + " validate " + (directory / "overlay.yaml").string());
  INFO(overlay.output);
  CHECK(overlay.exit_code == 2);
  CHECK(contains(overlay.output, "overlay.yaml:4:3: set.stances"));
  const auto option = run_command(negsim_binary() + " run --no-write " + base_scenario +
                                  " --set stances=" + (directory / "secret").string());
  INFO(option.output);
  CHECK(option.exit_code == 2);
  CHECK(contains(option.output, "cannot be set"));
  fs::remove_all(directory);
}

// ------------------------------------------------------------------------------ unbounded reads

TEST_CASE("devices and FIFOs are refused at once, exit 2", "[safety][limits]") {
  const auto directory = test_support::temporary_directory("devices");
  const auto fifo = directory / "fifo.yaml";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  write(directory / "stance-zero.yaml", "stances: /dev/zero\n" + test_support::read_text(base_scenario));
  write(directory / "stance-fifo.yaml", "stances: fifo.yaml\n" + test_support::read_text(base_scenario));
  for (const auto& file : {std::string("/dev/zero"), std::string("/dev/urandom"), fifo.string(),
                           (directory / "stance-zero.yaml").string(), (directory / "stance-fifo.yaml").string()}) {
    INFO(file);
    const auto start = std::chrono::steady_clock::now();
    // timeout ends a hang with 124 (the old behaviour for a FIFO; /dev/zero grew without bound).
    const auto result = run_command("timeout 20 " + negsim_binary() + " validate " + file);
    INFO(result.output);
    CHECK(result.exit_code == 2);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
  fs::remove_all(directory);
}

TEST_CASE("the node and size limits hold for a scenario and its includes together", "[safety][limits]") {
  const auto directory = test_support::temporary_directory("total");
  std::string scenario = base_with_salience();
  // Three stance files, each well under the limits on its own.
  std::string list = "stances:\n";
  for (int file = 0; file < 3; ++file) {
    std::ostringstream stance;
    stance << "description: padding\nsources:\n";
    for (int j = 0; j < 400; ++j) stance << "  - source number " << j << " of a long list\n";
    stance << "delegations: {}\n";
    write(directory / ("stance" + std::to_string(file) + ".yaml"), stance.str());
    list += "  - stance" + std::to_string(file) + ".yaml\n";
  }
  write(directory / "s.yaml", list + scenario);
  const std::string validate = negsim_binary() + " validate " + (directory / "s.yaml").string();
  CHECK(run_command(validate).exit_code == 0);
  // 400 nodes in each stance file: 1,000 allows any one of them, not all three.
  const auto nodes = run_command(validate + " --max-nodes 1000");
  INFO(nodes.output);
  CHECK(nodes.exit_code == 2);
  CHECK(contains(nodes.output, "more than 1000 YAML nodes"));
  // 16 KB each; the limit is on the bytes of all the files together.
  const auto bytes = run_command(validate + " --max-file-size 40000");
  INFO(bytes.output);
  CHECK(bytes.exit_code == 2);
  CHECK(contains(bytes.output, "together"));
  fs::remove_all(directory);
}

TEST_CASE("a file of many small nodes is refused before its tree is built", "[safety][limits]") {
  const auto directory = test_support::temporary_directory("flat");
  // Nearly 8 MiB of one-character items: 4 million nodes in flow style, 2 million in block style,
  // and a mapping with a scenario key and a million more.
  std::string flow = "[";
  flow.reserve(8u << 20);
  while (flow.size() + 2 < (8u << 20) - 16) flow += "1,";
  flow += "1]\n";
  write(directory / "flow.yaml", flow);
  std::string block;
  block.reserve(8u << 20);
  while (block.size() + 4 < (8u << 20) - 16) block += "- 1\n";
  write(directory / "block.yaml", block);
  std::ostringstream mapping;
  mapping << "title: Many keys\n";
  for (int j = 0; j < 700000; ++j) mapping << "k" << j << ": 1\n";
  write(directory / "mapping.yaml", mapping.str());
  for (const char* name : {"flow.yaml", "block.yaml", "mapping.yaml"}) {
    INFO(name);
    const auto start = std::chrono::steady_clock::now();
    const auto result = run_command("/usr/bin/env time -f 'peak %M KB' " + negsim_binary() + " validate " +
                                    (directory / name).string());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(result.output << "\n" << seconds << " s");
    CHECK(result.exit_code == 2);
    CHECK(contains(result.output, "YAML nodes"));
#if !defined(__SANITIZE_ADDRESS__)
    const std::size_t peak_at = result.output.find("peak ");
    if (peak_at != std::string::npos) {
      const long peak_kb = std::stol(result.output.substr(peak_at + 5));
      CHECK(peak_kb < 200 * 1024);  // the tree of 4 million nodes took 1.97 GB
    }
#endif
  }
  fs::remove_all(directory);
}

TEST_CASE("the default node limit admits a scenario at the delegation limit with 40 issues", "[safety][limits]") {
  negsim::LoadLimits limits;
  CHECK(negsim::node_limit(limits) == 1323000);
  limits.max_nodes = 77;
  CHECK(negsim::node_limit(limits) == 77);
  std::ostringstream yaml;
  yaml << "title: Large\nissues:\n";
  for (int k = 0; k < 40; ++k) {
    yaml << "  - {id: i" << k << ", title: I" << k << ", levels: [{value: 0, text: a}, {value: 1, text: b}]}\n";
  }
  yaml << "delegations:\n";
  for (int i = 0; i < 1000; ++i) {
    yaml << "  - id: d" << i << "\n    positions: {";
    for (int k = 0; k < 40; ++k) yaml << (k ? ", " : "") << "i" << k << ": 0." << (i + k) % 10;
    yaml << "}\n    salience: {";
    for (int k = 0; k < 40; ++k) yaml << (k ? ", " : "") << "i" << k << ": " << 1 + (i * k) % 3;
    yaml << "}\n    red_lines: {i" << i % 40 << ": {min: 0, max: 1}}\n";
  }
  const auto scenario = negsim::load_scenario_text(yaml.str(), "large.yaml");
  CHECK(scenario.delegation_count() == 1000);
  CHECK(scenario.issue_count() == 40);
}

TEST_CASE("sweep and explain take the limit flags of run", "[safety][limits]") {
  for (const char* command : {" sweep -n 2 --quiet --out /nonexistent/never ", " explain -n 0 "}) {
    INFO(command);
    const auto lowered = run_command(negsim_binary() + command + base_scenario + " --max-delegations 2");
    CHECK(lowered.exit_code == 2);
    CHECK(contains(lowered.output, "over the limit of 2"));
    CHECK(run_command(negsim_binary() + command + base_scenario + " --max-nodes 50").exit_code == 2);
    CHECK(run_command(negsim_binary() + command + base_scenario + " --max-depth 0").exit_code == 2);
  }
  const auto crowded = test_support::source_path("tests/bad-input/82-too-many-delegations.yaml");
  CHECK(run_command(negsim_binary() + " explain -n 0 --max-delegations 1001 " + crowded).exit_code == 0);
}

// ------------------------------------------------------------------------------ silent wrong results

TEST_CASE("an alias shares no node with its anchor once overridden", "[safety][aliases]") {
  SECTION("--set") {
    const auto scenario =
        negsim::load_scenario_text(aliased_positions, "aliases.yaml", {"delegations.x.positions.a=0.95"});
    CHECK(position_of(scenario, "x", 0) == Approx(0.95));
    CHECK(position_of(scenario, "y", 0) == Approx(0.2));
    // And the other way round: the alias overridden, the anchor kept.
    const auto other = negsim::load_scenario_text(aliased_positions, "aliases.yaml", {"delegations.y.positions.b=0.9"});
    CHECK(position_of(other, "x", 1) == Approx(0.4));
    CHECK(position_of(other, "y", 1) == Approx(0.9));
  }
  SECTION("a shared scalar") {
    const std::string text =
        std::string(aliased_positions)
            .replace(std::string(aliased_positions).find("{a: 0.5, b: 0.5}"), 16, "{a: &half 0.5, b: *half}");
    const auto scenario = negsim::load_scenario_text(text, "aliases.yaml", {"delegations.z.positions.b=0.7"});
    CHECK(position_of(scenario, "z", 0) == Approx(0.5));
    CHECK(position_of(scenario, "z", 1) == Approx(0.7));
  }
  SECTION("an overlay's set:") {
    const auto directory = test_support::temporary_directory("alias-overlay");
    write(directory / "base.yaml", aliased_positions);
    write(directory / "overlay.yaml", "title: Variant\nbase: base.yaml\nset:\n  delegations.x.positions.a: 0.95\n");
    const auto scenario = negsim::load_scenario_file((directory / "overlay.yaml").string());
    CHECK(position_of(scenario, "x", 0) == Approx(0.95));
    CHECK(position_of(scenario, "y", 0) == Approx(0.2));
    fs::remove_all(directory);
  }
  SECTION("stances") {
    const auto directory = test_support::temporary_directory("alias-stances");
    std::string text = aliased_positions;
    text.replace(text.find("{a: 0.2, b: 0.4}"), 16, "{a: 0.2}");
    write(directory / "s.yaml", "stances: stances.yaml\n" + with_equal_salience(text));
    write(directory / "stances.yaml", "delegations:\n  x: {positions: {b: 0.7}}\n  y: {positions: {b: 0.3}}\n");
    const auto scenario = negsim::load_scenario_file((directory / "s.yaml").string());
    CHECK(position_of(scenario, "x", 1) == Approx(0.7));
    CHECK(position_of(scenario, "y", 1) == Approx(0.3));
    CHECK(position_of(scenario, "y", 0) == Approx(0.2));
    fs::remove_all(directory);
  }
  SECTION("aliases inside a stance file") {
    const auto directory = test_support::temporary_directory("alias-in-stances");
    std::string text = aliased_positions;
    text.replace(text.find("{a: 0.2, b: 0.4}"), 16, "{a: 0.2, b: 0.4}");
    write(directory / "s.yaml",
          "stances: stances.yaml\n" +
              std::string(aliased_positions)
                  .replace(std::string(aliased_positions).find("positions: &p {a: 0.2, b: 0.4}"), 30, "name: X"));
    write(directory / "stances.yaml", "delegations:\n  x: {positions: &q {a: 0.2, b: 0.4}}\n  y: {positions: *q}\n");
    std::string scenario_text = test_support::read_text((directory / "s.yaml").string());
    scenario_text.replace(scenario_text.find("{id: y, positions: *p}"), 22, "{id: y}");
    write(directory / "s.yaml", with_equal_salience(scenario_text));
    const auto scenario =
        negsim::load_scenario_file((directory / "s.yaml").string(), {"delegations.x.positions.a=0.9"});
    CHECK(position_of(scenario, "x", 0) == Approx(0.9));
    CHECK(position_of(scenario, "y", 0) == Approx(0.2));
    fs::remove_all(directory);
  }
}

TEST_CASE("sweep --resume refuses when an included file changed", "[safety][sweep]") {
  const auto directory = test_support::temporary_directory("resume-stances");
  const std::string scenario_text = base_with_salience();
  write(directory / "stance.yaml", "description: before\ndelegations: {}\n");
  write(directory / "s.yaml", "stances: stance.yaml\n" + scenario_text);
  const auto out = directory / "sweep";
  const std::string sweep = negsim_binary() + " sweep " + (directory / "s.yaml").string() +
                            " -n 10 -j 1 --quiet --vary process.noise=0,0.01,0.02 --out " + out.string();
  REQUIRE(run_command("NEGSIM_TEST_KILL_AFTER_CELLS=1 " + sweep).exit_code == 128 + SIGKILL);
  write(directory / "stance.yaml", "description: after\ndelegations: {}\n");
  const auto resumed = run_command(sweep + " --resume");
  INFO(resumed.output);
  CHECK(resumed.exit_code == 2);
  CHECK(contains(resumed.output, "included files"));
  CHECK_FALSE(fs::exists(out / "cells.csv"));
  // Put back, the resume goes ahead.
  write(directory / "stance.yaml", "description: before\ndelegations: {}\n");
  CHECK(run_command(sweep + " --resume").exit_code == 0);
  fs::remove_all(directory);
}

TEST_CASE("a second YAML document is refused with its line and column", "[safety][input]") {
  const std::string text = test_support::read_text(base_scenario);
  try {
    negsim::load_scenario_text(text + "---\ntitle: Second\n", "two.yaml");
    FAIL("a second document was accepted");
  } catch (const negsim::InputError& error) {
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    CHECK(error.line() == lines + 1);  // the --- that starts the second document
    CHECK(error.column() == 1);
    CHECK(contains(error.message(), "second YAML document"));
  }
  CHECK_THROWS_AS(negsim::load_scenario_text(text + "---\n", "two.yaml"), negsim::InputError);
  // A leading --- (one document) and a closing ... are fine.
  CHECK_NOTHROW(negsim::load_scenario_text("---\n" + text + "...\n", "one.yaml"));
  const auto directory = test_support::temporary_directory("two-documents");
  write(directory / "two.yaml", text + "---\ntitle: Second\n");
  const auto result = run_command(negsim_binary() + " validate " + (directory / "two.yaml").string());
  CHECK(result.exit_code == 2);
  CHECK(contains(result.output, "two.yaml:" + std::to_string(std::count(text.begin(), text.end(), '\n') + 1) + ":1:"));
  fs::remove_all(directory);
}

// The loader parses a text once (no event pass before the tree) only when the text is too short
// to hold more nodes than the limit: at most a third of the limit in bytes. The densest text
// known, a flow sequence of lone ':' (each a one-pair mapping of two nulls: 1.5 nodes a byte), is
// refused by the node limit when it is over it, and gets past it (to the unknown key) otherwise.
TEST_CASE("the node limit holds when the loader parses a text once", "[safety][limits]") {
  std::string dense = "title: Dense\npad: [";
  for (int j = 0; j < 2000; ++j) dense += ":,";
  dense += ":]\n";
  // 1 root + 2 title + 1 key + 1 sequence + 2,001 x 3 = 6,008 nodes in 4,022 bytes.
  auto message_with = [&](int max_nodes) {
    negsim::LoadLimits limits;
    limits.max_nodes = max_nodes;
    try {
      negsim::load_scenario_text(dense, "dense.yaml", {}, limits);
    } catch (const negsim::InputError& error) {
      return std::string(error.what());
    }
    return std::string("loaded");
  };
  CHECK(contains(message_with(6000), "more than 6000 YAML nodes"));
  CHECK(contains(message_with(6007), "more than 6007 YAML nodes"));
  CHECK(contains(message_with(6008), "unknown key 'pad'"));
  // One pass (3 x 4,022 + 1 <= the limit): the same answer, and the walk over the tree that
  // follows counts the nodes again.
  CHECK(contains(message_with(3 * static_cast<int>(dense.size()) + 1), "unknown key 'pad'"));
  CHECK(contains(message_with(1000000), "unknown key 'pad'"));
}
