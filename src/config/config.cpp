#include "config/config.h"

#include "config/example_yaml.h"
#include "config/settings_table.h"
#include "policy/policy_factory.h"
#include "policy/policy_registry.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

namespace scxx {

namespace {

// ---- The key table ------------------------------------------------------

enum class Kind { kSection, kList, kBool, kInt, kNumber, kEnum, kString };

// A validated scalar; the member matching the key's kind is set.
struct Scalar {
  std::string text; // as written
  bool b = false;
  int64_t i = 0;
  double d = 0;
};

// Where parsed values go: the config, or the rule being parsed.
struct Target {
  Config *config = nullptr;
  StrategyRule *rule = nullptr;
};

struct KeyDesc {
  std::string path; // "scheduler.slice_us", "strategies[].match.comm"
  Kind kind = Kind::kSection;
  std::string help;
  double min = 0; // kInt, kNumber
  double max = 0;
  std::vector<std::string> allowed; // kEnum
  bool required = false;
  std::string default_text;                                        // shown by explain
  std::function<std::optional<std::string>(const Scalar &)> check; // extra validation
  std::function<void(Target &, const Scalar &)> set;
};

void assign(bool &dst, const Scalar &v) {
  dst = v.b;
}
void assign(uint64_t &dst, const Scalar &v) {
  dst = static_cast<uint64_t>(v.i);
}
void assign(double &dst, const Scalar &v) {
  dst = v.d;
}
void assign(std::string &dst, const Scalar &v) {
  dst = v.text;
}

// The fields every key descriptor has; the builders below add how to store it.
KeyDesc base_key(std::string path, Kind kind, std::string help, double min, double max,
                 bool required, std::string default_text) {
  KeyDesc d;
  d.path = std::move(path);
  d.kind = kind;
  d.help = std::move(help);
  d.min = min;
  d.max = max;
  d.required = required;
  d.default_text = std::move(default_text);
  return d;
}

// A key of the settings table: stored in Config::settings, its default
// from Settings{}.
KeyDesc setting_key(const SettingDesc &row) {
  const Kind kind = std::visit(
      [&](auto member) {
        using T = std::remove_cvref_t<decltype(Settings{}.*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          return Kind::kBool;
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          return Kind::kInt;
        } else if constexpr (std::is_same_v<T, double>) {
          return Kind::kNumber;
        } else {
          return row.choices == nullptr ? Kind::kString : Kind::kEnum;
        }
      },
      row.field);
  std::string help(row.help);
  if (!row.flag.empty()) {
    help += " (command line: " + std::string(row.flag) + (row.negated ? " turns it off)" : ")");
  }
  KeyDesc d = base_key(std::string(row.path), kind, std::move(help), row.min, row.max, false,
                       setting_text(row, Settings{}));
  if (row.choices != nullptr) {
    d.allowed = row.choices();
  }
  d.set = [field = row.field](Target &t, const Scalar &v) {
    std::visit([&](auto member) { assign(t.config->settings.*member, v); }, field);
  };
  return d;
}

KeyDesc section_key(std::string path, Kind kind, std::string help, bool required = false,
                    std::string default_text = "") {
  return base_key(std::move(path), kind, std::move(help), 0, 0, required, std::move(default_text));
}

// A key of one strategy rule.
KeyDesc rule_key(std::string path, Kind kind, std::string help,
                 std::function<void(StrategyRule &, const Scalar &)> set, double min = 0,
                 double max = 0, bool required = false, std::string default_text = "") {
  KeyDesc d =
      base_key(std::move(path), kind, std::move(help), min, max, required, std::move(default_text));
  d.set = [set = std::move(set)](Target &t, const Scalar &v) { set(*t.rule, v); };
  return d;
}

// Largest pid Linux allows (PID_MAX_LIMIT).
constexpr double kPidMax = 4194304;

// Help of the sections that group settings ("scheduler.slice_us" is in
// "scheduler").
const std::map<std::string, std::string> kSectionHelp{
    {"scheduler", "how the scheduler runs"},
    {"stats", "live statistics"},
    {"api", "the control API served by `scxx run` (docs/CONTROL.md)"},
};

std::vector<KeyDesc> build_table() {
  std::vector<KeyDesc> t;
  std::string section;
  for (const SettingDesc &row : settings_table()) {
    if (row.path.empty()) {
      continue; // command line only
    }
    const std::string path(row.path);
    const std::string parent = path.substr(0, path.find('.'));
    if (parent != section) {
      section = parent;
      t.push_back(section_key(section, Kind::kSection, kSectionHelp.at(section)));
    }
    t.push_back(setting_key(row));
  }

  // Each registered policy's own options, under policies.<name>.
  t.push_back(section_key("policies", Kind::kSection,
                          "options of the policies, by policy name (only policies that declare "
                          "options appear)"));
  for (const PolicyInfo *policy : registered_policies()) {
    if (policy->options.empty()) {
      continue;
    }
    t.push_back(section_key("policies." + policy->name, Kind::kSection,
                            "options of " + policy->name + ": " + policy->description));
    for (const PolicyOptionSpec &o : policy->options) {
      KeyDesc d = base_key("policies." + policy->name + "." + o.key, Kind::kNumber, o.help, o.min,
                           o.max, false, format_number(o.default_value));
      d.set = [name = policy->name, key = o.key](Target &target, const Scalar &v) {
        target.config->policy_options[name][key] = v.d;
      };
      t.push_back(std::move(d));
    }
  }

  t.push_back(section_key("strategies", Kind::kList,
                          "priority strategies: rules giving matching threads a priority; "
                          "re-applied twice a second, so new threads are picked up within "
                          "about half a second",
                          false, "[] (none)"));
  t.push_back(rule_key(
      "strategies[].name", Kind::kString, "a name for messages",
      [](StrategyRule &r, const Scalar &v) { r.name = v.text; }, 0, 0, false, "(none)"));
  t.push_back(section_key("strategies[].match", Kind::kSection,
                          "the selectors; a thread matches when all given ones match, at least "
                          "one is required",
                          true));
  t.push_back(rule_key(
      "strategies[].match.pid", Kind::kInt, "the thread id (a single thread)",
      [](StrategyRule &r, const Scalar &v) { r.pid = static_cast<int32_t>(v.i); }, 1, kPidMax,
      false, "(none)"));
  t.push_back(rule_key(
      "strategies[].match.tgid", Kind::kInt, "the process id (all threads of the process)",
      [](StrategyRule &r, const Scalar &v) { r.tgid = static_cast<int32_t>(v.i); }, 1, kPidMax,
      false, "(none)"));
  KeyDesc comm = rule_key(
      "strategies[].match.comm", Kind::kString,
      "ECMAScript regular expression searched in the thread's command name (at most 15 "
      "characters); \"nginx\" matches anywhere, \"^nginx$\" only exactly; the expression has "
      "at most " +
          std::to_string(kCommRegexMaxLength) + " characters, counts up to " +
          std::to_string(kCommRegexMaxNumber),
      [](StrategyRule &r, const Scalar &v) { r.comm_regex = v.text; }, 0, 0, false, "(none)");
  comm.check = [](const Scalar &v) -> std::optional<std::string> {
    if (v.text.empty()) {
      return std::string("the regular expression is empty");
    }
    return regex_problem(v.text);
  };
  t.push_back(std::move(comm));
  KeyDesc cgroup = rule_key(
      "strategies[].match.cgroup", Kind::kString,
      "prefix of the thread's cgroup v2 path, e.g. /system.slice/nginx.service; end it with / "
      "to match only below a directory",
      [](StrategyRule &r, const Scalar &v) { r.cgroup_prefix = v.text; }, 0, 0, false, "(none)");
  cgroup.check = [](const Scalar &v) -> std::optional<std::string> {
    if (v.text.empty() || v.text.front() != '/') {
      return "\"" + v.text + "\" must start with '/'";
    }
    return std::nullopt;
  };
  t.push_back(std::move(cgroup));
  t.push_back(rule_key(
      "strategies[].priority", Kind::kInt,
      "the priority (scale below); when several rules match a thread the highest priority "
      "wins, the first listed on a tie",
      [](StrategyRule &r, const Scalar &v) { r.priority = static_cast<uint32_t>(v.i); }, 0,
      kStrategyPrioMax, true));
  t.push_back(rule_key(
      "strategies[].slice_us", Kind::kInt, "the time slice of matching threads, in microseconds",
      [](StrategyRule &r, const Scalar &v) { r.slice_ns = static_cast<uint64_t>(v.i) * 1000; },
      static_cast<double>(kStrategySliceMinNs) / 1000,
      static_cast<double>(kStrategySliceMaxNs) / 1000, false, "the policy's slice"));
  return t;
}

// Rebuilt whenever the set of registered policies changed (a policy
// library loaded after the first use adds keys and choices).
const std::vector<KeyDesc> &key_table() {
  static std::vector<KeyDesc> table;
  static size_t built_for = SIZE_MAX;
  const size_t nr_policies = registered_policies().size();
  if (built_for != nr_policies) {
    table = build_table();
    built_for = nr_policies;
  }
  return table;
}

const KeyDesc *find_key(const std::string &path) {
  for (const KeyDesc &d : key_table()) {
    if (d.path == path) {
      return &d;
    }
  }
  return nullptr;
}

std::string parent_of(const std::string &path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

std::string leaf_of(const std::string &path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// The keys directly inside `parent` ("" for the top level), in table order.
std::vector<const KeyDesc *> children_of(const std::string &parent) {
  std::vector<const KeyDesc *> out;
  for (const KeyDesc &d : key_table()) {
    if (parent_of(d.path) == parent) {
      out.push_back(&d);
    }
  }
  return out;
}

std::string child_path(const std::string &parent, const std::string &name) {
  std::string path = parent;
  if (!path.empty()) {
    path += '.';
  }
  path += name;
  return path;
}

std::string join(const std::vector<std::string> &items, const char *sep) {
  std::string s;
  for (const auto &i : items) {
    s += s.empty() ? "" : sep;
    s += i;
  }
  return s;
}

std::string range_text(const KeyDesc &d) {
  return "[" + format_number(d.min) + ", " + format_number(d.max) + "]";
}

std::string type_text(const KeyDesc &d) {
  switch (d.kind) {
  case Kind::kSection:
    return "mapping";
  case Kind::kList:
    return "list of mappings";
  case Kind::kBool:
    return "boolean";
  case Kind::kInt:
    return "integer";
  case Kind::kNumber:
    return "number";
  case Kind::kEnum:
  case Kind::kString:
    return "string";
  }
  return "value";
}

// ---- Parsing --------------------------------------------------------------

// `text` with control characters written as escapes (\n, \t, \x00): keys and
// values are quoted back into messages, and a NUL would cut the message short
// (what() is a C string) while other control characters would garble the
// terminal.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

class Parser {
public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  Config parse(const std::string &text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception &e) {
      fail(e.mark, "", "invalid YAML: " + e.msg);
    }
    Config config;
    Target target{&config, nullptr};
    if (root.IsNull()) {
      return config; // an empty file: every default
    }
    if (!root.IsMap()) {
      fail(root.Mark(), "",
           "the top level must be a mapping of sections (known: " + known_keys("") + ")");
    }
    walk_map(root, "", "", target);
    check_rules(config);
    return config;
  }

private:
  [[noreturn]] void fail(const YAML::Mark &mark, const std::string &path,
                         const std::string &problem) const {
    std::string msg = source_;
    if (!mark.is_null()) {
      msg += ":" + std::to_string(mark.line + 1);
    }
    msg += ": ";
    if (!path.empty()) {
      msg += printable(path) + ": ";
    }
    msg += printable(problem);
    throw ConfigError(msg);
  }

  static std::string known_keys(const std::string &parent) {
    std::vector<std::string> names;
    for (const KeyDesc *d : children_of(parent)) {
      names.push_back(leaf_of(d->path));
    }
    return join(names, ", ");
  }

  static std::string describe_node(const YAML::Node &node) {
    if (node.IsMap()) {
      return "a mapping";
    }
    if (node.IsSequence()) {
      return "a list";
    }
    if (node.IsScalar()) {
      return quoted(node.Scalar());
    }
    return "nothing";
  }

  // A scalar as a message shows it: on one line, control characters
  // escaped, cut after 40 characters.
  static std::string quoted(const std::string &text) {
    constexpr size_t kMaxShown = 40;
    std::string out = "\"";
    for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '\n') {
        out += "\\n";
      } else if (c < 0x20 || c == 0x7f) {
        out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + (text.size() > kMaxShown ? "...\"" : "\"");
  }

  // Keys of the file are names such as "slice_us": anything else (spaces,
  // a line break inside a quoted key) cannot be a key path in a message.
  static bool is_plain_name(const std::string &name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
  }

  // table: the table path of the map ("strategies[].match"); shown: the same
  // with list indices ("strategies[2].match").
  void walk_map(const YAML::Node &map, const std::string &table, const std::string &shown,
                Target &target) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        fail(key.Mark(), shown, "keys must be plain names, got " + describe_node(key));
      }
      const std::string &name = key.Scalar();
      if (!is_plain_name(name)) {
        fail(key.Mark(), shown, "keys must be plain names, got " + describe_node(key));
      }
      const std::string table_path = child_path(table, name);
      const std::string shown_path = child_path(shown, name);
      const KeyDesc *desc = find_key(table_path);
      if (desc == nullptr) {
        fail(key.Mark(), shown_path, "unknown key (known: " + known_keys(table) + ")");
      }
      if (!seen.insert(name).second) {
        fail(key.Mark(), shown_path, "duplicate key");
      }
      marks_[shown_path] = key.Mark();
      walk_value(*desc, value, shown_path, target);
    }
    for (const KeyDesc *d : children_of(table)) {
      if (d->required && seen.count(leaf_of(d->path)) == 0) {
        fail(map.Mark(), shown, "missing required key \"" + leaf_of(d->path) + "\"");
      }
    }
  }

