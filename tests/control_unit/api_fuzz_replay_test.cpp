// Replays the API fuzzer's seed corpus (tests/fuzz/corpus/api) through the
// fuzz target built with gcc, so the unit tier checks it without clang.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

TEST(ApiFuzzCorpus, EverySeedRunsCleanly) {
  size_t seeds = 0;
  for (const auto &entry :
       std::filesystem::directory_iterator(std::string(SCXX_FUZZ_DIR) + "/corpus/api")) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()),
              0)
        << entry.path();
    ++seeds;
  }
  EXPECT_GE(seeds, 10U);
}

} // namespace
