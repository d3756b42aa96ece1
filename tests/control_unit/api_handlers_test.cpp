// Every endpoint through ApiHandlers::handle(), with good and bad input,
// against a fake scheduler and an in-memory store.
#include "control/api_handlers.h"
#include "fake_control_target.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace scxx {
namespace {

using nlohmann::json;

class ApiHandlersTest : public ::testing::Test {
protected:
  ApiHandlersTest()
      : store_(Store::in_memory()),
        api_(std::make_unique<ApiHandlers>(target_, *store_, ApiLimits{4})) {}

  json call(const std::string &method, const std::string &path, const std::string &body,
            int expected_status) {
    const ApiResponse r = api_->handle(method, path, body);
    EXPECT_EQ(r.status, expected_status)
        << method << " " << path << " " << body << " -> " << r.body;
    if (r.content_type != "application/json") {
      return r.body;
    }
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  // A refusal names the field to blame and leaves the strategies alone.
  void refused(const std::string &method, const std::string &path, const std::string &body,
               int status, const std::string &field) {
    const auto before = api_->strategies();
    const int set_calls = target_.set_calls;
    const json j = call(method, path, body, status);
    EXPECT_EQ(j.value("field", std::string("<none>")), field) << body << " -> " << j.dump();
    EXPECT_FALSE(j.value("error", std::string()).empty()) << j.dump();
    EXPECT_EQ(api_->strategies(), before) << body;
    EXPECT_EQ(target_.set_calls, set_calls) << body;
  }

  test::FakeControlTarget target_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ApiHandlers> api_;
};

TEST_F(ApiHandlersTest, HealthVersionAndUnknownPaths) {
  EXPECT_EQ(call("GET", "/api/v1/health", "", 200)["status"], "ok");
  EXPECT_FALSE(call("GET", "/api/v1/version", "", 200)["version"].get<std::string>().empty());
  EXPECT_EQ(call("GET", "/api/v1/nothing", "", 404)["field"], "");
  EXPECT_EQ(call("GET", "/elsewhere", "", 404)["field"], "");
  call("POST", "/api/v1/health", "{}", 405);
  call("DELETE", "/api/v1/strategies", "", 405);
}

TEST_F(ApiHandlersTest, StatsCarryEveryCounterAndTheAgent) {
  LiveStats s = target_.stats();
  s.sched.nr_queued = 42;
  s.agent_cpu_s = 1.5;
  s.agent_minor_faults = 7;
  s.last_switch = PolicySwitchReport{"fifo", "gthulhu", 3, 120, 900, 10.5};
  target_.set_stats(s);
  const json j = call("GET", "/api/v1/stats", "", 200);
  EXPECT_EQ(j["counters"]["nr_queued"], 42);
  EXPECT_EQ(j["counters"].size(), stat_descs().size());
  EXPECT_DOUBLE_EQ(j["agent"]["cpu_s"].get<double>(), 1.5);
  EXPECT_EQ(j["agent"]["minor_faults"], 7);
  EXPECT_EQ(j["last_switch"]["pause_us"], 120);
  EXPECT_EQ(j["policy"], "gthulhu");
}

TEST_F(ApiHandlersTest, StrategyLifecycle) {
  const json added = call("POST", "/api/v1/strategies",
                          R"({"name":"web","priority":12,"slice_us":500,)"
                          R"("match":{"comm":"^nginx$","cgroup":"/system.slice/"}})",
                          201);
  const int64_t id = added["id"];
  EXPECT_EQ(added["priority"], 12);
  ASSERT_EQ(target_.rules().size(), 1U);
  EXPECT_EQ(target_.rules()[0].comm_regex, "^nginx$");
  EXPECT_EQ(target_.rules()[0].slice_ns, 500000U);

  const json list = call("GET", "/api/v1/strategies", "", 200);
  ASSERT_EQ(list["strategies"].size(), 1U);
  EXPECT_EQ(list["strategies"][0]["threads"], 2); // from the fake's coverage

  EXPECT_EQ(call("GET", "/api/v1/strategies/" + std::to_string(id), "", 200)["name"], "web");
  const json updated = call("PUT", "/api/v1/strategies/" + std::to_string(id),
                            R"({"name":"web2","priority":3,"match":{"tgid":77}})", 200);
  EXPECT_EQ(updated["id"], id);
  ASSERT_EQ(target_.rules().size(), 1U);
  EXPECT_EQ(target_.rules()[0].tgid, 77);
  EXPECT_EQ(target_.rules()[0].priority, 3U);

  call("DELETE", "/api/v1/strategies/" + std::to_string(id), "", 200);
  EXPECT_TRUE(target_.rules().empty());
  call("GET", "/api/v1/strategies/" + std::to_string(id), "", 404);
  // Ids are never reused.
  EXPECT_GT(call("POST", "/api/v1/strategies", R"({"priority":1,"match":{"pid":5}})", 201)["id"],
            id);
}

TEST_F(ApiHandlersTest, StrategyRefusalsNameTheField) {
  const std::string p = "/api/v1/strategies";
  refused("POST", p, "{not json", 400, "");
  refused("POST", p, "[1,2]", 400, "");
  refused("POST", p, R"({"priority":1,"match":{"pid":5},"colour":"red"})", 400, "colour");
  refused("POST", p, R"({"priority":"high","match":{"pid":5}})", 400, "priority");
  refused("POST", p, R"({"priority":21,"match":{"pid":5}})", 422, "priority");
  refused("POST", p, R"({"priority":-1,"match":{"pid":5}})", 422, "priority");
  refused("POST", p, R"({"priority":1.5,"match":{"pid":5}})", 400, "priority");
  refused("POST", p, R"({"match":{"pid":5}})", 400, "priority");
  refused("POST", p, R"({"priority":1})", 400, "match");
  refused("POST", p, R"({"priority":1,"match":{}})", 422, "");
  refused("POST", p, R"({"priority":1,"match":{"pid":0}})", 422, "match.pid");
  refused("POST", p, R"({"priority":1,"match":{"pid":5,"user":"x"}})", 400, "match.user");
  refused("POST", p, R"({"priority":1,"match":{"comm":"(a"}})", 422, "match.comm");
  refused("POST", p, R"({"priority":1,"match":{"comm":"(a)\\1"}})", 422, "match.comm");
  refused("POST", p, R"({"priority":1,"slice_us":10,"match":{"pid":5}})", 422, "slice_us");
  refused("POST", p, R"({"priority":1,"match":{"pid":5},"id":3})", 400, "id");
  refused("POST", p, R"({"priority":1,"match":{"pod_uid":"not-a-uid"}})", 422, "match.pod_uid");
  refused("POST", p, R"({"priority":1,"match":{"pid":5,"pod_name":"x"}})", 422, "match.pod_name");
  refused("POST", p,
          R"({"priority":1,"name":")" + std::string(200, 'n') + R"(","match":{"pid":5}})", 422,
          "name");
  refused("PUT", p + "/abc", R"({"priority":1,"match":{"pid":5}})", 400, "id");
  refused("PUT", p + "/99", R"({"priority":1,"match":{"pid":5}})", 404, "");
  refused("DELETE", p + "/99", "", 404, "");
}

TEST_F(ApiHandlersTest, TooManyStrategiesIsAConflictAndNothingChanges) {
  for (int i = 1; i <= 4; ++i) {
    call("POST", "/api/v1/strategies",
         R"({"priority":1,"match":{"pid":)" + std::to_string(i) + "}}", 201);
  }
  refused("POST", "/api/v1/strategies", R"({"priority":1,"match":{"pid":9}})", 409, "strategies");
  EXPECT_EQ(target_.rules().size(), 4U);
}

TEST_F(ApiHandlersTest, SettingsPutPatchAndRefusals) {
  json s = call("GET", "/api/v1/settings", "", 200);
  EXPECT_EQ(s["policy"], "gthulhu");
  s["slice_us"] = 5000;
  s["policy"] = "fifo";
  EXPECT_EQ(call("PUT", "/api/v1/settings", s.dump(), 200)["slice_us"], 5000);
  EXPECT_EQ(target_.settings().policy, "fifo");
  EXPECT_EQ(call("PATCH", "/api/v1/settings", R"({"fast_path":"off"})", 200)["fast_path"], "off");
  EXPECT_EQ(target_.settings().slice_us, 5000U);

  const RuntimeSettings before = target_.settings();
  const auto refuse = [&](const std::string &method, const std::string &body, int status,
                          const std::string &field) {
    const json j = call(method, "/api/v1/settings", body, status);
    EXPECT_EQ(j["field"], field) << body;
    EXPECT_EQ(target_.settings(), before) << body;
  };
  refuse("PUT", R"({"slice_us":5000})", 400, "policy"); // PUT needs every member
  refuse("PATCH", R"({"slice_us":1})", 422, "slice_us");
  refuse("PATCH", R"({"slice_us":"fast"})", 400, "slice_us");
  refuse("PATCH", R"({"policy":"nonesuch"})", 422, "policy");
  refuse("PATCH", R"({"fast_path":"sometimes"})", 422, "fast_path");
  refuse("PATCH", R"({"kernel_mode":true})", 400, "kernel_mode");
  refuse("PATCH", R"({"slice_min_us":6000})", 422, "slice_min_us"); // above slice_us
  target_.refusal = "scheduler.slice_us: the policy cannot take it now";
  refuse("PATCH", R"({"slice_us":6000})", 409, "slice_us");
}

TEST_F(ApiHandlersTest, SettingsArePersistedOnlyWhenApplied) {
  call("PATCH", "/api/v1/settings", R"({"slice_us":7000})", 200);
  EXPECT_EQ(store_->load().settings->slice_us, 7000U);
  target_.refusal = "scheduler.policy: cannot switch now";
  call("PATCH", "/api/v1/settings", R"({"slice_us":8000})", 409);
  EXPECT_EQ(store_->load().settings->slice_us, 7000U);
}

TEST_F(ApiHandlersTest, GthulhuIntentsBecomePodStrategies) {
  const std::string uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  const json ok = call("POST", "/api/v1/intents",
                       R"({"intents":[{"podName":"web-1","podID":")" + uid +
                           R"(","nodeID":"n1","k8sNamespace":"shop","commandRegex":"^nginx$",)"
                           R"("priority":0,"executionTime":2000000,"podLabels":{"app":"web"}}]})",
                       200);
  EXPECT_TRUE(ok["success"].get<bool>());
  const auto rules = target_.rules();
  ASSERT_EQ(rules.size(), 6U); // both cgroup drivers, three QoS classes
  for (const StrategyRule &r : rules) {
    EXPECT_EQ(r.priority, 20U); // Gthulhu 0: strongest preemption
    EXPECT_EQ(r.slice_ns, 2000000U);
    EXPECT_EQ(r.comm_regex, "^nginx$");
    EXPECT_NE(r.cgroup_prefix->find("0f1e2d3c"), std::string::npos);
  }
  // Sent again: replaced, not added.
  call("POST", "/api/v1/intents",
       R"({"intents":[{"podID":")" + uid + R"(","commandRegex":"^nginx$","priority":12}]})", 200);
  ASSERT_EQ(api_->strategies().size(), 1U);
  EXPECT_EQ(api_->strategies()[0].rule.priority, 8U);