  void walk_value(const KeyDesc &desc, const YAML::Node &value, const std::string &shown,
                  Target &target) {
    switch (desc.kind) {
    case Kind::kSection:
      if (value.IsNull()) {
        if (desc.required) {
          fail(value.Mark(), shown, "expected a mapping, got nothing");
        }
        return;
      }
      if (!value.IsMap()) {
        fail(value.Mark(), shown, "expected a mapping, got " + describe_node(value));
      }
      walk_map(value, desc.path, shown, target);
      return;
    case Kind::kList:
      walk_strategies(desc, value, shown, target);
      return;
    default:
      break;
    }
    Scalar v = scalar(desc, value, shown);
    if (desc.check) {
      if (auto problem = desc.check(v)) {
        fail(value.Mark(), shown, *problem);
      }
    }
    desc.set(target, v);
  }

  void walk_strategies(const KeyDesc &desc, const YAML::Node &value, const std::string &shown,
                       Target &target) {
    if (value.IsNull()) {
      return;
    }
    if (!value.IsSequence()) {
      fail(value.Mark(), shown, "expected a list, got " + describe_node(value));
    }
    for (size_t i = 0; i < value.size(); ++i) {
      const YAML::Node item = value[i];
      const std::string item_shown = shown + "[" + std::to_string(i) + "]";
      if (!item.IsMap()) {
        fail(item.Mark(), item_shown, "expected a mapping, got " + describe_node(item));
      }
      StrategyRule rule;
      Target rule_target{target.config, &rule};
      walk_map(item, desc.path + "[]", item_shown, rule_target);
      if (!rule.pid && !rule.tgid && !rule.comm_regex && !rule.cgroup_prefix) {
        fail(item["match"].Mark(), item_shown + ".match",
             "give at least one selector (" + known_keys(desc.path + "[].match") + ")");
      }
      if (auto problem = rule_problem(rule)) { // the table should have caught it
        fail(item.Mark(), item_shown, *problem);
      }
      target.config->strategies.push_back(std::move(rule));
    }
  }

