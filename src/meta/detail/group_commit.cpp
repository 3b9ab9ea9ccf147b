#include "meta/detail/group_commit.h"

namespace caas::meta::detail {

Status GroupCommit::run(const std::function<Status()>& write) {
  Pending mine{&write, ok_status()};
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(&mine);
  }
  std::lock_guard db_lock(db_mutex_);
  std::vector<Pending*> batch;
  {
    std::lock_guard lock(queue_mutex_);
    if (mine.done) {
      return mine.result;
    }
    batch.swap(queue_);  // holds `mine`: only a leader empties the queue, under db_mutex_
  }
  run_batch(batch);
  std::lock_guard lock(queue_mutex_);
  return mine.result;
}

void GroupCommit::run_batch(const std::vector<Pending*>& batch) {
  std::vector<Status> results(batch.size(), ok_status());
  Status begun = db_.exec("BEGIN IMMEDIATE");
  if (begun.ok()) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!db_.in_transaction()) {  // an I/O error or a full disk ended it under us
        results[i] = error(ErrorCode::kIo, "database transaction aborted");
        continue;
      }
      Status saved = db_.exec("SAVEPOINT group_write");
      results[i] = saved.ok() ? (*batch[i]->write)() : saved;
      if (saved.ok() && !results[i].ok() && db_.in_transaction()) {
        db_.exec("ROLLBACK TO group_write").ignore_error();
      }
      if (saved.ok() && db_.in_transaction()) {
        db_.exec("RELEASE group_write").ignore_error();
      }
    }
    Status committed = db_.in_transaction() ? db_.exec("COMMIT")
                                            : error(ErrorCode::kIo, "database transaction aborted");
    if (!committed.ok()) {
      if (db_.in_transaction()) {
        db_.exec("ROLLBACK").ignore_error();
      }
      for (Status& result : results) {
        if (result.ok()) {
          result = committed;
        }
      }
    }
  } else {
    results.assign(batch.size(), begun);
  }
  std::lock_guard lock(queue_mutex_);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = std::move(results[i]);
    batch[i]->done = true;
  }
}

}  // namespace caas::meta::detail
