// negsim room: the session (rounds, answers, deadlines) and its web server (cpp-httplib).
//
// Threads: play() runs the engine on the caller's thread; the engine asks the room for the human
// seats' answers (ResponseOverride), and the room waits there, under `mutex`, until every seat
// has answered, the time is up or the session is stopped. The server's threads only read the
// views the engine's thread built (under the same mutex) and record answers and the teacher's
// commands. Every change bumps `version`, which wakes the event streams.
#include "negsim/room.hpp"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "embedded_assets.hpp"
#include "negsim/errors.hpp"
#include "negsim/model.hpp"
#include "negsim/narrate.hpp"
#include "negsim/play.hpp"
#include "negsim/report.hpp"
#include "negsim/trace.hpp"

namespace negsim {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

// 128 bits from OpenSSL's CSPRNG, as hex: a team cannot guess another team's link.
std::string random_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw RunError("the system's random generator failed to make a token");
  static const char* const digits = "0123456789abcdef";
  std::string token;
  for (unsigned char byte : bytes) {
    token += digits[byte >> 4];
    token += digits[byte & 15];
  }
  return token;
}

// Constant time, so response timing says nothing about how much of a guess was right.
bool same_token(const std::string& given, const std::string& expected) {
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

const char* response_word(Response response) {
  return response == Response::support ? "support" : response == Response::aside ? "aside" : "object";
}

void send_json(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(body.dump() + "\n", "application/json");
}

void send_error(httplib::Response& response, int status, const std::string& message) {
  send_json(response, status, {{"error", message}});
}

struct Answer {
  Response response = Response::support;
  std::optional<ResponseOverride::Amendment> amendment;
};

// One seat's decision in one round.
struct Decision {
  int round = 0;                     // 1-based
  std::optional<Answer> team;        // nullopt: no answer in time, the model answered
  std::string played;                // the response that counted (from the trace)
  std::optional<std::string> model;  // what the model would have answered in the team's place
};

// The model's answer for one seat in one round, everything else as it was: replays the session
// with the teams' recorded answers, leaving that one answer to the model.
class Replay : public ResponseOverride, public TraceSink {
 public:
  Replay(const std::vector<int>& seat_of, const std::vector<std::vector<Decision>>& decisions, int target_seat,
         int target_round)
      : seat_of_(seat_of), decisions_(decisions), target_seat_(target_seat), target_round_(target_round) {}

  std::optional<Response> respond(const State& state, int delegation) override {
    const Answer* answer = recorded(state, delegation);
    return answer != nullptr ? std::optional<Response>(answer->response) : std::nullopt;
  }
  std::optional<Amendment> amend(const State& state, int delegation) override {
    const Answer* answer = recorded(state, delegation);
    return answer != nullptr ? answer->amendment : std::nullopt;
  }
  void on_responses(const State& state, const std::vector<std::vector<int>>& /*grievances*/) override {
    if (state.round + 1 != target_round_) return;
    const int delegation = delegation_of_target_;
    if (delegation >= 0) answer_ = state.responses[static_cast<std::size_t>(delegation)];
  }
  void set_target_delegation(int delegation) { delegation_of_target_ = delegation; }
  const std::optional<Response>& answer() const { return answer_; }

 private:
  const Answer* recorded(const State& state, int delegation) const {
    const int seat = seat_of_[static_cast<std::size_t>(delegation)];
    if (seat < 0) return nullptr;
    const int round = state.round + 1;
    if (seat == target_seat_ && round == target_round_) return nullptr;
    for (const auto& decision : decisions_[static_cast<std::size_t>(seat)]) {
      if (decision.round == round && decision.team) return &*decision.team;
    }
    return nullptr;
  }
  const std::vector<int>& seat_of_;
  const std::vector<std::vector<Decision>>& decisions_;
  int target_seat_;
  int target_round_;
  int delegation_of_target_ = -1;
  std::optional<Response> answer_;
};

}  // namespace

struct Room::Impl : public ResponseOverride {
  enum class Phase { waiting, answering, paused, counting, ended };

  Impl(const Scenario& scenario_in, RoomOptions options_in)
      : scenario(scenario_in), options(std::move(options_in)), trace(scenario_in) {}

  const Scenario& scenario;
  RoomOptions options;
  Trace trace;
  std::vector<int> seat_delegations;  // per seat
  std::vector<int> seat_of;           // per delegation: its seat, -1 for the model's
  // The rules of the room as each page says them (per seat; the teacher's), fixed for the session.
  std::vector<json> seat_rules;
  json teacher_rules;
  std::vector<std::string> seat_tokens;
  std::string teacher_token;
  httplib::Server server;
  int bound_port = 0;
  std::thread server_thread;

  mutable std::mutex mutex;
  std::condition_variable changed;
  Phase phase = Phase::waiting;
  bool started = false;
  bool stop_requested = false;
  bool closing = false;  // the server is shutting down: event streams end
  int round = 0;         // the round open or last played, 1-based; 0 before the first
  Clock::time_point deadline;
  double paused_seconds_left = 0;
  std::vector<std::optional<Answer>> answers;  // per seat, this round
  std::vector<std::optional<Answer>> frozen;   // per seat, what this round counts (engine thread only)
  std::uint64_t version = 0;
  json room_view = json::object();               // the part every page shows
  std::vector<json> seat_views;                  // per seat: its own view of the round
  std::vector<std::vector<Decision>> decisions;  // per seat
  std::optional<Outcome> outcome;

