// A temporary directory removed with everything in it at scope exit.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace scxx::test {

class TempDir {
public:
  TempDir() : TempDir(std::filesystem::temp_directory_path()) {}
  explicit TempDir(const std::filesystem::path &base) {
    std::string tmpl = (base / "scxx-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path &path() const { return path_; }

  // Writes `content` to path()/relative, creating the directories on the way.
  void write(const std::string &relative, const std::string &content) const {
    std::filesystem::path p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    if (!out) {
      throw std::runtime_error("cannot write " + p.string());
    }
  }
  void mkdir(const std::string &relative) const {
    std::filesystem::create_directories(path_ / relative);
  }

private:
  std::filesystem::path path_;
};

} // namespace scxx::test
