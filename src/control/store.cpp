#include "control/store.h"

#include "control/api_codec.h"
#include "control/api_error.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>

namespace scxx {
namespace {

// "scxx" in ASCII: marks the file as this program's database.
constexpr int kApplicationId = 0x73637878;
constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 2000;

const char *const kSchema = R"sql(
CREATE TABLE strategies (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL        -- the strategy as the API shows it (api_codec.h)
);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('next_id', '1');
)sql";

// Finalizes a statement on every path.
class Statement {
public:
  Statement(sqlite3 *db, const char *sql, const std::string &path) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw StoreError(path + ": " + sqlite3_errmsg(db));
    }
  }
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  [[nodiscard]] sqlite3_stmt *get() const { return stmt_; }
  // SQLITE_ROW or SQLITE_DONE; throws on anything else.
  int step(const std::string &path) {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      throw StoreError(path + ": " + sqlite3_errmsg(db_));
    }
    return rc;
  }
  [[nodiscard]] std::string text(int column) const {
    const auto *p = sqlite3_column_text(stmt_, column);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char *>(p));
  }

private:
  sqlite3 *db_;
  sqlite3_stmt *stmt_ = nullptr;
};

std::string meta_value(sqlite3 *db, const std::string &path, const char *key) {
  Statement st(db, "SELECT value FROM meta WHERE key = ?", path);
  sqlite3_bind_text(st.get(), 1, key, -1, SQLITE_STATIC);
  return st.step(path) == SQLITE_ROW ? st.text(0) : std::string();
}

int pragma_int(sqlite3 *db, const std::string &path, const char *pragma) {
  Statement st(db, pragma, path);
  return st.step(path) == SQLITE_ROW ? sqlite3_column_int(st.get(), 0) : 0;
}

} // namespace

Store::Store(sqlite3 *db, std::string path) : db_(db), path_(std::move(path)) {}

Store::~Store() {
  sqlite3_close(db_);
}

void Store::exec(const char *sql) const {
  char *error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StoreError(path_ + ": " + message);
  }
}

std::unique_ptr<Store> Store::in_memory() {
  sqlite3 *db = nullptr;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    throw StoreError(":memory:: cannot open an in-memory database");
  }
  std::unique_ptr<Store> store(new Store(db, ":memory:"));
  store->exec(kSchema);
  store->exec("PRAGMA application_id = 1935898744; PRAGMA user_version = 1;");
  return store;
}

std::unique_ptr<Store> Store::open(const std::string &path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) {
      throw StoreError(path + ": cannot create the directory " + parent.string() + ": " +
                       ec.message());
    }
    ::chmod(parent.c_str(), 0700);
  }
  const bool existed = fs::exists(path, ec);
  const bool empty = !existed || fs::file_size(path, ec) == 0;
  sqlite3 *db = nullptr;
  // No SQLITE_OPEN_CREATE for a file that exists: it must already be ours.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW |
                    (existed ? 0 : SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw StoreError(path + ": cannot open the database: " + message);
  }
  std::unique_ptr<Store> store(new Store(db, path));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  store->check_schema(empty);
  return store;
}

void Store::check_schema(bool created) {
  // Read before anything is written: a file that is not a database of ours
  // fails here and stays untouched.
  int application_id = 0;
  int version = 0;
  try {
    exec("PRAGMA locking_mode = EXCLUSIVE");
    application_id = pragma_int(db_, path_, "PRAGMA application_id");
    version = pragma_int(db_, path_, "PRAGMA user_version");
  } catch (const StoreError &e) {
    throw StoreError(std::string(e.what()) +
                     " (not an scxx database, or corrupt: move it away to start afresh)");
  }
  if (created) {
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");
    exec("PRAGMA mmap_size = 0");
    exec("BEGIN IMMEDIATE");
    try {
      exec(kSchema);
      exec("PRAGMA application_id = 1935898744");
      exec("PRAGMA user_version = 1");
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    return;
  }
  if (application_id != kApplicationId) {
    throw StoreError(path_ + ": not an scxx database (application_id " +
                     std::to_string(application_id) + "); refusing to use or change it");
  }
  if (version != kSchemaVersion) {
    throw StoreError(path_ + ": schema version " + std::to_string(version) + ", this scxx reads " +
                     std::to_string(kSchemaVersion) + "; refusing to use or change it");
  }
  try {
    Statement check(db_, "PRAGMA quick_check", path_);
    if (check.step(path_) != SQLITE_ROW || check.text(0) != "ok") {
      throw StoreError(path_ + ": the database is corrupt (" + check.text(0) + ")");
    }
  } catch (const StoreError &e) {
    throw StoreError(std::string(e.what()) + "; move it away to start afresh");
  }
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA synchronous = FULL");
  exec("PRAGMA mmap_size = 0");
}

static_assert(kApplicationId == 1935898744, "the literal in the schema statements");
static_assert(kSchemaVersion == 1, "the literal in the schema statements");

StoredState Store::load() const {
  StoredState state;
  Statement st(db_, "SELECT id, body FROM strategies ORDER BY id", path_);
  while (st.step(path_) == SQLITE_ROW) {
    const int64_t id = sqlite3_column_int64(st.get(), 0);
    const std::string field = "strategy " + std::to_string(id);
    try {
      const nlohmann::json body = parse_json_object(st.text(1));
      StoredStrategy s = strategy_from_json(body, "");
      s.id = id;
      state.strategies.push_back(std::move(s));
    } catch (const ApiError &e) {
      throw StoreError(path_ + ": " + field + " is invalid: " + e.what());
    }
  }
  const std::string next = meta_value(db_, path_, "next_id");
  try {
    state.next_id = std::stoll(next);
  } catch (const std::exception &) {
    throw StoreError(path_ + ": next_id \"" + next + "\" is not a number");
  }
  state.strategies_written = meta_value(db_, path_, "strategies_written") == "1";
  const std::string settings = meta_value(db_, path_, "settings");
  if (!settings.empty()) {
    try {
      state.settings = settings_from_json(parse_json_object(settings), RuntimeSettings{}, false);
    } catch (const ApiError &e) {
      throw StoreError(path_ + ": the stored settings are invalid: " + e.what());
    }
  }
  return state;
}

void Store::save_strategies(const std::vector<StoredStrategy> &strategies, int64_t next_id) {
  exec("BEGIN IMMEDIATE");
  try {
    exec("DELETE FROM strategies");
    for (const StoredStrategy &s : strategies) {
      Statement st(db_, "INSERT INTO strategies (id, body) VALUES (?, ?)", path_);
      const std::string body = strategy_to_json(s).dump();
      sqlite3_bind_int64(st.get(), 1, s.id);
      sqlite3_bind_text(st.get(), 2, body.c_str(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
      st.step(path_);
    }
    Statement meta(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", path_);
    const std::string next = std::to_string(next_id);
    sqlite3_bind_text(meta.get(), 1, next.c_str(), -1, SQLITE_TRANSIENT);
    meta.step(path_);
    exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('strategies_written', '1')");
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Store::save_settings(const RuntimeSettings &settings) {
  Statement st(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('settings', ?)", path_);
  const std::string body = settings_to_json(settings).dump();
  sqlite3_bind_text(st.get(), 1, body.c_str(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
  st.step(path_); // one statement: its own transaction
}

} // namespace scxx