  Scalar scalar(const KeyDesc &desc, const YAML::Node &node, const std::string &shown) const {
    Scalar v;
    const std::string want = expected_text(desc);
    if (!node.IsScalar()) {
      fail(node.Mark(), shown, "expected " + want + ", got " + describe_node(node));
    }
    v.text = node.Scalar();
    const char *begin = v.text.data();
    const char *end = begin + v.text.size();
    switch (desc.kind) {
    case Kind::kBool:
      if (!YAML::convert<bool>::decode(node, v.b)) {
        fail(node.Mark(), shown, "expected " + want + ", got \"" + v.text + "\"");
      }
      break;
    case Kind::kInt: {
      auto [ptr, ec] = std::from_chars(begin, end, v.i);
      if (ec == std::errc::result_out_of_range) {
        fail(node.Mark(), shown, v.text + " is out of range " + range_text(desc));
      }
      if (ec != std::errc() || ptr != end || v.text.empty()) {
        fail(node.Mark(), shown, "expected " + want + ", got \"" + v.text + "\"");
      }
      if (static_cast<double>(v.i) < desc.min || static_cast<double>(v.i) > desc.max) {
        fail(node.Mark(), shown, v.text + " is out of range " + range_text(desc));
      }
      break;
    }
    case Kind::kNumber: {
      auto [ptr, ec] = std::from_chars(begin, end, v.d);
      if (ec != std::errc() || ptr != end || v.text.empty()) {
        fail(node.Mark(), shown, "expected " + want + ", got \"" + v.text + "\"");
      }
      if (!(v.d >= desc.min && v.d <= desc.max)) {
        fail(node.Mark(), shown, v.text + " is out of range " + range_text(desc));
      }
      break;
    }
    case Kind::kEnum: {
      bool found = false;
      for (const auto &a : desc.allowed) {
        found = found || a == v.text;
      }
      if (!found) {
        fail(node.Mark(), shown, "\"" + v.text + "\" is not one of " + join(desc.allowed, ", "));
      }
      break;
    }
    case Kind::kString:
    case Kind::kSection:
    case Kind::kList:
      break;
    }
    return v;
  }

