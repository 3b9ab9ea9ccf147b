#include "auth/mailer.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base64.h"
#include "testing/temp_dir.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace caas::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kFrom = "caas@caas.test";

bool python_has_aiosmtpd() {
  return std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

crypto::SecretBytes secret_text(std::string_view text) {
  return crypto::SecretBytes::copy_of(
      {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

MailMessage mail(std::string to, std::string subject, std::string_view text) {
  return MailMessage{std::move(to), std::move(subject), secret_text(text)};
}

// tests/testing/smtp_sink.py in a child process: a real SMTP server on a free loopback port that
// writes every message it accepts to <dir>/<n>.eml. Killed (SIGTERM, then SIGKILL) and reaped
// by the destructor.
class SmtpSink {
 public:
  explicit SmtpSink(bool refuse = false) {
    const std::string script = std::string(CAAS_SOURCE_DIR) + "/tests/testing/smtp_sink.py";
    const std::string port_file = dir_.file("port");
    out_dir_ = dir_.file("out");
    std::vector<std::string> args = {kPython,   script,      "--port-file",
                                     port_file, "--out-dir", out_dir_};
    if (refuse) {
      args.emplace_back("--refuse");
    }
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, kPython, nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
      return;
    }
    const auto deadline = steady_clock::now() + std::chrono::seconds(20);
    while (steady_clock::now() < deadline && !std::filesystem::exists(port_file)) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (std::filesystem::exists(port_file)) {
      port_ = std::stoi(read_file(port_file));
    }
  }
  ~SmtpSink() {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    const auto deadline = steady_clock::now() + std::chrono::seconds(5);
    while (steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;
  SmtpSink(SmtpSink&&) = delete;
  SmtpSink& operator=(SmtpSink&&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // The raw messages 1..count once all arrived (empty after `timeout`).
  [[nodiscard]] std::vector<std::string> wait_for(std::size_t count,
                                                  milliseconds timeout = milliseconds(10'000)) {
    const auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      if (std::filesystem::exists(out_dir_ + "/" + std::to_string(count) + ".eml")) {
        std::vector<std::string> messages;
        for (std::size_t n = 1; n <= count; ++n) {
          messages.push_back(read_file(out_dir_ + "/" + std::to_string(n) + ".eml"));
        }
        return messages;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return {};
  }

  [[nodiscard]] std::size_t count() const {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out_dir_)) {
      n += entry.path().extension() == ".eml" ? 1U : 0U;
    }
    return n;
  }

 private:
  testing::TempDir dir_;
  std::string out_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string header_section(const std::string& raw) { return raw.substr(0, raw.find("\r\n\r\n")); }
std::string body_of(const std::string& raw) {
  const std::size_t end = raw.find("\r\n\r\n");
  return end == std::string::npos ? "" : raw.substr(end + 4);
}

bool all_line_ends_crlf(const std::string& raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
      return false;
    }
    if (raw[i] == '\r' && (i + 1 == raw.size() || raw[i + 1] != '\n')) {
      return false;
    }
  }
  return true;
}

class SmtpMailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!python_has_aiosmtpd()) {
      GTEST_SKIP() << "/usr/bin/python3 has no aiosmtpd (Debian: python3-aiosmtpd)";
    }
    sink_ = std::make_unique<SmtpSink>();
    ASSERT_GT(sink_->port(), 0) << "smtp_sink.py did not start";
    SmtpOptions options;
    options.url = sink_->url();
    options.from = kFrom;
    auto mailer = SmtpMailer::create(std::move(options));
    ASSERT_TRUE(mailer.ok()) << mailer.status();
    mailer_ = std::move(mailer).value();
  }

  std::unique_ptr<SmtpSink> sink_;
  std::unique_ptr<SmtpMailer> mailer_;
};

TEST_F(SmtpMailerTest, DeliversHeadersAndBodyWithCrlfLineEndings) {
  ASSERT_TRUE(mailer_
                  ->send(mail("alice@example.com", "Your sign-in code",
                              "Your code is 123456.\nIt expires in 10 minutes.\n"))
                  .ok());
  const auto messages = sink_->wait_for(1);
  ASSERT_EQ(messages.size(), 1U);
  const std::string& raw = messages[0];
  const std::string headers = header_section(raw) + "\r\n";
  EXPECT_NE(headers.find("\r\nFrom: caas@caas.test\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("\r\nTo: alice@example.com\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("\r\nSubject: Your sign-in code\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("\r\nContent-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(headers.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_TRUE(std::regex_search(
      headers, std::regex("(^|\r\n)Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
                          "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} "
                          "\\d\\d:\\d\\d:\\d\\d \\+0000\r\n")))
      << headers;
  EXPECT_TRUE(
      std::regex_search(headers, std::regex("\r\nMessage-ID: <[0-9a-f]{32}@caas\\.test>\r\n")))
      << headers;
  EXPECT_EQ(body_of(raw), "Your code is 123456.\r\nIt expires in 10 minutes.\r\n");
  EXPECT_TRUE(all_line_ends_crlf(raw));
}

TEST_F(SmtpMailerTest, NonAsciiSubjectIsEncodedWord) {
  std::string subject = "Votre code de connexion \xe2\x80\x94 ";
  for (int i = 0; i < 30; ++i) {
    subject += "\xc3\xa9";  // é: 60 more bytes, so the subject takes two encoded-words
  }
  ASSERT_TRUE(mailer_->send(mail("bob@example.com", subject, "code 111111\n")).ok());
  const auto messages = sink_->wait_for(1);
  ASSERT_EQ(messages.size(), 1U);
  const std::string headers = header_section(messages[0]);
  for (const char c : headers) {
    ASSERT_LT(static_cast<unsigned char>(c), 0x80) << "raw 8-bit byte in the header";
  }
  std::string decoded;
  const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=)");
  int words = 0;
  for (auto it = std::sregex_iterator(headers.begin(), headers.end(), word);
       it != std::sregex_iterator(); ++it, ++words) {
    EXPECT_LE(it->str().size(), 75U);
    auto bytes = base64_decode((*it)[1].str());
    ASSERT_TRUE(bytes.ok());
    decoded.append(bytes->begin(), bytes->end());
  }
  EXPECT_EQ(words, 2);
  EXPECT_EQ(decoded, subject);
  EXPECT_TRUE(all_line_ends_crlf(messages[0]));
}

TEST_F(SmtpMailerTest, LinesStartingWithDotArriveIntact) {
  const std::string text = ".first\n.\n..two\nmiddle\n.\r\nlast";
  ASSERT_TRUE(mailer_->send(mail("carol@example.com", "dots", text)).ok());
  const auto messages = sink_->wait_for(1);
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(body_of(messages[0]), ".first\r\n.\r\n..two\r\nmiddle\r\n.\r\nlast\r\n");
}

TEST_F(SmtpMailerTest, RecipientWithHeaderInjectionIsRejectedAndNothingSent) {
  for (const char* to : {"alice@example.com\r\nBcc: eve@evil.test", "alice@example.com\n",
                         "a@b.test, eve@c.test", "<alice@example.com>", "Alice <alice@example.com>",
                         "alice", "@example.com", "a@b@c.test", ""}) {
    const Status status = mailer_->send(mail(to, "hi", "code 222222"));
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << to;
    EXPECT_EQ(status.message().find("222222"), std::string::npos);
  }
  EXPECT_EQ(mailer_->send(mail("alice@example.com", "subject\r\nBcc: eve@evil.test", "x")).code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(mailer_->send(mail("dave@example.com", "ok", "fine")).ok());
  const auto messages = sink_->wait_for(1);
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_NE(messages[0].find("To: dave@example.com\r\n"), std::string::npos);
  EXPECT_EQ(sink_->count(), 1U);
}

TEST_F(SmtpMailerTest, RefusedRecipientIsUnavailable) {
  SmtpSink refusing(/*refuse=*/true);
  ASSERT_GT(refusing.port(), 0);
  SmtpOptions options;
  options.url = refusing.url();
  options.from = kFrom;
  auto mailer = SmtpMailer::create(std::move(options));
  ASSERT_TRUE(mailer.ok());
  const Status status = (*mailer)->send(mail("erin@example.com", "hi", "code 333333"));
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_NE(status.message().find("451"), std::string::npos) << status;
  EXPECT_EQ(status.message().find("333333"), std::string::npos) << status;
}

TEST_F(SmtpMailerTest, RequiredStarttlsNotOfferedSendsNothing) {
  SmtpOptions options;
  options.url = sink_->url();  // the sink offers no STARTTLS
  options.from = kFrom;
  options.require_starttls = true;
  auto mailer = SmtpMailer::create(std::move(options));
  ASSERT_TRUE(mailer.ok());
  const Status status = (*mailer)->send(mail("hank@example.com", "hi", "code 777777"));
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.message().find("777777"), std::string::npos) << status;
  EXPECT_TRUE(sink_->wait_for(1, milliseconds(300)).empty());
}

// A loopback port nobody listens on (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

Status send_with_password(const std::string& url, milliseconds timeout) {
  SmtpOptions options;
  options.url = url;
  options.from = kFrom;
  options.user = "caas";
  options.password = secret_text("hunter2-pass");
  options.timeout = timeout;
  auto mailer = SmtpMailer::create(std::move(options));
  EXPECT_TRUE(mailer.ok()) << mailer.status();
  if (!mailer.ok()) {
    return mailer.status();
  }
  return (*mailer)->send(mail("frank@example.com", "code", "your code is 444444"));
}

void expect_unavailable_without_secrets(const Status& status) {
  EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << status;
  EXPECT_EQ(status.message().find("hunter2"), std::string::npos) << status;
  EXPECT_EQ(status.message().find("444444"), std::string::npos) << status;
  EXPECT_NE(status.message().find("example.com"), std::string::npos) << status;
}

TEST(SmtpMailerFailureTest, ClosedPortIsUnavailableQuickly) {
  const auto start = steady_clock::now();
  const Status status =
      send_with_password("smtp://127.0.0.1:" + std::to_string(closed_port()), milliseconds(2'000));
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
  expect_unavailable_without_secrets(status);
}

TEST(SmtpMailerFailureTest, SilentServerTimesOut) {
  // Accepts connections (the kernel completes the handshake) but never greets.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const auto start = steady_clock::now();
  const Status status = send_with_password(
      "smtp://127.0.0.1:" + std::to_string(ntohs(address.sin_port)), milliseconds(300));
  const auto elapsed = steady_clock::now() - start;
  ::close(fd);
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  expect_unavailable_without_secrets(status);
}

TEST(SmtpMailerCreateTest, RejectsBadUrlsAndSenders) {
  const auto create = [](std::string url, std::string from) {
    SmtpOptions options;
    options.url = std::move(url);
    options.from = std::move(from);
    return SmtpMailer::create(std::move(options)).status().code();
  };
  EXPECT_EQ(create("http://127.0.0.1:25", kFrom), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("ftp://127.0.0.1", kFrom), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("127.0.0.1:25", kFrom), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("not a url", kFrom), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("smtp://user:pw@127.0.0.1:25", kFrom), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("smtp://127.0.0.1:25", "caas\r\n@caas.test"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("smtp://127.0.0.1:25", "Caas <caas@caas.test>"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(create("smtp://127.0.0.1:25", kFrom), ErrorCode::kOk);
  EXPECT_EQ(create("smtps://mail.example.com:465", kFrom), ErrorCode::kOk);
}

TEST(MailAddressTest, CheckAcceptsBareAddressesOnly) {
  EXPECT_TRUE(check_address("alice@example.com").ok());
  EXPECT_TRUE(check_address("a.b+tag@sub.example.co.uk").ok());
  for (const char* bad : {"", "alice", "alice@", "@x", "a b@x", "a@x\r\n", "a@x,b@y", "<a@x>",
                          "a@b@c", "a\t@x", "\xc3\xa9@x"}) {
    EXPECT_EQ(check_address(bad).code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(LogMailerTest, AcceptsValidRecipientRejectsInjection) {
  LogMailer mailer;
  EXPECT_TRUE(mailer.send(mail("gina@example.com", "code", "dev code 555555")).ok());
  EXPECT_EQ(mailer.send(mail("gina@example.com\r\nBcc: x@y", "code", "x")).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(SmtpMailerTest, MailQueueDeliversFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5;
  constexpr int kTotal = kThreads * kPerThread;
  std::atomic<int> accepted{0};
  {
    MailQueue queue(*mailer_);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&queue, &accepted, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string to = "user" + std::to_string(t * kPerThread + i) + "@example.com";
          accepted += queue.enqueue(mail(to, "queued", "code 666666")) ? 1 : 0;
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    queue.wait_idle();
  }
  EXPECT_EQ(accepted.load(), kTotal);
  const auto messages = sink_->wait_for(kTotal);
  ASSERT_EQ(messages.size(), static_cast<std::size_t>(kTotal));
  std::set<std::string> recipients;
  for (const std::string& raw : messages) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(raw, match, std::regex("\r\nTo: (user\\d+@example\\.com)\r\n")));
    recipients.insert(match[1]);
  }
  EXPECT_EQ(recipients.size(), static_cast<std::size_t>(kTotal));
}

// Blocks every send until released; counts what it was given.
class BlockingMailer final : public Mailer {
 public:
  Status send(const MailMessage& /*message*/) override {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    ++sent_;
    return ok_status();
  }
  void wait_entered(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_ >= n; });
  }
  void release() {
    const std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  int sent() {
    const std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  int sent_ = 0;
  bool released_ = false;
};

TEST(MailQueueTest, FullQueueRejects) {
  BlockingMailer mailer;
  MailQueue queue(mailer, /*capacity=*/2);
  ASSERT_TRUE(queue.enqueue(mail("a@example.com", "1", "x")));
  mailer.wait_entered(1);  // the worker holds the first; the queue is empty again
  EXPECT_TRUE(queue.enqueue(mail("b@example.com", "2", "x")));
  EXPECT_TRUE(queue.enqueue(mail("c@example.com", "3", "x")));
  EXPECT_FALSE(queue.enqueue(mail("d@example.com", "4", "x")));
  mailer.release();
  queue.wait_idle();
  EXPECT_EQ(mailer.sent(), 3);
  EXPECT_TRUE(queue.enqueue(mail("e@example.com", "5", "x")));
  queue.wait_idle();
  EXPECT_EQ(mailer.sent(), 4);
}

// Fails its first `failures` sends, then records recipients.
class FlakyMailer final : public Mailer {
 public:
  explicit FlakyMailer(int failures) : failures_(failures) {}
  Status send(const MailMessage& message) override {
    const std::lock_guard lock(mutex_);
    if (failures_ > 0) {
      --failures_;
      return error(ErrorCode::kUnavailable, "smtp send to example.com: server down");
    }
    sent_to_.push_back(message.to);
    return ok_status();
  }
  std::vector<std::string> sent_to() {
    const std::lock_guard lock(mutex_);
    return sent_to_;
  }

 private:
  std::mutex mutex_;
  int failures_;
  std::vector<std::string> sent_to_;
};

TEST(MailQueueTest, FailedSendIsLoggedAndTheQueueGoesOn) {
  FlakyMailer mailer(/*failures=*/1);
  MailQueue queue(mailer);
  ASSERT_TRUE(queue.enqueue(mail("lost@example.com", "1", "code 888888")));
  ASSERT_TRUE(queue.enqueue(mail("kept@example.com", "2", "code 999999")));
  queue.wait_idle();
  EXPECT_EQ(mailer.sent_to(), std::vector<std::string>{"kept@example.com"});
}

TEST(MailQueueTest, DestructorDrainsWithinBoundAndDropsTheRest) {
  BlockingMailer mailer;
  const auto start = steady_clock::now();
  std::thread releaser;
  {
    MailQueue queue(mailer, /*capacity=*/10, /*drain_timeout=*/milliseconds(100));
    ASSERT_TRUE(queue.enqueue(mail("a@example.com", "1", "x")));
    mailer.wait_entered(1);
    ASSERT_TRUE(queue.enqueue(mail("b@example.com", "2", "x")));
    releaser = std::thread([&mailer] {
      std::this_thread::sleep_for(milliseconds(300));  // past the drain deadline
      mailer.release();
    });
  }
  releaser.join();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(mailer.sent(), 1);  // the second was dropped at the deadline
}

}  // namespace
}  // namespace caas::auth