  // ---------------------------------------------------------------- the engine's side

  std::optional<Response> respond(const State& state, int delegation) override {
    if (state.round + 1 != round) open_round(state);  // the first question of a round opens it
    const int seat = seat_of[static_cast<std::size_t>(delegation)];
    if (seat < 0 || !frozen[static_cast<std::size_t>(seat)]) return std::nullopt;
    return frozen[static_cast<std::size_t>(seat)]->response;
  }

  std::optional<Amendment> amend(const State& /*state*/, int delegation) override {
    const int seat = seat_of[static_cast<std::size_t>(delegation)];
    if (seat < 0 || !frozen[static_cast<std::size_t>(seat)]) return std::nullopt;
    return frozen[static_cast<std::size_t>(seat)]->amendment;
  }

  bool stop_wanted() const {
    return stop_requested || (options.stop_flag != nullptr && options.stop_flag->load() != 0);
  }

  void open_round(const State& state) {
    fill_played_responses();
    json shared = shared_view(&state);
    std::vector<json> own;
    for (std::size_t seat = 0; seat < seat_delegations.size(); ++seat) own.push_back(seat_view(state, seat));
    std::unique_lock<std::mutex> lock(mutex);
    round = state.round + 1;
    room_view = std::move(shared);
    seat_views = std::move(own);
    answers.assign(seat_delegations.size(), std::nullopt);
    if (!started) {
      phase = Phase::waiting;
    } else if (phase != Phase::paused) {
      phase = Phase::answering;
      deadline = Clock::now() +
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.answer_timeout));
    }
    // else: the teacher started and paused (and perhaps extended) before the first text was
    // ready, as a large room drafts for a while; the pause and its time left hold (a test saw the
    // pause lost under load).
    ++version;
    changed.notify_all();
    while (!stop_wanted()) {
      if (phase == Phase::answering) {
        const bool everyone = std::all_of(answers.begin(), answers.end(), [](const auto& a) { return a.has_value(); });
        if (everyone || Clock::now() >= deadline) break;
      }
      changed.wait_for(lock, std::chrono::milliseconds(100));
    }
    frozen = answers;
    for (std::size_t seat = 0; seat < frozen.size(); ++seat) {
      Decision decision;
      decision.round = round;
      decision.team = frozen[seat];
      decisions[seat].push_back(decision);
    }
    phase = Phase::counting;
    ++version;
    changed.notify_all();
  }

  // What counted for each seat, from the trace (the model's answer where the team gave none).
  void fill_played_responses() {
    for (const auto& event : trace.events()) {
      if (event.value("event", "") != "response") continue;
      const int delegation = scenario.find_delegation(event.value("delegation", ""));
      if (delegation < 0 || seat_of[static_cast<std::size_t>(delegation)] < 0) continue;
      const int event_round = event.value("round", 0);
      for (auto& decision : decisions[static_cast<std::size_t>(seat_of[static_cast<std::size_t>(delegation)])]) {
        if (decision.round == event_round) decision.played = event.value("response", "");
      }
    }
  }

  const Outcome& play() {
    server_thread = std::thread([this] { server.listen_after_bind(); });
    // shutdown() must find the server running, or stop() would not reach it.
    for (int wait = 0; wait < 500 && !server.is_running(); ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (options.start_now) started = true;
    }
    Engine engine(scenario, options.seed, &trace);
    engine.set_response_override(this);
    while (engine.step()) {
      std::lock_guard<std::mutex> lock(mutex);
      if (stop_wanted()) {
        engine.interrupt();
        break;
      }
    }
    outcome = engine.outcome();
    fill_played_responses();
    fill_model_answers();
    json shared = shared_view(nullptr);
    std::vector<json> own;
    for (std::size_t seat = 0; seat < seat_delegations.size(); ++seat) {
      json view;
      {
        std::lock_guard<std::mutex> lock(mutex);
        view = seat_views.empty() ? json::object() : seat_views[seat];
      }
      view["history"] = history_of(seat);
      own.push_back(view);
    }
    std::lock_guard<std::mutex> lock(mutex);
    room_view = std::move(shared);
    seat_views = std::move(own);
    phase = Phase::ended;
    ++version;
    changed.notify_all();
    return *outcome;
  }

  void fill_model_answers() {
    for (std::size_t seat = 0; seat < decisions.size(); ++seat) {
      for (auto& decision : decisions[seat]) {
        if (!decision.team) {
          decision.model = decision.played;
          continue;
        }
        Replay replay(seat_of, decisions, static_cast<int>(seat), decision.round);
        replay.set_target_delegation(seat_delegations[seat]);
        Engine engine(scenario, options.seed, &replay);
        engine.set_response_override(&replay);
        while (!replay.answer() && engine.step()) {
        }
        if (replay.answer()) decision.model = to_string(*replay.answer());
      }
    }
  }

  // ---------------------------------------------------------------- views (engine thread)

  std::string name_of(int delegation) const { return scenario.delegations[static_cast<std::size_t>(delegation)].name; }

  // One paragraph of a text as the pages show it; the tabled drafts and the final text alike (the
  // final text once lacked its printed value, and the seat page read "On the scale: undefined").
  static json paragraph_view(const Issue& issue, double value) {
    return {{"id", issue.id},
            {"title", issue.title},
            {"value", round6(value)},
            {"value_text", issue.value_text(value)},
            {"text", issue.text_at(value)},
            {"changed", false},
            {"previous_value", nullptr},
            {"previous_text", nullptr}};
  }

  json draft_view(const State& state) const {
    json paragraphs = json::array();
    const json* previous = nullptr;
    for (auto it = trace.events().rbegin(); it != trace.events().rend(); ++it) {
      if (it->value("event", "") == "draft" && it->value("round", 0) == state.round) {
        previous = &*it;
        break;
      }
    }
    for (int k = 0; k < scenario.issue_count(); ++k) {
      const Issue& issue = scenario.issues[static_cast<std::size_t>(k)];
      json paragraph = paragraph_view(issue, state.draft(k));
      if (previous != nullptr && previous->contains("draft")) {
        const double before = previous->at("draft").value(issue.id, state.draft(k));
        // Changed as a reader sees it: a move too small to show in the printed value (the
        // compromise drifts with positions every round) would read "0.32 -> 0.32".
        if (issue.value_text(before) != issue.value_text(state.draft(k))) {
          paragraph["changed"] = true;
          paragraph["previous_value"] = round6(before);
          paragraph["previous_value_text"] = issue.value_text(before);
          paragraph["previous_text"] = issue.text_at(before);
          // The same level reached: the words stay, only the value moved.
          paragraph["same_words"] = issue.reached_level(before) == issue.reached_level(state.draft(k));
        }
      }
      paragraphs.push_back(paragraph);
    }
    return paragraphs;
  }

  std::string decided_by(int delegation, int event_round) const {
    const int seat = seat_of[static_cast<std::size_t>(delegation)];
    if (seat < 0) return "model";
    for (const auto& decision : decisions[static_cast<std::size_t>(seat)]) {
      if (decision.round == event_round) return decision.team ? "team" : "model, no answer in time";
    }
    return "model";
  }

  // Everything the pages share: the draft, last round's answers, the charts' rows, the outcome.
  json shared_view(const State* state) const {
    json view = {{"title", scenario.title},
                 {"rule", scenario.process.rule.name()},
                 {"max_rounds", scenario.process.max_rounds},
                 {"amendments", scenario.process.chair.amendments}};
    json blocs = json::array();
    for (const auto& bloc : scenario.blocs) blocs.push_back({{"id", bloc.id}, {"name", bloc.name}});
    blocs.push_back({{"id", "none"}, {"name", "no bloc"}});
    view["blocs"] = blocs;
    json seats = json::array();
    for (int delegation : seat_delegations) {
      seats.push_back(
          {{"id", scenario.delegations[static_cast<std::size_t>(delegation)].id}, {"name", name_of(delegation)}});
    }
    view["seats"] = seats;
    // The charts: one row per delegation and round (utility), one per response and round (shares).
    json utility = json::array();
    std::map<int, std::array<std::pair<int, double>, 3>> shares;
    const double total_power = scenario.power.sum();
    int last_round = 0;
    for (const auto& event : trace.events()) {
      if (event.value("event", "") != "response") continue;
      const int delegation = scenario.find_delegation(event.value("delegation", ""));
      if (delegation < 0) continue;
      const Delegation& named = scenario.delegations[static_cast<std::size_t>(delegation)];
      const int event_round = event.value("round", 0);
      const std::string response = event.value("response", "");
      last_round = std::max(last_round, event_round);
      utility.push_back({{"round", event_round},
                         {"delegation", named.id},
                         {"name", named.name},
                         {"bloc", named.bloc >= 0 ? scenario.blocs[static_cast<std::size_t>(named.bloc)].id : "none"},
                         {"response", response},
                         {"by", decided_by(delegation, event_round)},
                         {"utility", event.value("utility", 0.0)},
                         {"support", event.value("support_threshold", 0.0)},
                         {"blocking", event.value("blocking_threshold", 0.0)}});
      auto& slot = shares[event_round][response == "support" ? 0 : response == "aside" ? 1 : 2];
      slot.first += 1;
      slot.second += scenario.power(delegation) / total_power;
    }
    json share_rows = json::array();
    for (const auto& [share_round, slots] : shares) {
      for (int slot = 0; slot < 3; ++slot) {
        share_rows.push_back({{"round", share_round},
                              {"response", slot == 0   ? "support"
                                           : slot == 1 ? "aside"
                                                       : "object"},
                              {"order", slot},
                              {"count", slots[static_cast<std::size_t>(slot)].first},
                              {"power", round6(slots[static_cast<std::size_t>(slot)].second)}});
      }
    }
    view["utility"] = utility;
    view["shares"] = share_rows;
    // Last round's answers, every delegation.
    json last = json::array();
    for (const auto& row : utility) {
      if (row.value("round", 0) == last_round) {
        last.push_back(
            {{"id", row["delegation"]}, {"name", row["name"]}, {"response", row["response"]}, {"by", row["by"]}});
      }
    }
    view["last_round"] = {{"round", last_round}, {"answers", last}};
    if (state != nullptr) {
      view["draft"] = draft_view(*state);
    } else if (outcome) {
      json paragraphs = json::array();
      for (int k = 0; k < scenario.issue_count(); ++k) {
        paragraphs.push_back(paragraph_view(scenario.issues[static_cast<std::size_t>(k)], outcome->draft(k)));
      }
      view["draft"] = paragraphs;
      view["outcome"] = {{"kind", to_string(outcome->kind)},
                         {"interrupted", outcome->interrupted},
                         {"rounds", outcome->rounds},
                         {"summary", text_summary(scenario, *outcome, "")}};
      json debrief = json::array();
      for (std::size_t seat = 0; seat < seat_delegations.size(); ++seat) {
        debrief.push_back({{"id", scenario.delegations[static_cast<std::size_t>(seat_delegations[seat])].id},
                           {"name", name_of(seat_delegations[seat])},
                           {"rounds", history_of(seat)}});
      }
      view["debrief"] = debrief;
    }
    return view;
  }

  json history_of(std::size_t seat) const {
    json rounds = json::array();
    for (const auto& decision : decisions[seat]) rounds.push_back(decision_json(decision));
    return rounds;
  }

  json decision_json(const Decision& decision) const {
    json amendment = nullptr;
    if (decision.team && decision.team->amendment) {
      amendment = {{"issue", scenario.issues[static_cast<std::size_t>(decision.team->amendment->issue)].id},
                   {"value", round6(decision.team->amendment->value)}};
    }
    return {{"round", decision.round},
            {"response", decision.played.empty() ? json(nullptr) : json(decision.played)},
            {"amendment", amendment},
            {"by", decision.team ? "team" : "model"},
            {"model_answer", decision.model ? json(*decision.model) : json(nullptr)}};
  }

  double utility_of(const State& state, int delegation) const {
    double loss = 0;
    for (int k = 0; k < scenario.issue_count(); ++k) {
      loss += scenario.salience(delegation, k) *
              issue_loss(state.draft(k), state.positions(delegation, k), scenario.process.utility);
    }
    return 1.0 - loss + state.noise(delegation);
  }

  // The seat's own view of the tabled text: its stance on each paragraph, its utility, thresholds.
  json seat_view(const State& state, std::size_t seat) const {
    const int delegation = seat_delegations[seat];
    const Delegation& named = scenario.delegations[static_cast<std::size_t>(delegation)];
    json stance = json::array();
    for (int k = 0; k < scenario.issue_count(); ++k) {
      const Issue& issue = scenario.issues[static_cast<std::size_t>(k)];
      const double low = scenario.red_line_min(delegation, k);
      const double high = scenario.red_line_max(delegation, k);
      const bool crosses = crosses_red_line(scenario, delegation, k, state.draft(k));
      stance.push_back({{"id", issue.id},
                        {"position", round6(state.positions(delegation, k))},
                        {"position_text", issue.nearest_level(state.positions(delegation, k)).text},
                        {"salience", round6(scenario.salience(delegation, k))},
                        {"red_line_min", low > 0 ? json(round6(low)) : json(nullptr)},
                        {"red_line_max", high < 1 ? json(round6(high)) : json(nullptr)},
                        {"crossed", crosses}});
    }
    const double utility = utility_of(state, delegation);
    const double alone = named.outside_option - scenario.process.isolation_cost;
    const std::string advice = brief_advice(scenario, state, delegation, utility);
    std::vector<std::string> allies;
    if (named.bloc >= 0) {
      for (int member : scenario.blocs[static_cast<std::size_t>(named.bloc)].members) {
        if (member != delegation) allies.push_back(name_of(member));
      }
    }
    return {{"id", named.id},
            {"name", named.name},
            {"bloc", named.bloc >= 0 ? json(scenario.blocs[static_cast<std::size_t>(named.bloc)].name) : json(nullptr)},
            {"allies", allies},
            {"stance", stance},
            {"utility", round6(utility)},
            {"perception_note", perception_note(state.noise(delegation))},
            {"support_threshold", round6(state.support_threshold(delegation))},
            {"blocking_alone", round6(alone)},
            {"blocking_with_others", round6(named.outside_option)},
            {"advice", advice},
            {"history", history_of(seat)}};
  }

  // ---------------------------------------------------------------- the server's side (mutex held)

  const char* phase_name() const {
    switch (phase) {
      case Phase::waiting: return "waiting";
      case Phase::answering: return "answering";
      case Phase::paused: return "paused";
      case Phase::counting: return "counting";
      case Phase::ended: return "ended";
    }
    return "waiting";
  }

  double seconds_left() const {
    if (phase == Phase::paused) return paused_seconds_left;
    if (phase != Phase::answering) return 0;
    return std::max(0.0, std::chrono::duration<double>(deadline - Clock::now()).count());
  }

  json answer_json(const std::optional<Answer>& answer) const {
    if (!answer) return nullptr;
    json out = {{"response", response_word(answer->response)}, {"amendment", nullptr}};
    if (answer->amendment) {
      out["amendment"] = {{"issue", scenario.issues[static_cast<std::size_t>(answer->amendment->issue)].id},
                          {"value", round6(answer->amendment->value)}};
    }
    return out;
  }

  json live_fields() const {
    int answered = 0;
    for (const auto& answer : answers) answered += answer ? 1 : 0;
    // The last round takes no amendment (no text follows it); it may be the presidency's final text.
    return {{"version", version},
            {"phase", phase_name()},
            {"round", round},
            {"last_round", scenario.process.is_last_round(round - 1)},
            {"final_text", scenario.process.is_final_text_round(round - 1)},
            {"final_text_words", final_text_words(scenario.process)},
            {"seconds_left", std::round(seconds_left() * 10) / 10},
            {"answered", answered},
            {"seat_count", seat_delegations.size()}};
  }

  json seat_state(std::size_t seat) const {
    json state = live_fields();
    state["kind"] = "seat";
    state["room"] = room_view;
    state["seat"] = seat < seat_views.size() ? seat_views[seat] : json::object();
    state["rules"] = seat < seat_rules.size() ? seat_rules[seat] : json::array();
    state["answer"] = seat < answers.size() && phase != Phase::ended ? answer_json(answers[seat]) : json(nullptr);
    return state;
  }

  json teacher_state() const {
    json state = live_fields();
    state["kind"] = "teacher";
    state["room"] = room_view;
    state["rules"] = teacher_rules;
    json seats = json::array();
    for (std::size_t seat = 0; seat < seat_delegations.size(); ++seat) {
      seats.push_back({{"id", scenario.delegations[static_cast<std::size_t>(seat_delegations[seat])].id},
                       {"name", name_of(seat_delegations[seat])},
                       {"answered", seat < answers.size() && answers[seat].has_value()},
                       {"link", link("seat", seat_tokens[seat])}});
    }
    state["seats"] = seats;
    return state;
  }

  std::string link(const char* kind, const std::string& token) const {
    const std::string shown_host = options.host == "0.0.0.0" ? "HOST" : options.host;
    return "http://" + shown_host + ":" + std::to_string(bound_port) + "/" + kind + "/" + token;
  }

  // ---------------------------------------------------------------- requests

  int seat_for_token(const std::string& token) const {
    for (std::size_t seat = 0; seat < seat_tokens.size(); ++seat) {
      if (same_token(token, seat_tokens[seat])) return static_cast<int>(seat);
    }
    return -1;
  }

  // POST /api/seat/TOKEN/answer {"round": N, "response": "support|aside|object|amend",
  // "amendment": {"issue": ID, "value": X}}.
  void handle_answer(std::size_t seat, const httplib::Request& request, httplib::Response& response) {
    json body;
    try {
      body = json::parse(request.body);
    } catch (const json::parse_error& error) {
      send_error(response, 400, std::string("malformed JSON: ") + error.what());
      return;
    }
    if (!body.is_object()) return send_error(response, 400, "the answer must be a JSON object");
    if (!body.contains("round") || !body["round"].is_number_integer()) {
      return send_error(response, 400, "\"round\" must be the round number you answer (an integer)");
    }
    if (!body.contains("response") || !body["response"].is_string()) {
      return send_error(response, 400, "\"response\" must be one of support, aside, object, amend");
    }
    const std::string word = body["response"].get<std::string>();
    Answer answer;
    if (word == "support") {
      answer.response = Response::support;
    } else if (word == "aside") {
      answer.response = Response::aside;
    } else if (word == "object" || word == "amend") {
      answer.response = Response::object;
    } else {
      return send_error(response, 400, "\"response\" must be one of support, aside, object, amend, not '" + word + "'");
    }
    const int answered_round = body["round"].get<int>();
    std::unique_lock<std::mutex> lock(mutex);
    if (word == "amend") {
      if (!scenario.process.chair.amendments) {
        return send_error(response, 400, "the chair takes no amendments in this negotiation: answer object instead");
      }
      if (scenario.process.is_last_round(answered_round - 1)) {
        return send_error(response, 400,
                          "no text follows the last round, so the chair can weigh no amendment: answer object instead");
      }
      const json* amendment = body.contains("amendment") ? &body["amendment"] : nullptr;
      if (amendment == nullptr || !amendment->is_object() || !amendment->contains("issue") ||
          !(*amendment)["issue"].is_string() || !amendment->contains("value") || !(*amendment)["value"].is_number()) {
        return send_error(response, 400,
                          "an amendment needs \"amendment\": {\"issue\": PARAGRAPH ID, \"value\": NUMBER FROM 0 TO 1}");
      }
      const int issue = scenario.find_issue((*amendment)["issue"].get<std::string>());
      if (issue < 0)
        return send_error(response, 400, "there is no paragraph '" + (*amendment)["issue"].get<std::string>() + "'");
      const double value = (*amendment)["value"].get<double>();
      if (!std::isfinite(value) || value < 0 || value > 1) {
        return send_error(response, 400, "the amendment's value must be a number from 0 to 1");
      }
      // A chair drafting in the catalogue's words writes the level nearest the value asked for.
      answer.amendment =
          ResponseOverride::Amendment{issue, scenario.process.drafting == Drafting::levels
                                                 ? scenario.issues[static_cast<std::size_t>(issue)].in_words(value)
                                                 : value};
    }
    if (phase == Phase::ended) return send_error(response, 409, "the session has ended");
    if (phase != Phase::answering && phase != Phase::paused) {
      return send_error(response, 409,
                        "no round is open for answers now (the room is " + std::string(phase_name()) + ")");
    }
    if (answered_round != round) {
      return send_error(response, 409,
                        "this answer is for round " + std::to_string(answered_round) + ", but round " +
                            std::to_string(round) + " is open");
    }
    if (answers[seat]) {
      return send_error(response, 409, "your delegation has already answered round " + std::to_string(round));
    }
    if (answer.amendment) {
      const int issue = answer.amendment->issue;
      const double current = room_view["draft"][static_cast<std::size_t>(issue)].value("value", 0.0);
      if (std::abs(answer.amendment->value - current) < 1e-6) {
        return send_error(response, 400,
                          "the amendment must move the paragraph away from the text's " + two_decimals(current));
      }
    }
    answers[seat] = answer;
    ++version;
    changed.notify_all();
    send_json(response, 200, {{"ok", true}, {"round", round}, {"answer", answer_json(answer)}});
  }

  void handle_teacher(const std::string& action, const httplib::Request& request, httplib::Response& response) {
    std::unique_lock<std::mutex> lock(mutex);
    if (phase == Phase::ended) return send_error(response, 409, "the session has ended");
    if (action == "start") {
      if (started) return send_error(response, 409, "the session has already started");
      started = true;
      if (phase == Phase::waiting) {
        phase = Phase::answering;
        deadline = Clock::now() +
                   std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.answer_timeout));
      }
    } else if (action == "pause") {
      if (phase != Phase::answering) return send_error(response, 409, "only an open round can be paused");
      paused_seconds_left = seconds_left();
      phase = Phase::paused;
    } else if (action == "resume") {
      if (phase != Phase::paused) return send_error(response, 409, "the room is not paused");
      phase = Phase::answering;
      deadline = Clock::now() +
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(paused_seconds_left));
    } else if (action == "extend") {
      double seconds = 60;
      if (!request.body.empty()) {
        json body;
        try {
          body = json::parse(request.body);
        } catch (const json::parse_error& error) {
          return send_error(response, 400, std::string("malformed JSON: ") + error.what());
        }
        if (!body.is_object() || !body.contains("seconds") || !body["seconds"].is_number() ||
            !(body["seconds"].get<double>() > 0) || body["seconds"].get<double>() > 3600) {
          return send_error(response, 400, "\"seconds\" must be a number above 0 and at most 3600");
        }
        seconds = body["seconds"].get<double>();
      }
      if (phase == Phase::paused) {
        paused_seconds_left += seconds;
      } else if (phase == Phase::answering) {
        deadline += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
      } else {
        return send_error(response, 409, "no round is open to extend");
      }
    } else if (action == "end") {
      stop_requested = true;
    }
    ++version;
    changed.notify_all();
    send_json(response, 200, {{"ok", true}, {"phase", phase_name()}});
  }

  std::string page(const char* kind, const std::string& token, bool charts) const {
    std::ostringstream html;
    const json config = {{"kind", kind}, {"token", token}};
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n<title>"
         << escape_html(scenario.title) << " · negsim room</title>\n<style>\n"
         << embedded::text(embedded::report_style, embedded::report_style_size)
         << embedded::text(embedded::room_style, embedded::room_style_size) << "</style>\n</head>\n<body class=\"room-"
         << kind << "\">\n<header><p class=\"kicker\">negsim room · " << (charts ? "teacher" : "delegation")
         << "</p>\n<h1>" << escape_html(scenario.title) << "</h1>\n<p id=\"status\" class=\"status\" role=\"status\" "
         << "aria-live=\"polite\">Connecting…</p></header>\n<main id=\"room\"></main>\n"
         << "<noscript><p class=\"note\">This page needs JavaScript to follow the room.</p></noscript>\n"
         << "<script type=\"application/json\" id=\"negsim-room\">" << json_for_script_element(config) << "</script>\n";
    if (charts) html << "<script>\n" << inline_script(vega_bundle()) << "\n</script>\n";
    html << "<script>\n"
         << inline_script(embedded::text(embedded::format_script, embedded::format_script_size)) << "\n</script>\n"
         << "<script>\n"
         << inline_script(embedded::text(embedded::room_script, embedded::room_script_size))
         << "\n</script>\n</body>\n</html>\n";
    return html.str();
  }

  // An event stream of the whole state: a reload or reconnection starts with the current state.
  template <typename StateOf>
  void stream(httplib::Response& response, StateOf state_of) {
    auto seen = std::make_shared<std::uint64_t>(~std::uint64_t{0});
    response.set_header("Cache-Control", "no-store");
    response.set_chunked_content_provider(
        "text/event-stream", [this, seen, state_of](std::size_t, httplib::DataSink& sink) {
          std::unique_lock<std::mutex> lock(mutex);
          changed.wait_for(lock, std::chrono::seconds(10), [&] { return closing || version != *seen; });
          if (closing) {
            sink.done();
            return false;
          }
          std::string payload;
          if (version == *seen) {
            payload = ": still here\n\n";  // finds out, every 10 s, whether the page is gone
          } else {
            *seen = version;
            payload = "data: " + state_of().dump() + "\n\n";
          }
          lock.unlock();
          return sink.write(payload.data(), payload.size());
        });
  }

  void set_up_routes() {
    const std::string token = "([^/]*)";
    server.Get("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("negsim room: open the link your teacher gave you.\n", "text/plain; charset=utf-8");
    });
    server.Get("/seat/" + token, [this](const httplib::Request& request, httplib::Response& response) {
      const int seat = seat_for_token(request.matches[1]);
      if (seat < 0)
        return (void)(response.status = 403,
                      response.set_content(
                          "This link is not valid for this room: ask your teacher for your delegation's link.\n",
                          "text/plain; charset=utf-8"));
      response.set_header("Cache-Control", "no-store");
      response.set_content(page("seat", seat_tokens[static_cast<std::size_t>(seat)], false),
                           "text/html; charset=utf-8");
    });
    server.Get("/teacher/" + token, [this](const httplib::Request& request, httplib::Response& response) {
      if (!same_token(request.matches[1], teacher_token)) {
        response.status = 403;
        return response.set_content("This link is not the teacher's link for this room.\n",
                                    "text/plain; charset=utf-8");
      }
      response.set_header("Cache-Control", "no-store");
      response.set_content(page("teacher", teacher_token, true), "text/html; charset=utf-8");
    });
    server.Get("/api/seat/" + token + "/state", [this](const httplib::Request& request, httplib::Response& response) {
      const int seat = seat_for_token(request.matches[1]);
      if (seat < 0) return send_error(response, 403, "unknown seat token");
      std::lock_guard<std::mutex> lock(mutex);
      send_json(response, 200, seat_state(static_cast<std::size_t>(seat)));
    });
    server.Get("/api/seat/" + token + "/events", [this](const httplib::Request& request, httplib::Response& response) {
      const int seat = seat_for_token(request.matches[1]);
      if (seat < 0) return send_error(response, 403, "unknown seat token");
      stream(response, [this, seat] { return seat_state(static_cast<std::size_t>(seat)); });
    });
    server.Post("/api/seat/" + token + "/answer", [this](const httplib::Request& request, httplib::Response& response) {
      const int seat = seat_for_token(request.matches[1]);
      if (seat < 0) return send_error(response, 403, "unknown seat token: this answer was not recorded");
      handle_answer(static_cast<std::size_t>(seat), request, response);
    });
    server.Get("/api/teacher/" + token + "/state",
               [this](const httplib::Request& request, httplib::Response& response) {
                 if (!same_token(request.matches[1], teacher_token))
                   return send_error(response, 403, "unknown teacher token");
                 std::lock_guard<std::mutex> lock(mutex);
                 send_json(response, 200, teacher_state());
               });
    server.Get("/api/teacher/" + token + "/events",
               [this](const httplib::Request& request, httplib::Response& response) {
                 if (!same_token(request.matches[1], teacher_token))
                   return send_error(response, 403, "unknown teacher token");
                 stream(response, [this] { return teacher_state(); });
               });
    server.Post("/api/teacher/" + token + "/(start|pause|resume|extend|end)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!same_token(request.matches[1], teacher_token)) {
                    return send_error(response, 403, "unknown teacher token: nothing changed");
                  }
                  handle_teacher(request.matches[2], request, response);
                });
    // Whatever else: a message that says what happened (404 unknown route, 413 too large, ...).
    server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!response.body.empty()) return;
      std::string message;
      if (response.status == 404) {
        message = "no such page or API route: " + request.method + " " + request.path;
      } else if (response.status == 413) {
        message = "the request body is too large";
      } else if (response.status == 405) {
        message = "method not allowed";
      } else {
        message = "the request could not be handled (HTTP " + std::to_string(response.status) + ")";
      }
      send_json(response, response.status, {{"error", message}});
    });
  }
};

