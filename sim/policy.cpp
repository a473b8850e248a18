#include "negsim/policy.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "negsim/errors.hpp"

namespace negsim {

double BuiltinDelegationPolicy::support_threshold(const DelegationView& view) {
  const AgentParameters& agent = view.parameters();
  switch (model_) {
    case AgentModel::sincere:
    case AgentModel::spoiler: return agent.support_max;  // they hold r_max
    case AgentModel::concession:
    case AgentModel::bloc_follower: return concession_threshold(agent, view.round(), view.max_rounds());
    case AgentModel::reciprocal:
      return view.round() == 0 ? agent.support_max
                               : std::max(agent.support_min,
                                          view.support_threshold() - agent.reciprocity * view.others_mean_concession());
  }
  return agent.support_max;
}

Response BuiltinDelegationPolicy::respond(const DelegationView& view) {
  for (int issue = 0; issue < view.issue_count(); ++issue) {
    if (!view.has_reservation(issue) && view.crosses_red_line(issue, view.draft()(issue))) return Response::object;
  }
  if (view.utility() < view.blocking_threshold()) return Response::object;
  return view.utility() >= view.support_threshold() ? Response::support : Response::aside;
}

BuiltinDelegationPolicy& builtin_delegation_policy(AgentModel model) {
  static BuiltinDelegationPolicy sincere(AgentModel::sincere);
  static BuiltinDelegationPolicy concession(AgentModel::concession);
  static BuiltinDelegationPolicy reciprocal(AgentModel::reciprocal);
  static BuiltinDelegationPolicy bloc_follower(AgentModel::bloc_follower);
  static BuiltinDelegationPolicy spoiler(AgentModel::spoiler);
  switch (model) {
    case AgentModel::sincere: return sincere;
    case AgentModel::concession: return concession;
    case AgentModel::reciprocal: return reciprocal;
    case AgentModel::bloc_follower: return bloc_follower;
    case AgentModel::spoiler: return spoiler;
  }
  return concession;
}

namespace {

// The built-in chair strategies through the interface: the functions of model.hpp.
class BuiltinChairPolicy final : public ChairPolicy {
 public:
  explicit BuiltinChairPolicy(ChairStrategy strategy) : strategy_(strategy) {}
  void draft(const ChairView& view, Eigen::VectorXd& draft) override {
    switch (strategy_) {
      case ChairStrategy::compromise:
        draft_compromise(view.scenario(), view.positions(), draft, &view.settled());
        break;
      case ChairStrategy::nash: draft_nash(view.scenario(), view.positions(), draft, &view.settled()); break;
      case ChairStrategy::maximin: draft_maximin(view.scenario(), view.positions(), draft, &view.settled()); break;
    }
  }

