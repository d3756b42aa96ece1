// The SQLite store: what it keeps, what it refuses to open (and leaves as it
// was), and that every write the API acknowledged survives kill -9.
#include "control/api_client.h"
#include "control/api_handlers.h"
#include "control/api_service.h"
#include "control/store.h"
#include "fake_control_target.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace scxx {
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

StoredStrategy strategy(int64_t id, int32_t pid) {
  StoredStrategy s;
  s.id = id;
  s.rule.pid = pid;
  s.rule.priority = 7;
  s.rule.name = "s" + std::to_string(id);
  return s;
}

void sql(const fs::path &file, const std::string &statement) {
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string open_error(const fs::path &file) {
  try {
    Store::open(file.string());
  } catch (const StoreError &e) {
    return e.what();
  }
  return "";
}

TEST(Store, KeepsStrategiesSettingsAndTheIdCounter) {
  test::TempDir dir;
  const fs::path file = dir.path() / "sub" / "scxx.db";
  RuntimeSettings settings;
  settings.policy = "fifo";
  settings.slice_us = 3000;
  settings.slice_min_us = 100;
  settings.fast_path = "off";
  settings.stall_ms = 500;
  {
    auto store = Store::open(file.string());
    EXPECT_FALSE(store->load().settings);
    store->save_strategies({strategy(3, 30), strategy(5, 50)}, 6);
    store->save_settings(settings);
  }
  auto store = Store::open(file.string());
  const StoredState state = store->load();
  ASSERT_EQ(state.strategies.size(), 2U);
  EXPECT_EQ(state.strategies[0], strategy(3, 30));
  EXPECT_EQ(state.strategies[1], strategy(5, 50));
  EXPECT_EQ(state.next_id, 6);
  EXPECT_EQ(state.settings, settings);
}

TEST(Store, WalWithoutASharedMemoryFile) {
  test::TempDir dir;
  const fs::path file = dir.path() / "scxx.db";
  auto store = Store::open(file.string());
  store->save_strategies({strategy(1, 10)}, 2);
  EXPECT_FALSE(fs::exists(file.string() + "-shm"));
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(Store, ASecondOpenerIsRefused) {
  test::TempDir dir;
  const fs::path file = dir.path() / "scxx.db";
  auto store = Store::open(file.string());
  store->save_strategies({strategy(1, 10)}, 2);
  const std::string error = open_error(file);
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
  EXPECT_NE(error.find("locked"), std::string::npos) << error;
}

TEST(Store, AFileThatIsNotADatabaseIsRefusedAndLeftAlone) {
  test::TempDir dir;
  const fs::path file = dir.path() / "scxx.db";
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) {
    garbage[i] = static_cast<char>((i * 7919) % 251);
  }
  dir.write("scxx.db", garbage);
  const std::string error = open_error(file);
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
  EXPECT_NE(error.find("not an scxx database, or corrupt"), std::string::npos) << error;
  EXPECT_EQ(file_bytes(file), garbage);
  EXPECT_FALSE(fs::exists(file.string() + "-wal"));
}

TEST(Store, ACorruptDatabaseIsRefusedAndLeftAlone) {
  test::TempDir dir;
  const fs::path file = dir.path() / "scxx.db";
  {
    auto store = Store::open(file.string());
    std::vector<StoredStrategy> many;
    for (int i = 1; i <= 200; ++i) {
      many.push_back(strategy(i, i));
    }
    store->save_strategies(many, 201);
  }
  // Fold the WAL into the file, then scribble over the table's pages.
  sql(file, "PRAGMA wal_checkpoint(TRUNCATE)");
  std::string bytes = file_bytes(file);
  ASSERT_GT(bytes.size(), 3 * 4096U);
  for (size_t i = 4096; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(0xA5);
  }
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  const std::string error = open_error(file);
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
  EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
  EXPECT_EQ(file_bytes(file), bytes);
}

TEST(Store, AnotherProgramsDatabaseIsRefused) {
  test::TempDir dir;
  const fs::path file = dir.path() / "other.db";
  sql(file, "CREATE TABLE things (x INTEGER); INSERT INTO things VALUES (1);");
  const std::string before = file_bytes(file);
  const std::string error = open_error(file);
  EXPECT_NE(error.find("not an scxx database"), std::string::npos) << error;
  EXPECT_EQ(file_bytes(file), before);
}

TEST(Store, AnotherSchemaVersionIsRefused) {
  test::TempDir dir;
  const fs::path file = dir.path() / "scxx.db";
  Store::open(file.string());
  sql(file, "PRAGMA user_version = 2");
  const std::string error = open_error(file);
  EXPECT_NE(error.find("schema version 2"), std::string::npos) << error;
}

// A child serves the API on a Unix socket; the parent adds strategies one
// by one and notes each acknowledged id while a second thread kills the
// child with SIGKILL at a random moment. Every acknowledged write must be
// in the database afterwards.
TEST(Store, EveryAcknowledgedWriteSurvivesKill9) {
  test::TempDir dir;
  const std::string db = (dir.path() / "scxx.db").string();
  const std::string sock = (dir.path() / "api.sock").string();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      test::FakeControlTarget target;
      auto store = Store::open(db);
      ApiSettings api;
      api.socket_path = sock;
      api.database = db;
      api.max_strategies = 4096;
      // Serves until killed; the service lives as long as this scope.
      const auto service = start_api_service(api, target, *store);
      for (;;) {
        if (!service) {
          ::_exit(4);
        }
        ::pause();
      }
    } catch (const std::exception &e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      ::_exit(3);
    }
  }
  ApiClientOptions client;
  client.socket_path = sock;
  client.timeout = std::chrono::seconds(5);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool up = false;
  while (!up && std::chrono::steady_clock::now() < deadline) {
    try {
      up = api_request(client, "GET", "/api/v1/health").status == 200;
    } catch (const ApiClientError &) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_TRUE(up) << "the child never served";

  std::atomic<int> acknowledged_count{0};
  std::thread killer([&] {
    // Past the first few writes, at a moment that varies from run to run.
    while (acknowledged_count.load() < 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + (::getpid() % 80)));
    ::kill(child, SIGKILL);
  });
  std::set<int64_t> acknowledged;
  for (int i = 1; i <= 5000; ++i) {
    try {
      const ApiReply r = api_request(client, "POST", "/api/v1/strategies",
                                     R"({"priority":3,"match":{"pid":)" + std::to_string(i) + "}}");
      if (r.status != 201) {
        break;
      }
      acknowledged.insert(nlohmann::json::parse(r.body)["id"].get<int64_t>());
      acknowledged_count.store(static_cast<int>(acknowledged.size()));
    } catch (const ApiClientError &) {
      break; // the child is gone
    }
  }
  killer.join();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status))
      << "the child was not killed mid-stream (it exited " << WEXITSTATUS(status) << ")";
  ASSERT_GE(acknowledged.size(), 10U);

  auto store = Store::open(db);
  std::set<int64_t> stored;
  for (const StoredStrategy &s : store->load().strategies) {
    stored.insert(s.id);
  }
  for (const int64_t id : acknowledged) {
    EXPECT_TRUE(stored.count(id) == 1) << "acknowledged strategy " << id << " was lost";
  }
  // At most the one write in flight when the child died is stored unacknowledged.
  EXPECT_LE(stored.size(), acknowledged.size() + 1);
  std::printf("kill -9 after %zu acknowledged writes: %zu stored\n", acknowledged.size(),
              stored.size());
}

} // namespace
} // namespace scxx
