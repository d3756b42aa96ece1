// The fuzz corpus (tests/fuzz/corpus/config) replayed in the unit tier, so
// it is checked without clang: every file is accepted, or refused with a
// message naming the line and the key path; each also goes through the fuzz
// target itself (tests/fuzz/config_fuzz.cpp, linked in).
#include "config/config.h"
#include "config_refusal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace scxx {
namespace {

const std::filesystem::path kFuzzDir = SCXX_FUZZ_DIR;

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto &entry : std::filesystem::directory_iterator(kFuzzDir / "corpus" / "config")) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ConfigCorpus, EveryFileIsAcceptedOrRefusedWithLineAndKeyPath) {
  const std::vector<std::filesystem::path> files = corpus_files();
  ASSERT_GE(files.size(), 12U) << "the seed corpus is gone";
  size_t accepted = 0;
  size_t refused = 0;
  for (const std::filesystem::path &file : files) {
    const std::string name = file.filename().string();
    const std::string text = read_file(file);
    try {
      (void)parse_config(text, name);
      ++accepted;
    } catch (const ConfigError &e) {
      ++refused;
      const auto problem = test::refusal_problem(e.what(), name);
      EXPECT_FALSE(problem.has_value())
          << "the refusal " << problem.value_or("") << ": " << e.what();
    }
    // Aborts on what the fuzzer counts as a finding.
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(text.data()), text.size()),
              0);
  }
  EXPECT_GT(accepted, 0U);
  EXPECT_GT(refused, 0U);
}

TEST(ConfigCorpus, ExampleFileIsASeed) {
  EXPECT_EQ(read_file(kFuzzDir / "corpus" / "config" / "example.yaml"),
            std::string(example_config_text()));
}

// The fuzzer's dictionary names every key, so mutations reach each of them.
TEST(ConfigCorpus, DictionaryHasEveryKey) {
  const std::string dict = read_file(kFuzzDir / "config.dict");
  for (const std::string &path : config_key_paths()) {
    const size_t dot = path.rfind('.');
    const std::string leaf = dot == std::string::npos ? path : path.substr(dot + 1);
    EXPECT_NE(dict.find("\"" + leaf + ":\""), std::string::npos)
        << "tests/fuzz/config.dict lacks \"" << leaf << ":\" (" << path << ")";
  }
}

} // namespace
} // namespace scxx