  static std::string expected_text(const KeyDesc &d) {
    switch (d.kind) {
    case Kind::kBool:
      return "a boolean (true or false)";
    case Kind::kInt:
      return "an integer in " + range_text(d);
    case Kind::kNumber:
      return "a number in " + range_text(d);
    case Kind::kEnum:
      return "one of " + join(d.allowed, ", ");
    case Kind::kString:
      return "a string";
    case Kind::kSection:
      return "a mapping";
    case Kind::kList:
      return "a list";
    }
    return "a value";
  }

  // Rules between keys, checked where the command line checks them too.
  void check_rules(const Config &c) const {
    const auto problem = settings_problem(c.settings);
    if (!problem) {
      return;
    }
    auto it = marks_.find(problem->path);
    if (it == marks_.end()) {
      it = marks_.find(problem->other);
    }
    fail(it == marks_.end() ? YAML::Mark::null_mark() : it->second, problem->path,
         problem->message);
  }

  std::string source_;
  std::map<std::string, YAML::Mark> marks_; // where each key was given
};

void indent_into(std::string &out, std::string_view text, const char *indent) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) {
      eol = text.size();
    }
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty()) {
      out += indent;
      out += line;
    }
    out += '\n';
    pos = eol + 1;
  }
}

} // namespace

