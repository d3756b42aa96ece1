// The control API's database: the strategies (id, name, rule) and the
// RuntimeSettings changed through the API, in one SQLite file, so they
// survive a restart of `scxx run`.
//
// Durability: WAL journal with synchronous=FULL, so a write that returned
// is on disk before the API replies; every write is one transaction
// (nothing half-applied). locking_mode=EXCLUSIVE is set before WAL is
// turned on: SQLite then keeps the WAL index in heap memory instead of an
// mmap'ed -shm file (no page of the agent process is backed by a file that
// another process can truncate), and a second scxx cannot open the same
// file. mmap_size=0: the database itself is read with read(), not mmap.
//
// Opening refuses, with a StoreError naming the file, anything that is not
// an empty/new file or a database of this schema: a corrupt file, a file
// that is not SQLite, another program's database (application_id), another
// schema version (user_version). Such a file is left as it was.
#pragma once

#include "control/control_target.h"
#include "control/stored_strategy.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace scxx {

class StoreError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// What the store holds.
struct StoredState {
  std::vector<StoredStrategy> strategies;  // by id
  std::optional<RuntimeSettings> settings; // nullopt: never changed through the API
  int64_t next_id = 1;                     // the id the next new strategy gets
  bool strategies_written = false;         // save_strategies() was ever called
};

class Store {
public:
  // Opens (or creates, with the directory, mode 0700) the database file.
  // Throws StoreError naming `path`.
  static std::unique_ptr<Store> open(const std::string &path);
  // A store that keeps nothing across restarts (api.database = "").
  static std::unique_ptr<Store> in_memory();

  Store(const Store &) = delete;
  Store &operator=(const Store &) = delete;
  ~Store();

  [[nodiscard]] const std::string &path() const { return path_; }

  // Everything the file holds. Throws StoreError.
  [[nodiscard]] StoredState load() const;

  // Replaces every strategy and the id counter in one transaction; returns
  // once it is on disk. Throws StoreError (and then nothing changed).
  void save_strategies(const std::vector<StoredStrategy> &strategies, int64_t next_id);
  void save_settings(const RuntimeSettings &settings);

private:
  Store(sqlite3 *db, std::string path);
  void exec(const char *sql) const;
  void check_schema(bool created);

  sqlite3 *db_;
  std::string path_;
};

} // namespace scxx
