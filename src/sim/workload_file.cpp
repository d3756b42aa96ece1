#include "sim/workload_file.h"

#include "sim/rtapp_reader.h"
#include "sim/trace_reader.h"
#include "sim/yaml_workload_reader.h"

#include <fstream>
#include <sstream>

namespace scxx::sim {

namespace {

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_text(const std::string &path) {
  std::ifstream in(path);
  if (!in) {
    throw WorkloadError(path + ": cannot read the file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

Workload load_trace_file(const std::string &path) {
  return parse_perf_sched_trace(read_text(path), path);
}

Workload load_workload_file(const std::string &path) {
  const std::string text = read_text(path);
  if (ends_with(path, ".json")) {
    return parse_rtapp_json(text, path);
  }
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
    return parse_workload_yaml(text, path);
  }
  throw WorkloadError(path + ": unknown format: name rt-app files *.json and scxx workloads "
                             "*.yaml or *.yml");
}

} // namespace scxx::sim
