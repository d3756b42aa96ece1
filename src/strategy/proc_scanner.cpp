// Thread enumeration over a /proc tree with plain POSIX calls: a scan of a
// few thousand threads opens two small files per thread, so it avoids
// iostreams and resolves file names relative to open directory descriptors.
#include "strategy/strategy.h"

#include "core/unique_fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <utility>

namespace scxx {

namespace {

// A directory stream closed on scope exit.
class Dir {
public:
  Dir(int parent_fd, const char *name) {
    UniqueFd fd(::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
      return;
    }
    dir_ = ::fdopendir(fd.get());
    if (dir_ != nullptr) {
      (void)fd.release(); // the stream owns it now
    }
  }
  Dir(const Dir &) = delete;
  Dir &operator=(const Dir &) = delete;
  ~Dir() {
    if (dir_ != nullptr) {
      ::closedir(dir_);
    }
  }
  [[nodiscard]] bool ok() const { return dir_ != nullptr; }
  [[nodiscard]] int fd() const { return ::dirfd(dir_); }
  // Next entry whose name is a positive decimal number, or false at the end.
  bool next_number(int32_t &value, const char *&name) {
    while (dirent *e = ::readdir(dir_)) {
      const char *n = e->d_name;
      if (n[0] < '1' || n[0] > '9') {
        continue; // ".", "..", "self", "0"...
      }
      const char *end = n;
      while (*end != '\0') {
        ++end;
      }
      int32_t v = 0;
      auto [ptr, ec] = std::from_chars(n, end, v);
      if (ec != std::errc() || ptr != end || v <= 0) {
        continue;
      }
      value = v;
      name = n;
      return true;
    }
    return false;
  }

private:
  DIR *dir_ = nullptr;
};

// Reads a whole small file relative to dir_fd into `out`. False when it
// cannot be opened or read (the thread went away).
bool read_file_at(int dir_fd, const char *path, std::string &out) {
  const UniqueFd fd(::openat(dir_fd, path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return false;
  }
  out.clear();
  char buf[512];
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ok = false;
      break;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1U << 16)) {
      break; // far longer than any comm or cgroup file
    }
  }
  return ok;
}

void strip_newline(std::string &s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
}

// The path of the "0::" line (cgroup v2), "" when there is none.
std::string cgroup_v2_path(const std::string &content) {
  size_t pos = 0;
  while (pos < content.size()) {
    size_t eol = content.find('\n', pos);
    if (eol == std::string::npos) {
      eol = content.size();
    }
    std::string_view line(content.data() + pos, eol - pos);
    if (line.starts_with("0::")) {
      return std::string(line.substr(3));
    }
    pos = eol + 1;
  }
  return {};
}

// Command name and start time (field 22, clock ticks since boot) of a
// /proc/<pid>/stat line. The name is field 2 in parentheses and may hold
// spaces and ')' itself, so the fields after it start at the last ')'.
bool parse_stat(std::string_view line, std::string_view &comm, uint64_t &start_ticks) {
  const size_t open = line.find('(');
  const size_t close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return false;
  }
  comm = line.substr(open + 1, close - open - 1);
  // Field 3 (state) follows ") "; field 22 is the 20th after the name.
  size_t pos = close + 1;
  for (int field = 3; field < 22; ++field) {
    pos = line.find(' ', pos + 1);
    if (pos == std::string_view::npos) {
      return false;
    }
  }
  const char *first = line.data() + pos + 1;
  const auto [ptr, ec] = std::from_chars(first, line.data() + line.size(), start_ticks);
  return ec == std::errc() && ptr != first;
}

} // namespace

ProcScanner::ProcScanner(std::string proc_root) : root_(std::move(proc_root)) {}

std::vector<ThreadInfo> ProcScanner::scan(const ScanOptions &options) const {
  std::vector<ThreadInfo> out;
  scan(out, options);
  return out;
}

void ProcScanner::scan(std::vector<ThreadInfo> &out, const ScanOptions &options) const {
  out.clear();
  Dir proc(AT_FDCWD, root_.c_str());
  if (!proc.ok()) {
    return;
  }
  std::string content;
  std::string rel; // "<tid>/comm" relative to the task directory
  int32_t tgid = 0;
  const char *tgid_name = nullptr;
  while (proc.next_number(tgid, tgid_name)) {
    rel.assign(tgid_name).append("/task");
    Dir tasks(proc.fd(), rel.c_str());
    if (!tasks.ok()) {
      continue; // exited since readdir
    }
    int32_t tid = 0;
    const char *tid_name = nullptr;
    while (tasks.next_number(tid, tid_name)) {
      ThreadInfo t;
      t.pid = tid;
      t.tgid = tgid;
      if (options.read_comm) {
        rel.assign(tid_name).append("/comm");
        if (!read_file_at(tasks.fd(), rel.c_str(), content)) {
          continue; // the thread exited
        }
        strip_newline(content);
        t.comm = content;
      }
      if (options.read_cgroup) {
        rel.assign(tid_name).append("/cgroup");
        if (!read_file_at(tasks.fd(), rel.c_str(), content)) {
          continue;
        }
        t.cgroup = cgroup_v2_path(content);
        strip_newline(t.cgroup);
      }
      if (!options.read_comm && !options.read_cgroup) {
        // Nothing read yet: make sure the thread still exists.
        rel.assign(tid_name);
        if (::faccessat(tasks.fd(), rel.c_str(), F_OK, 0) != 0) {
          continue;
        }
      }
      out.push_back(std::move(t));
    }
  }
}

bool ProcScanner::read_start(ThreadInfo &thread) const {
  const std::string path =
      root_ + "/" + std::to_string(thread.tgid) + "/task/" + std::to_string(thread.pid) + "/stat";
  std::string content;
  std::string_view comm;
  uint64_t start = 0;
  if (!read_file_at(AT_FDCWD, path.c_str(), content) || !parse_stat(content, comm, start)) {
    return false;
  }
  if (!thread.comm.empty() && comm != thread.comm) {
    return false;
  }
  thread.start_ticks = start;
  return true;
}

} // namespace scxx
