// `scxx run`'s command-line options, generated from settings_table(): one
// option per row with a flag, with the row's help, range and default.
#pragma once

#include "config/settings.h"

#include <CLI/CLI.hpp>

namespace scxx {

// Adds the options to `cmd`, each bound to its field of `cli`.
void add_setting_options(CLI::App &cmd, Settings &cli);

// `base` (defaults, or what the config file gave) with every setting given
// on the command line taken from `cli`: options given explicitly win.
Settings apply_given_options(const CLI::App &cmd, const Settings &cli, Settings base);

} // namespace scxx
