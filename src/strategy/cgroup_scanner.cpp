#include "strategy/strategy.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace scxx {
namespace {

namespace fs = std::filesystem;

// Below `path` a directory can match only if `path` is a prefix of the rule's
// prefix (it leads there) or the prefix is one of `path` (all below match).
bool worth_descending(std::string_view path, const std::vector<std::string> &prefixes) {
  for (const std::string &p : prefixes) {
    if (path.starts_with(p) || std::string_view(p).starts_with(path)) {
      return true;
    }
  }
  return false;
}

bool matches_any(std::string_view path, const std::vector<std::string> &prefixes) {
  for (const std::string &p : prefixes) {
    if (path.starts_with(p)) {
      return true;
    }
  }
  return false;
}

void walk(const fs::path &dir, const std::string &path, const std::vector<std::string> &prefixes,
          std::vector<CgroupDir> &out) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return; // removed meanwhile
  }
  // Paths as /proc/<pid>/cgroup shows them: "/" for the root, no trailing '/'.
  if (matches_any(path, prefixes)) {
    out.push_back({path, static_cast<uint64_t>(st.st_ino)});
  }
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec) || it->is_symlink(type_ec)) {
      continue;
    }
    const std::string child = (path == "/" ? "/" : path + "/") + it->path().filename().string();
    // A prefix ending in '/' matches only below a directory: "/a/" leads
    // through "/a" as well.
    if (worth_descending(child + "/", prefixes) || worth_descending(child, prefixes)) {
      walk(it->path(), child, prefixes, out);
    }
  }
}

} // namespace

CgroupScanner::CgroupScanner(std::string root) : root_(std::move(root)) {}

std::vector<CgroupDir> CgroupScanner::scan(const std::vector<std::string> &prefixes) const {
  std::vector<CgroupDir> out;
  if (!prefixes.empty()) {
    walk(root_, "/", prefixes, out);
  }
  return out;
}

} // namespace scxx