Room::Room(const Scenario& scenario, RoomOptions options)
    : impl_(std::make_unique<Impl>(scenario, std::move(options))) {
  Impl& room = *impl_;
  if (room.options.seats.empty()) throw std::invalid_argument("--seats: name at least one delegation the class plays");
  room.seat_of.assign(static_cast<std::size_t>(scenario.delegation_count()), -1);
  for (const auto& id : room.options.seats) {
    const int delegation = scenario.find_delegation(id);
    if (delegation < 0) {
      std::string ids;
      for (const auto& named : scenario.delegations) ids += (ids.empty() ? "" : ", ") + named.id;
      throw std::invalid_argument("--seats: unknown delegation '" + id + "'; the delegations of " + scenario.id +
                                  " are: " + ids);
    }
    if (room.seat_of[static_cast<std::size_t>(delegation)] >= 0)
      throw std::invalid_argument("--seats: '" + id + "' is named twice");
    room.seat_of[static_cast<std::size_t>(delegation)] = static_cast<int>(room.seat_delegations.size());
    room.seat_delegations.push_back(delegation);
    room.seat_rules.emplace_back(rules_of_the_room(scenario, delegation));
    room.seat_tokens.push_back(random_token());
  }
  room.teacher_rules = rules_of_the_room(scenario, -1);
  if (!(room.options.answer_timeout > 0)) throw std::invalid_argument("--answer-timeout must be above 0 seconds");
  room.teacher_token = random_token();
  room.decisions.resize(room.seat_delegations.size());
  // Every open page keeps a stream (a thread) open: room for two pages a seat, the teacher's and
  // a margin for answers arriving at once.
  const std::size_t threads = std::min<std::size_t>(2 * room.seat_delegations.size() + 24, 1024);
  room.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  room.server.set_payload_max_length(room.options.max_body_bytes);
  room.server.set_keep_alive_timeout(2);
  room.server.set_read_timeout(10);
  room.set_up_routes();
  // httplib's default sets SO_REUSEPORT, which would let a second room share the port silently;
  // SO_REUSEADDR alone lets a restarted room take its port back. The socket is kept to raise
  // the listen backlog below.
  int listening_socket = -1;
  room.server.set_socket_options([&listening_socket](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening_socket = socket;
  });
  if (room.options.port == 0) {
    room.bound_port = room.server.bind_to_any_port(room.options.host);
  } else if (room.server.bind_to_port(room.options.host, room.options.port)) {
    room.bound_port = room.options.port;
  } else {
    room.bound_port = -1;
  }
  // httplib listens with a backlog of 5: a class answering at once would overflow it and wait
  // seconds for TCP to retry. listen() again on the bound socket only raises the backlog.
  if (room.bound_port > 0 && listening_socket >= 0) ::listen(listening_socket, 512);
  if (room.bound_port <= 0) {
    throw RunError("cannot listen on " + room.options.host + ":" + std::to_string(room.options.port) +
                   " (in use, or not an address of this machine); try another --port");
  }
}