Config parse_config(const std::string &yaml_text, const std::string &source_name) {
  Parser parser(source_name);
  Config config;
  try {
    config = parser.parse(yaml_text);
  } catch (const YAML::Exception &e) { // not expected: every access is checked first
    throw ConfigError(source_name + ": " + printable(e.what()));
  }
  try {
    StrategyEngine check(config.strategies);
  } catch (const StrategyError &e) {
    throw ConfigError(source_name + ": " + printable(e.what()));
  }
  return config;
}

Config load_config_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path + ": cannot open the configuration file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(path + ": cannot read the configuration file");
  }
  return parse_config(text.str(), path);
}

std::string_view example_config_text() {
  return detail::kExampleConfigYaml;
}

std::vector<std::string> config_key_paths() {
  std::vector<std::string> out;
  for (const KeyDesc &d : key_table()) {
    out.push_back(d.path);
  }
  return out;
}

std::string explain_config() {
  std::string out;
  out += "scxx configuration file (YAML)\n\n"
         "Every key is optional unless marked required; an absent key takes its default.\n"
         "Unknown keys, values of the wrong type and values out of range are errors that\n"
         "name the key, its line and the allowed values.\n\n"
         "Keys:\n";
  for (const KeyDesc &d : key_table()) {
    out += "\n  " + d.path + "\n    type: " + type_text(d);
    if (d.kind == Kind::kInt || d.kind == Kind::kNumber) {
      out += ", range " + range_text(d);
    }
    if (d.kind == Kind::kEnum) {
      out += ", one of: " + join(d.allowed, " | ");
    }
    if (d.required) {
      out += ", required";
    } else if (!d.default_text.empty()) {
      out += ", default: " + d.default_text;
    }
    out += "\n    " + d.help + "\n";
  }
  out += "\nPolicies (scheduler.policy; --policy-lib LIB adds those of a library):\n";
  for (const PolicyInfo *p : registered_policies()) {
    out += "  " + p->name + "\n    " + p->description + "\n";
  }
  out += "\nPriority scale (strategies[].priority, the same in user and kernel mode):\n";
  indent_into(out, priority_scale_text(), "  ");
  out += "\nA thread matched by several strategies takes the highest priority among them\n"
         "(the first listed on a tie) and that strategy's slice.\n";
  out += "\nExample:\n\n";
  indent_into(out, example_config_text(), "  ");
  return out;
}

} // namespace scxx
