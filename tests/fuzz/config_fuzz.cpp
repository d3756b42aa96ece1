// libFuzzer target for the YAML configuration of `scxx run --config`,
// strategy rules included: the bytes go to parse_config, the function
// load_config_file hands the file's text to. A refusal (ConfigError) is the
// expected outcome for most inputs, but it must name the line and the key
// path; any other exception, a crash, a sanitizer report or an input that
// runs past -timeout is a finding. Accepted rules are also matched against a
// few command names, as the agent does twice a second, so a regex that
// compiles but cannot be matched in bounded time or stack is found too.
//
// Built with clang and -fsanitize=fuzzer by tests/fuzz/run_config_fuzz.sh;
// the unit tier also links it into strategy_unit_tests (gcc) and replays
// the corpus through it.
#include "config/config.h"
#include "config_refusal.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr const char *kSource = "fuzz.yaml";

// Command names as /proc gives them: at most 15 characters.
const std::array<scxx::ThreadInfo, 5> kThreads{{
    {1, 1, "systemd", "/init.scope"},
    {200, 200, "nginx", "/system.slice/nginx.service"},
    {201, 200, "aaaaaaaaaaaaaaa", "/system.slice/nginx.service"},
    {300, 300, "kworker/0:1H-kb", ""},
    {400, 400, "", "/"},
}};

[[noreturn]] void finding(const char *what, const std::string &detail) {
  std::fprintf(stderr, "config_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  try {
    const scxx::Config config = scxx::parse_config(text, kSource);
    const scxx::StrategyEngine engine(config.strategies);
    for (const scxx::ThreadInfo &thread : kThreads) {
      (void)engine.match(thread);
    }
  } catch (const scxx::ConfigError &e) {
    if (auto problem = scxx::test::refusal_problem(e.what(), kSource)) {
      finding(("refusal " + *problem).c_str(), e.what());
    }
  } catch (const scxx::StrategyError &e) {
    finding("accepted rules the strategy engine refuses", e.what());
  }
  return 0;
}