  const json listing = call("GET", "/api/v1/scheduling/strategies", "", 200);
  EXPECT_TRUE(listing["success"].get<bool>());
  ASSERT_EQ(listing["scheduling"].size(), 1U);
  EXPECT_EQ(listing["scheduling"][0]["priority"], 12);
  EXPECT_EQ(listing["scheduling"][0]["command_regex"], "^nginx$");
  EXPECT_EQ(listing["scheduling"][0]["selectors"][0]["key"], "pod_uid");
  EXPECT_EQ(listing["scheduling"][0]["selectors"][0]["value"], uid);
  EXPECT_FALSE(listing["timestamp"].get<std::string>().empty());

  EXPECT_EQ(call("DELETE", "/api/v1/intents", R"({"intents":[{"podID":")" + uid + R"("}]})",
                 200)["removed"],
            1);
  EXPECT_TRUE(target_.rules().empty());
}

TEST_F(ApiHandlersTest, GthulhuIntentRefusals) {
  const std::string uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  refused("POST", "/api/v1/intents", R"({"intents":{}})", 400, "intents");
  refused("POST", "/api/v1/intents", R"({"intents":[{"priority":1}]})", 400, "intents[0].podID");
  refused("POST", "/api/v1/intents", R"({"intents":[{"podID":"pod-1","priority":1}]})", 422,
          "intents[0].podID");
  refused("POST", "/api/v1/intents", R"({"intents":[{"podID":")" + uid + R"(","priority":21}]})",
          422, "intents[0].priority");
  refused("POST", "/api/v1/intents", R"({"intents":[{"podID":")" + uid + R"("}]})", 400,
          "intents[0].priority");
  refused("POST", "/api/v1/intents",
          R"({"intents":[{"podID":")" + uid + R"(","priority":1,"executionTime":10}]})", 422,
          "intents[0].executionTime");
  refused("POST", "/api/v1/intents",
          R"({"intents":[{"podID":")" + uid + R"(","priority":1,"commandRegex":"["}]})", 422,
          "intents[0].commandRegex");
  refused("POST", "/api/v1/intents",
          R"({"intents":[{"podID":")" + uid + R"(","priority":1,"podLabels":{"a":1}}]})", 400,
          "intents[0].podLabels.a");
  // The second of two is bad: the first is not applied either.
  refused("POST", "/api/v1/intents",
          R"({"intents":[{"podID":")" + uid + R"(","priority":1},{"podID":")" + uid +
              R"(","priority":1,"extra":0}]})",
          400, "intents[1].extra");
}