 private:
  ChairStrategy strategy_;
};

struct Entry {
  std::string description;
  DelegationPolicyFactory delegation;
  ChairPolicyFactory chair;
};

// Registration happens before runs (command start, plugin loading, Python registration); the
// mutex makes a late registration from another thread safe all the same.
struct Registry {
  std::mutex mutex;
  std::vector<std::pair<std::string, Entry>> delegations;
  std::vector<std::pair<std::string, Entry>> chairs;
};

const char* const builtin_agent_names[] = {"sincere", "concession", "reciprocal", "bloc_follower", "spoiler"};
const char* const builtin_chair_names[] = {"compromise", "nash", "maximin"};

Registry& registry() {
  static Registry instance;
  return instance;
}

const Entry* find(const std::vector<std::pair<std::string, Entry>>& entries, const std::string& name) {
  for (const auto& entry : entries) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

void check_name(const std::string& name, bool taken, const char* what) {
  const bool well_formed = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!well_formed) {
    throw UsageError(std::string("a ") + what + " name is 1 to 64 lower-case letters, digits and underscores, not '" +
                     name.substr(0, 64) + "'");
  }
  if (taken) throw UsageError(std::string("a ") + what + " named '" + name + "' is already registered");
}

bool is_builtin(const char* const (&names)[5], const std::string& name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

bool is_builtin_chair(const std::string& name) {
  return std::find(std::begin(builtin_chair_names), std::end(builtin_chair_names), name) !=
         std::end(builtin_chair_names);
}

}  // namespace

void register_delegation_policy(const std::string& name, const std::string& description,
                                DelegationPolicyFactory factory) {
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  check_name(name, is_builtin(builtin_agent_names, name) || find(entries.delegations, name) != nullptr,
             "delegation policy");
  if (!factory) throw UsageError("the delegation policy '" + name + "' has no factory");
  entries.delegations.push_back({name, Entry{description, std::move(factory), nullptr}});
}

void register_chair_policy(const std::string& name, const std::string& description, ChairPolicyFactory factory) {
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  check_name(name, is_builtin_chair(name) || find(entries.chairs, name) != nullptr, "chair strategy");
  if (!factory) throw UsageError("the chair strategy '" + name + "' has no factory");
  entries.chairs.push_back({name, Entry{description, nullptr, std::move(factory)}});
}

bool is_delegation_policy(const std::string& name) {
  if (is_builtin(builtin_agent_names, name)) return true;
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  return find(entries.delegations, name) != nullptr;
}

bool is_builtin_agent_model(const std::string& name) {
  return is_builtin(builtin_agent_names, name);
}

bool is_chair_policy(const std::string& name) {
  if (is_builtin_chair(name)) return true;
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  return find(entries.chairs, name) != nullptr;
}

std::vector<std::string> delegation_policy_names() {
  std::vector<std::string> names(std::begin(builtin_agent_names), std::end(builtin_agent_names));
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  for (const auto& entry : entries.delegations) names.push_back(entry.first);
  return names;
}

std::vector<std::string> chair_policy_names() {
  std::vector<std::string> names(std::begin(builtin_chair_names), std::end(builtin_chair_names));
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  for (const auto& entry : entries.chairs) names.push_back(entry.first);
  return names;
}

std::string delegation_policy_description(const std::string& name) {
  if (is_builtin(builtin_agent_names, name)) return "built-in " + name + " agent (docs/MODEL.md)";
  Registry& entries = registry();
  const std::lock_guard<std::mutex> lock(entries.mutex);
  const Entry* entry = find(entries.delegations, name);
  return entry != nullptr ? entry->description : std::string();
}

namespace {

// A registered strategy made by its factory: the factory is looked up under the registry's lock
// and called outside it (a Python factory takes the GIL). `what` names the kind in errors.
template <typename Policy, typename Factory>
std::unique_ptr<Policy> make_registered(const std::string& name,
                                        std::vector<std::pair<std::string, Entry>> Registry::*list,
                                        Factory Entry::*factory_of, const char* what, const char* made) {
  Factory factory;
  {
    Registry& entries = registry();
    const std::lock_guard<std::mutex> lock(entries.mutex);
    const Entry* entry = find(entries.*list, name);
    if (entry == nullptr)
      throw UsageError(std::string("no ") + what + " is registered as '" + name.substr(0, 64) + "'");
    factory = entry->*factory_of;
  }
  auto policy = factory();
  if (!policy) throw RunError(std::string("the ") + what + " '" + name + "' made no " + made);
  return policy;
}

}  // namespace

std::unique_ptr<DelegationPolicy> make_delegation_policy(const std::string& name) {
  for (AgentModel model : {AgentModel::sincere, AgentModel::concession, AgentModel::reciprocal,
                           AgentModel::bloc_follower, AgentModel::spoiler}) {
    if (to_string(model) == name) return std::make_unique<BuiltinDelegationPolicy>(model);
  }
  return make_registered<DelegationPolicy>(name, &Registry::delegations, &Entry::delegation, "delegation policy",
                                           "policy");
}

std::unique_ptr<ChairPolicy> make_chair_policy(const std::string& name) {
  if (name == "compromise") return std::make_unique<BuiltinChairPolicy>(ChairStrategy::compromise);
  if (name == "nash") return std::make_unique<BuiltinChairPolicy>(ChairStrategy::nash);
  if (name == "maximin") return std::make_unique<BuiltinChairPolicy>(ChairStrategy::maximin);
  return make_registered<ChairPolicy>(name, &Registry::chairs, &Entry::chair, "chair strategy", "strategy");
}

std::string agent_model_name(const AgentParameters& agent) {
  return agent.policy.empty() ? to_string(agent.model) : agent.policy;
}

std::string chair_strategy_name(const ChairSettings& chair) {
  return chair.policy.empty() ? to_string(chair.strategy) : chair.policy;
}

namespace {

class RegistryRegistrar final : public PluginRegistrar {
 public:
  void add_delegation_policy(const std::string& name, const std::string& description,
                             DelegationPolicyFactory factory) override {
    register_delegation_policy(name, description, std::move(factory));
  }
  void add_chair_policy(const std::string& name, const std::string& description, ChairPolicyFactory factory) override {
    register_chair_policy(name, description, std::move(factory));
  }
};

}  // namespace

void load_plugin(const std::string& path) {
  // A bare name would make dlopen search the library path: a plugin is always a file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    throw UsageError("--plugin " + path + ": cannot load it (" + std::string(reason != nullptr ? reason : "unknown") +
                     ")");
  }
  using RegisterFunction = int (*)(int, PluginRegistrar*);
  void* symbol = dlsym(handle, "negsim_plugin_register");
  if (symbol == nullptr) {
    throw UsageError("--plugin " + path + ": it exports no negsim_plugin_register function (docs/PLUGINS.md)");
  }
  RegisterFunction register_function = nullptr;
  static_assert(sizeof(symbol) == sizeof(register_function), "function and object pointers differ in size");
  std::copy_n(reinterpret_cast<const char*>(&symbol), sizeof(symbol), reinterpret_cast<char*>(&register_function));
  RegistryRegistrar registrar;
  int status = 0;
  try {
    status = register_function(plugin_abi_version, &registrar);
  } catch (const UsageError& error) {
    throw UsageError("--plugin " + path + ": " + error.what());
  }
  if (status != 0) {
    throw UsageError("--plugin " + path + ": it refused to register (status " + std::to_string(status) +
                     "; built for another negsim plugin ABI than version " + std::to_string(plugin_abi_version) + "?)");
  }
  // Never dlclose: the strategies' code and vtables live in the library.
}

}  // namespace negsim
