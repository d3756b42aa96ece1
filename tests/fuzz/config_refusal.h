// What a refused configuration must look like, checked by the fuzz target
// (tests/fuzz/config_fuzz.cpp) and by the corpus replay of the unit tier:
// "<source>:<line>: <key path>: <reason>". Only the errors about the file as
// a whole (invalid YAML, a top level that is not a mapping, a top-level key
// that is not a name) have no key path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scxx::test {

// What is wrong with a ConfigError message about `source`, or nullopt.
inline std::optional<std::string> refusal_problem(std::string_view message,
                                                  std::string_view source) {
  if (!message.starts_with(source) || message.size() <= source.size() ||
      message[source.size()] != ':') {
    return "does not start with \"" + std::string(source) + ":\"";
  }
  std::string_view rest = message.substr(source.size() + 1);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || rest[0] == '0') {
    return std::string("has no line number after the file name");
  }
  rest = rest.substr(digits);
  if (!rest.starts_with(": ")) {
    return std::string("has no \": \" after the line number");
  }
  rest = rest.substr(2);
  for (std::string_view whole_file :
       {"invalid YAML: ", "the top level must be a mapping of sections",
        "keys must be plain names"}) {
    if (rest.starts_with(whole_file)) {
      return std::nullopt;
    }
  }
  const size_t colon = rest.find(": ");
  if (colon == 0 || colon == std::string_view::npos) {
    return std::string("names no key path");
  }
  if (colon + 2 >= rest.size()) {
    return std::string("gives no reason after the key path");
  }
  return std::nullopt;
}

} // namespace scxx::test
