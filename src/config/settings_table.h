// The one table of settings: for each, its YAML key, command-line flag,
// help, range and default. The config parser (config.cpp), the command line
// (src/daemon/cli_settings.cpp) and `scxx config --explain` are generated
// from it; adding a setting means adding a field to Settings and a row here.
#pragma once

#include "config/settings.h"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace scxx {

// The Settings member a row reads and writes.
using SettingField = std::variant<bool Settings::*, uint64_t Settings::*, double Settings::*,
                                  std::string Settings::*>;

struct SettingDesc {
  std::string_view path; // YAML key, e.g. "scheduler.slice_us"; empty: command line only
  std::string_view flag; // CLI11 names, e.g. "-s,--slice-us"; empty: file only
  std::string_view help; // one sentence, for --help and --explain alike
  SettingField field;
  double min = 0; // integers and numbers: the allowed range (max may be infinite)
  double max = 0;
  bool negated = false;         // a flag that sets the boolean to false (--no-mlock)
  std::string_view flag_help{}; // --help text when it differs from `help`
  // Strings: the only values accepted, asked for when needed (policies
  // loaded from libraries count too).
  std::vector<std::string> (*choices)() = nullptr;
};

const std::vector<SettingDesc> &settings_table();

// The row's value in `s` as text ("20000", "true", "gthulhu").
std::string setting_text(const SettingDesc &d, const Settings &s);

// Copies the row's field from `from` to `to`.
void copy_setting(const SettingDesc &d, const Settings &from, Settings &to);

// "20000", "2.5": integers without a fraction.
std::string format_number(double v);

} // namespace scxx