Room::~Room() {
  shutdown();
}

int Room::port() const {
  return impl_->bound_port;
}
std::string Room::seat_link(int seat) const {
  return impl_->link("seat", impl_->seat_tokens.at(static_cast<std::size_t>(seat)));
}
std::string Room::teacher_link() const {
  return impl_->link("teacher", impl_->teacher_token);
}
const std::string& Room::seat_token(int seat) const {
  return impl_->seat_tokens.at(static_cast<std::size_t>(seat));
}
const std::string& Room::teacher_token() const {
  return impl_->teacher_token;
}

const Outcome& Room::play() {
  return impl_->play();
}

void Room::stop() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->stop_requested = true;
  impl_->changed.notify_all();
}

void Room::shutdown() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->closing = true;
    impl_->stop_requested = true;
    impl_->changed.notify_all();
  }
  impl_->server.stop();
  if (impl_->server_thread.joinable()) impl_->server_thread.join();
}

std::vector<json> Room::events() const {
  const Impl& room = *impl_;
  std::vector<json> marked = room.trace.events();
  for (auto& event : marked) {
    if (event.value("event", "") != "response") continue;
    const int delegation = room.scenario.find_delegation(event.value("delegation", ""));
    if (delegation < 0 || room.seat_of[static_cast<std::size_t>(delegation)] < 0) continue;
    const std::string by = room.decided_by(delegation, event.value("round", 0));
    if (by == "team") {
      event["reason"] = "the player's choice";  // as `negsim play` marks a student's answer
      event["player"] = true;
    } else {
      event["player"] = false;
      event["unanswered"] = true;  // a human seat the model answered for: no answer in time
    }
  }
  return marked;
}

