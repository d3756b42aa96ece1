// libFuzzer target for the control API's request bodies: the first byte
// picks the body kind (strategy, settings PATCH, intents POST, intents
// DELETE), the rest is the body. A refusal (ApiError) is the expected
// outcome for most inputs, but it must carry a 4xx status and a message;
// any other exception, a crash, a sanitizer report or an input slower than
// -timeout is a finding. What is accepted must also be accepted by the
// strategy engine, match a few threads in bounded time, and read back
// unchanged from its own JSON (what the store keeps).
//
// Built with clang and -fsanitize=fuzzer by tests/fuzz/run_api_fuzz.sh;
// the unit tier also links it into control_unit_tests (gcc) and replays the
// corpus through it.
#include "control/api_codec.h"
#include "control/api_error.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

const std::array<scxx::ThreadInfo, 3> kThreads{{
    {1, 1, "systemd", "/init.scope"},
    {200, 200, "nginx",
     "/kubepods.slice/kubepods-burstable.slice/"
     "kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-1.scope"},
    {300, 300, "aaaaaaaaaaaaaaa", "/kubepods/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/x"},
}};

[[noreturn]] void finding(const char *what, const std::string &detail) {
  std::fprintf(stderr, "api_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_accepted(std::vector<scxx::StoredStrategy> strategies) {
  int64_t id = 1; // ids as the API gives them
  for (scxx::StoredStrategy &s : strategies) {
    s.id = id++;
  }
  const scxx::ExpandedRules expanded = scxx::expand_rules(strategies);
  try {
    const scxx::StrategyEngine engine(expanded.rules);
    for (const scxx::ThreadInfo &thread : kThreads) {
      (void)engine.match(thread);
    }
  } catch (const scxx::StrategyError &e) {
    finding("accepted a strategy the engine refuses", e.what());
  }
  for (const scxx::StoredStrategy &s : strategies) {
    const nlohmann::json j = scxx::strategy_to_json(s);
    try {
      scxx::StoredStrategy back = scxx::strategy_from_json(j, "");
      back.id = s.id;
      if (!(back == s)) {
        finding("a strategy reads back differently", j.dump());
      }
    } catch (const scxx::ApiError &e) {
      finding("an accepted strategy's own JSON is refused", j.dump() + ": " + e.what());
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const unsigned kind = data[0] % 4;
  const std::string body(reinterpret_cast<const char *>(data + 1), size - 1);
  try {
    const nlohmann::json j = scxx::parse_json_object(body);
    switch (kind) {
    case 0:
      check_accepted({scxx::strategy_from_json(j, "")});
      break;
    case 1: {
      scxx::RuntimeSettings current;
      current.policy = "gthulhu";
      current.slice_us = 20000;
      current.slice_min_us = 1000;
      current.fast_path = "policy";
      current.stall_ms = 1000;
      (void)scxx::settings_from_json(j, current, true);
      break;
    }
    default: {
      const auto intents = scxx::intents_from_json(j, 16, kind == 3);
      if (kind == 2) {
        std::vector<scxx::StoredStrategy> made;
        for (size_t i = 0; i < intents.size(); ++i) {
          made.push_back(
              scxx::strategy_from_intent(intents[i], "intents[" + std::to_string(i) + "]"));
        }
        check_accepted(made);
      }
      break;
    }
    }
  } catch (const scxx::ApiError &e) {
    if (e.status() < 400 || e.status() > 499 || std::string(e.what()).empty()) {
      finding("a refusal without a 4xx status or a message", e.what());
    }
  }
  return 0;
}
