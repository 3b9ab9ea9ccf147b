// Outgoing mail for one-time codes and notices: the Mailer interface, an SMTP implementation on
// libcurl, a logging one for `caasd --dev`, and MailQueue, which sends in the background.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "base/status.h"
#include "crypto/secret.h"

namespace caas::auth {

// One plain-text mail to one recipient. The body carries one-time codes, so it lives in wiped
// memory (UTF-8 bytes). Move-only, because of the body.
struct MailMessage {
  std::string to;            // one bare address ("a@example.com"), checked by check_address()
  std::string subject;       // UTF-8, no control characters
  crypto::SecretBytes text;  // UTF-8; LF or CRLF line endings
};

// OK when `address` is one bare ASCII address "local@domain": both parts non-empty, exactly one
// '@', no whitespace, control characters (CR/LF: header injection), non-ASCII bytes or any of
// <>,;:"()[]\ . Errors: kInvalidArgument naming what is wrong, never quoting the address.
Status check_address(std::string_view address);

// Sends mail. Implementations are thread-safe; send() blocks until the mail was handed over.
class Mailer {
 public:
  Mailer() = default;
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;
  Mailer(Mailer&&) = delete;
  Mailer& operator=(Mailer&&) = delete;
  virtual ~Mailer() = default;
  // Errors: kInvalidArgument for a bad recipient or subject (nothing is sent); kUnavailable when
  // the server can't be reached or refuses the mail. Messages never hold the body.
  virtual Status send(const MailMessage& message) = 0;
};

struct SmtpOptions {
  std::string url;   // "smtp://host:port" (STARTTLS when offered) or "smtps://host:port"
  std::string from;  // the envelope and header sender, a bare address
  std::string user;  // empty: no authentication
  crypto::SecretBytes password;
  std::chrono::milliseconds timeout{10'000};  // connect and whole-transfer limit, each
  bool require_starttls =
      false;  // smtp:// only: fail unless STARTTLS succeeds (always so with a user)
};

// SMTP submission through libcurl, one easy handle per send(). Thread-safe; owns its options.
class SmtpMailer final : public Mailer {
 public:
  // Errors: kInvalidArgument for a URL that is not smtp:// or smtps:// with a host (credentials
  // belong in `user`/`password`, not the URL), a bad `from`, or a non-positive timeout.
  static Result<std::unique_ptr<SmtpMailer>> create(SmtpOptions options);

  Status send(const MailMessage& message) override;

 private:
  explicit SmtpMailer(SmtpOptions options);
  SmtpOptions options_;
  std::string from_domain_;
};

// Writes every mail, body included, to the log at warn level instead of sending it. For
// `caasd --dev` without SMTP only: there the operator is the only user and needs to see the
// codes to sign in, and the data is throwaway. Anywhere else this would put one-time codes in
// logs, which outlive the codes and reach people and systems that must never see them.
// Thread-safe.
class LogMailer final : public Mailer {
 public:
  Status send(const MailMessage& message) override;
};

// Sends mail on one background thread so that callers that must not reveal timing (a login
// mail goes out only for existing accounts) return at once. Borrows `mailer`, which must
// outlive the queue. Failures are logged with the recipient's domain only. Thread-safe.
//
// The destructor stops accepting mail, keeps sending what is queued for at most
// `drain_timeout` (plus one send in progress, bounded by the mailer's own timeout), drops the
// rest with a warning, and joins the thread.
class MailQueue {
 public:
  explicit MailQueue(Mailer& mailer, std::size_t capacity = 1000,
                     std::chrono::milliseconds drain_timeout = std::chrono::seconds(5));
  ~MailQueue();
  MailQueue(const MailQueue&) = delete;
  MailQueue& operator=(const MailQueue&) = delete;
  MailQueue(MailQueue&&) = delete;
  MailQueue& operator=(MailQueue&&) = delete;

  // Queues `message`; false when the queue is full or shutting down (the caller logs).
  [[nodiscard]] bool enqueue(MailMessage message);

  // Blocks until the queue is empty and no send is in progress (for tests).
  void wait_idle();

 private:
  void run();

  Mailer& mailer_;
  const std::size_t capacity_;
  const std::chrono::milliseconds drain_timeout_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable idle_;
  std::deque<MailMessage> queue_;
  bool sending_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::thread worker_;  // last: started once everything above is initialized
};

}  // namespace caas::auth