json Room::decisions() const {
  const Impl& room = *impl_;
  json out = json::object();
  for (std::size_t seat = 0; seat < room.seat_delegations.size(); ++seat) {
    out[room.scenario.delegations[static_cast<std::size_t>(room.seat_delegations[seat])].id] = room.history_of(seat);
  }
  return out;
}

std::map<std::string, std::string> Room::run_files(const RunOptions& run_options, double wall_seconds) const {
  const Impl& room = *impl_;
  if (!room.outcome) throw RunError("the room has not played yet");
  const Outcome& outcome = *room.outcome;
  json players = json::array();
  for (const auto& id : room.options.seats) players.push_back(id);
  auto summary = summary_json(room.scenario, outcome, room.options.seed);
  summary["players"] = players;
  auto meta = meta_json(room.scenario, run_options, wall_seconds);
  if (outcome.interrupted) meta["interrupted"] = true;
  meta["room"] = {{"seats", players}, {"answer_timeout", room.options.answer_timeout}, {"decisions", decisions()}};
  std::string jsonl;
  for (const auto& event : events()) jsonl += event.dump() + "\n";
  return {{"trace.jsonl", jsonl},
          {"rounds.csv", room.trace.rounds_csv()},
          {"summary.json", summary.dump(2) + "\n"},
          {"meta.json", meta.dump(2) + "\n"},
          {"draft.md", draft_markdown(room.scenario, outcome)}};
}

}  // namespace negsim
