// `scxx ctl` end to end: the real binary against an API served in this
// process on a Unix socket in a temporary directory.
#include "control/api_service.h"
#include "fake_control_target.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <sys/wait.h>

namespace scxx {
namespace {

struct CtlRun {
  int status = -1;
  std::string out; // stdout and stderr
};

class CtlCommand : public ::testing::Test {
protected:
  CtlCommand() : store_(Store::in_memory()) {
    api_.socket_path = (dir_.path() / "api.sock").string();
    service_ = start_api_service(api_, target_, *store_);
  }
  CtlRun ctl(const std::string &args) {
    const std::string command =
        std::string(SCXX_BINARY) + " ctl --socket '" + api_.socket_path + "' " + args + " 2>&1";
    CtlRun r;
    FILE *p = ::popen(command.c_str(), "r");
    if (p == nullptr) {
      return r;
    }
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
      r.out.append(buf.data(), n);
    }
    const int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

  test::TempDir dir_;
  test::FakeControlTarget target_;
  std::unique_ptr<Store> store_;
  ApiSettings api_;
  std::unique_ptr<ApiService> service_;
};

TEST_F(CtlCommand, StrategiesAddListUpdateDelete) {
  CtlRun r = ctl("strategies add --name web --priority 12 --comm '^nginx$'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("web"), std::string::npos) << r.out;
  ASSERT_EQ(target_.rules().size(), 1U);
  EXPECT_EQ(target_.rules()[0].priority, 12U);

  r = ctl("strategies list");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("comm=^nginx$"), std::string::npos) << r.out;

  r = ctl("--json strategies list");
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  const int64_t id = j["strategies"][0]["id"];

  r = ctl("strategies update " + std::to_string(id) + " --priority 3");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(target_.rules()[0].priority, 3U);
  EXPECT_EQ(target_.rules()[0].comm_regex, "^nginx$"); // the fields not given stay

  r = ctl("strategies delete " + std::to_string(id));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(target_.rules().empty());
}

TEST_F(CtlCommand, RefusalsPrintTheFieldAndFail) {
  CtlRun r = ctl("strategies add --priority 40 --pid 5");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("(field: priority)"), std::string::npos) << r.out;
  r = ctl("strategies get 99");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no strategy with id 99"), std::string::npos) << r.out;
  r = ctl("settings set slice_us=1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("(field: slice_us)"), std::string::npos) << r.out;
  r = ctl("settings set nonsense");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(target_.rules().empty());
}

TEST_F(CtlCommand, SettingsPolicyStatusStatsMetrics) {
  CtlRun r = ctl("settings set slice_us=5000 fast_path=off");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(target_.settings().slice_us, 5000U);
  EXPECT_EQ(target_.settings().fast_path, "off");
  r = ctl("policy fifo");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(target_.settings().policy, "fifo");
  r = ctl("settings");
  EXPECT_NE(r.out.find("slice_us"), std::string::npos) << r.out;
  r = ctl("status");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("attached, policy fifo"), std::string::npos) << r.out;
  r = ctl("stats");
  EXPECT_NE(r.out.find("nr_queued"), std::string::npos) << r.out;
  r = ctl("metrics");
  EXPECT_NE(r.out.find("scxx_queued_total"), std::string::npos) << r.out;
}

TEST(CtlCommandSetup, NoServerIsAnError) {
  const std::string command =
      std::string(SCXX_BINARY) + " ctl --socket /nonexistent/api.sock status 2>&1";
  FILE *p = ::popen(command.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::array<char, 4096> buf{};
  const size_t n = std::fread(buf.data(), 1, buf.size(), p);
  const int status = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(std::string(buf.data(), n).find("/nonexistent/api.sock"), std::string::npos);
}

} // namespace
} // namespace scxx
