// rt-app's own files as Debian's rt-app package ships them: comments and
// trailing commas as json-c reads them, and every file either loads or is
// refused by naming what is not supported.
#include "sim/rtapp_reader.h"
#include "sim/workload_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

namespace scxx::sim {
namespace {

TEST(RtAppJsonC, ReadsCommentsAndTrailingCommasAsJsonCDoes) {
  const Workload w = parse_rtapp_json(R"({
    /* a comment, with "quotes", and a comma, */
    "tasks": {
      "t": {"run": 10, "sleep": 20, // a line comment,
            "cpus": [0, 1,],},
    },
  })",
                                      "c.json");
  ASSERT_EQ(w.templates.size(), 1U);
  EXPECT_EQ(w.templates[0].phases[0].ops.size(), 2U);
  EXPECT_EQ(w.templates[0].cpus, (std::vector<int>{0, 1}));
  // A comma inside a string stays.
  const Workload named = parse_rtapp_json(R"({"tasks": {"a,}": {"run": 1,},}})", "s.json");
  EXPECT_EQ(named.templates.at(0).name, "a,}");
}

std::string error_of(const std::string &json) {
  try {
    parse_rtapp_json(json, "w.json");
  } catch (const WorkloadError &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RtAppJsonC, RefusesWhatJsonCKeepsButJsonLoses) {
  // json-c keeps both "run" events; a JSON object would keep one.
  EXPECT_EQ(error_of(R"({"tasks": {"t": {"run": 1, "sleep": 2, "run": 3}}})"),
            "w.json: unsupported repeated key 'run' in one object (json-c keeps both, JSON one: "
            "number them, as rt-app's workgen does)");
  EXPECT_EQ(error_of("{\"tasks\": {\"t\": {\n\"suspend\",\n\"run\": 1}}}"),
            "w.json:2: unsupported key 'suspend' without a value (a workgen template: rt-app's "
            "workgen fills it in)");
}

// Every JSON file of the rt-app package: loaded (and valid for a 4-CPU
// machine), or refused with the unsupported event or key named in quotes.
TEST(RtAppExamples, EachLoadsOrNamesWhatIsUnsupported) {
  const std::filesystem::path doc = "/usr/share/doc/rt-app";
  if (!std::filesystem::is_directory(doc / "examples")) {
    GTEST_SKIP() << "the rt-app package is not installed (scripts/setup.sh installs it)";
  }
  std::vector<std::string> files;
  for (const auto &e : std::filesystem::recursive_directory_iterator(doc)) {
    if (e.is_regular_file() && e.path().extension() == ".json") {
      files.push_back(e.path().string());
    }
  }
  ASSERT_GE(files.size(), 20U);
  const std::regex named_key(R"(: unsupported (event|key|repeated key|policy) '[^']+'|"tasks")");
  size_t loaded = 0;
  for (const std::string &f : files) {
    SCOPED_TRACE(f);
    try {
      validate(load_workload_file(f), 4);
      ++loaded;
    } catch (const WorkloadError &e) {
      const std::string what = e.what();
      EXPECT_TRUE(std::regex_search(what, named_key)) << what;
      EXPECT_EQ(what.find("not valid JSON"), std::string::npos) << what;
    }
  }
  // The tutorial's plain examples, the template and the cpufreq ones load.
  EXPECT_GE(loaded, 8U);
}

} // namespace
} // namespace scxx::sim