TEST_F(ApiHandlersTest, GthulhuListingLeavesOutPrioritiesWithoutANumber) {
  call("POST", "/api/v1/strategies", R"({"priority":13,"match":{"pid":5}})", 201);
  call("POST", "/api/v1/strategies", R"({"priority":5,"match":{"tgid":6}})", 201);
  const json listing = call("GET", "/api/v1/scheduling/strategies", "", 200);
  ASSERT_EQ(listing["scheduling"].size(), 1U);
  EXPECT_EQ(listing["scheduling"][0]["priority"], 15);
  EXPECT_EQ(listing["scheduling"][0]["pid"], 6);
  EXPECT_NE(listing["message"].get<std::string>().find("1 left out"), std::string::npos);
}

TEST_F(ApiHandlersTest, StoredStrategiesComeBackInANewInstance) {
  call("POST", "/api/v1/strategies", R"({"priority":9,"name":"db","match":{"comm":"^pg"}})", 201);
  test::FakeControlTarget other;
  const ApiHandlers again(other, *store_, ApiLimits{4});
  ASSERT_EQ(again.strategies().size(), 1U);
  EXPECT_EQ(again.strategies()[0].rule.name, "db");
  ASSERT_EQ(other.rules().size(), 1U); // applied at start
  EXPECT_EQ(other.rules()[0].comm_regex, "^pg");
}

} // namespace
} // namespace scxx

