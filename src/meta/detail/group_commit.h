// GroupCommit: many threads' writes in one SQLite transaction, so that one WAL fsync makes all
// of them durable — the group commit of database write-ahead logs. Each caller blocks until its
// write is durable (or failed), exactly as with a transaction of its own; under load, writes
// that arrive while a commit is in flight wait for it and then go together in the next one.
//
// Each write runs in a savepoint of its own: a write that fails rolls back only its changes and
// reports its own error, and the others commit. A failed COMMIT fails every write of the batch.
//
// Leader/follower, with no thread of its own: a caller queues its write, then takes the
// database mutex; if its write is done by then (a previous leader took it), it returns the
// result; else it becomes the leader and runs everything queued.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "meta/detail/sqlite_db.h"

namespace caas::meta::detail {

class GroupCommit {
 public:
  // `db_mutex` is the mutex that serialises every use of `db`.
  GroupCommit(Database& db, std::mutex& db_mutex) : db_(db), db_mutex_(db_mutex) {}

  // Runs `write` (SQL only; no BEGIN or COMMIT of its own) inside a shared transaction, and
  // returns its status once it is durable, or the commit's error.
  Status run(const std::function<Status()>& write);

 private:
  struct Pending {
    const std::function<Status()>* write;
    Status result;
    bool done = false;
  };
  void run_batch(const std::vector<Pending*>& batch);

  Database& db_;
  std::mutex& db_mutex_;
  std::mutex queue_mutex_;  // guards queue_ and every Pending's result and done
  std::vector<Pending*> queue_;
};

}  // namespace caas::meta::detail
