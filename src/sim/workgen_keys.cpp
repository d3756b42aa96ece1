#include "sim/workgen_keys.h"

#include <set>
#include <string_view>
#include <vector>

namespace scxx::sim {

namespace {

// Python's str.strip(chars).
std::string_view strip(std::string_view s, std::string_view chars) {
  const size_t begin = s.find_first_not_of(chars);
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(chars) - begin + 1);
}

} // namespace

std::string workgen_number_keys(const std::string &text) {
  std::string out;
  out.reserve(text.size() + 64);
  int counter = 1;
  std::vector<int> saved;                     // each enclosing object's counter
  std::vector<std::set<std::string>> seen(1); // keys per open object, [0] outside all
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string line = text.substr(pos, end - pos);
    pos = end;
    if (line.find('{') != std::string::npos) {
      saved.push_back(counter);
      counter = 1;
      seen.emplace_back();
    }
    if (line.find('}') != std::string::npos && seen.size() > 1) {
      seen.pop_back();
      counter = saved.back();
      saved.pop_back();
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      out += line;
      continue;
    }
    std::string key(strip(std::string_view(line).substr(0, colon), "\"\t\n\r "));
    std::set<std::string> &keys = seen.back();
    if (keys.contains(key)) {
      std::string renamed = key + std::to_string(counter);
      while (keys.contains(renamed)) {
        renamed = key + std::to_string(++counter);
      }
      line.replace(line.find(key), key.size(), renamed); // the first occurrence, as workgen
      key = renamed;
    }
    keys.insert(key);
    out += line;
  }
  return out;
}

} // namespace scxx::sim