namespace scxx {
namespace {

TEST(ApiHandlersStart, TheConfigFilesStrategiesHoldUntilTheApiChangesThem) {
  auto store = Store::in_memory();
  StrategyRule from_file;
  from_file.comm_regex = "^make$";
  from_file.priority = 4;
  from_file.name = "build";
  {
    test::FakeControlTarget target;
    ApiHandlers api(target, *store, ApiLimits{8}, {from_file});
    ASSERT_EQ(target.rules().size(), 1U); // in force, not wiped by an empty store
    EXPECT_EQ(api.strategies()[0].id, 1);
    EXPECT_EQ(
        api.handle("POST", "/api/v1/strategies", R"({"priority":2,"match":{"pid":9}})").status,
        201);
    EXPECT_EQ(target.rules().size(), 2U);
  }
  // Once the API wrote, the store's list applies, whatever the file says.
  StrategyRule changed = from_file;
  changed.priority = 9;
  test::FakeControlTarget target;
  const ApiHandlers api(target, *store, ApiLimits{8}, {changed});
  ASSERT_EQ(target.rules().size(), 2U);
  EXPECT_EQ(target.rules()[0].priority, 4U);
  // Deleting every strategy through the API is kept too.
  ApiHandlers again(target, *store, ApiLimits{8}, {changed});
  EXPECT_EQ(again.handle("DELETE", "/api/v1/strategies/1", "").status, 200);
  EXPECT_EQ(again.handle("DELETE", "/api/v1/strategies/2", "").status, 200);
  test::FakeControlTarget fresh;
  const ApiHandlers last(fresh, *store, ApiLimits{8}, {changed});
  EXPECT_TRUE(fresh.rules().empty());
}

TEST(ApiHandlersStart, MoreConfigStrategiesThanTheMaximumAreRefused) {
  auto store = Store::in_memory();
  StrategyRule rule;
  rule.pid = 1;
  test::FakeControlTarget target;
  EXPECT_THROW(ApiHandlers(target, *store, ApiLimits{1}, {rule, rule}), std::invalid_argument);
}

} // namespace
} // namespace scxx
