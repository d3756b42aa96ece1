#include "daemon/cli_settings.h"

#include "config/settings_table.h"

#include <cmath>
#include <string>
#include <type_traits>
#include <variant>

namespace scxx {
namespace {

// CLI11 looks an option up by any one of its names: the last one given.
std::string lookup_name(std::string_view flag) {
  const auto comma = flag.rfind(',');
  return std::string(comma == std::string_view::npos ? flag : flag.substr(comma + 1));
}

} // namespace

void add_setting_options(CLI::App &cmd, Settings &cli) {
  const Settings defaults;
  for (const SettingDesc &row : settings_table()) {
    if (row.flag.empty()) {
      continue; // config file only
    }
    const std::string flag(row.flag);
    const std::string help(row.flag_help.empty() ? row.help : row.flag_help);
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(cli.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            if (row.negated) {
              cmd.add_flag_callback(
                  flag, [&cli, member] { cli.*member = false; }, help);
            } else {
              cmd.add_flag(flag, cli.*member, help);
            }
          } else {
            CLI::Option *opt = cmd.add_option(flag, cli.*member, help);
            opt->default_str(setting_text(row, defaults));
            if constexpr (std::is_same_v<T, std::string>) {
              // Choices are checked after --policy-lib loaded its policies
              // (settings_problem); --help lists the built-in ones.
              if (row.choices != nullptr) {
                std::string names;
                for (const std::string &c : row.choices()) {
                  names += (names.empty() ? "" : "|") + c;
                }
                opt->type_name("{" + names + "}");
              }
            } else if (std::isinf(row.max)) {
              opt->check(CLI::NonNegativeNumber);
            } else {
              opt->check(CLI::Range(static_cast<T>(row.min), static_cast<T>(row.max)));
            }
          }
        },
        row.field);
  }
}

Settings apply_given_options(const CLI::App &cmd, const Settings &cli, Settings base) {
  for (const SettingDesc &row : settings_table()) {
    if (!row.flag.empty() && cmd.get_option(lookup_name(row.flag))->count() != 0) {
      copy_setting(row, cli, base);
    }
  }
  return base;
}

} // namespace scxx
