// The YAML configuration file of `scxx run` and the text of
// `scxx config --explain`. One table of key descriptors (config.cpp, built
// from settings_table() plus the strategy keys) drives both the validation
// and the explanation.
#pragma once

#include "config/settings.h"
#include "strategy/strategy.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scxx {

// Messages read "<file>:<line>: <key path>: <problem>", the line omitted when
// unknown, e.g. "scxx.yaml:3: scheduler.slice_us: 5 is out of range [100, 1000000]".
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct Config {
  Settings settings; // the keys of settings_table() (sections scheduler, stats)
  // policies.<name>.<key>: the options a registered policy declares.
  std::map<std::string, std::map<std::string, double>> policy_options;
  std::vector<StrategyRule> strategies; // validated: StrategyEngine accepts them
};

// Parses YAML text; source_name is used in messages (usually the file name).
// Throws ConfigError.
Config parse_config(const std::string &yaml_text, const std::string &source_name);

// Reads and parses a file. Throws ConfigError, also when it cannot be read.
Config load_config_file(const std::string &path);

// What `scxx config --explain` prints: every key with its type, default,
// allowed values and purpose, the priority scale and an example file.
std::string explain_config();

// The example file (src/config/example.yaml), which parses cleanly.
std::string_view example_config_text();

// Every key path the file accepts, e.g. "scheduler.slice_us",
// "strategies[].match.comm", in table order.
std::vector<std::string> config_key_paths();

} // namespace scxx
