// caasd: parses the command line and configuration, hardens the process, opens the metadata
// store, restores the seal state (or bootstraps --dev), and serves the API until SIGTERM/SIGINT.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/auth_routes.h"
#include "api/file_routes.h"
#include "api/key_routes.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/server.h"
#include "api/sys_routes.h"
#include "api/transit_routes.h"
#include "auth/auth_service.h"
#include "auth/mailer.h"
#include "auth/rate_limiter.h"
#include "files/file_service.h"
#include "kms/audit_log.h"
#include "kms/seal_manager.h"
#include "meta/sqlite_store.h"
#include "server/config.h"
#include "server/dev_mode.h"
#include "storage/fs_blob_store.h"
#include "transit/transit_service.h"

#ifndef CAAS_VERSION
#define CAAS_VERSION "0.0.0"
#endif

namespace caas::server {
namespace {

constexpr int kExitUsage = 2;

struct Flags {
  std::string config_file;
  bool dev = false;
  std::string listen;
  std::string data_dir;
  bool list_routes = false;
};

// No core dumps and no ptrace attachment by other processes of the same user: either would
// expose the root key and keyring (prctl(2), PR_SET_DUMPABLE). More descriptors: one per client.
void harden_process() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
}

Result<Config> load_config(const Flags& flags) {
  Config config;
  if (!flags.config_file.empty()) {
    std::ifstream in(flags.config_file);
    if (!in) {
      return invalid_argument("config: cannot read " + flags.config_file);
    }
    std::stringstream text;
    text << in.rdbuf();
    CAAS_TRY(apply_toml(config, text.str(), flags.config_file));
  }
  EnvLookup env = process_env();
  CAAS_TRY(apply_env(config, env));
  // Container platforms say where to listen with $PORT; an explicit address still wins.
  if (auto port = env("PORT"); port && flags.listen.empty() && !env("CAAS_SERVER_LISTEN")) {
    config.server.listen = "0.0.0.0:" + *port;
  }
  if (!flags.listen.empty()) {
    config.server.listen = flags.listen;
  }
  if (!flags.data_dir.empty()) {
    config.server.data_dir = flags.data_dir;
  }
  CAAS_TRY(validate(config));
  return config;
}

void setup_logging(const Config& config) {
  auto logger = spdlog::stderr_logger_mt("caasd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(config.log.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

api::ServerOptions server_options(const Config& config, const ListenAddress& listen) {
  api::ServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  options.threads = static_cast<unsigned>(config.server.threads);
  options.max_connections = static_cast<std::size_t>(config.http.max_connections);
  options.header_limit_bytes = static_cast<std::size_t>(config.http.header_limit_bytes);
  options.json_body_limit_bytes = static_cast<std::size_t>(config.http.json_body_limit_bytes);
  options.header_timeout = std::chrono::milliseconds(config.http.header_timeout_ms);
  options.body_timeout = std::chrono::milliseconds(config.http.body_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(config.http.idle_timeout_ms);
  options.shutdown_timeout = std::chrono::milliseconds(config.http.shutdown_timeout_ms);
  options.tls_cert_file = config.tls.cert_file;
  options.tls_key_file = config.tls.key_file;
  options.trusted_proxies = config.http.trusted_proxies;
  options.access_log = config.log.access;
  options.worker_threads = static_cast<unsigned>(config.server.worker_threads);
  options.file_io_threads = static_cast<unsigned>(config.server.file_io_threads);
  options.worker_queue_limit = static_cast<std::size_t>(config.server.worker_queue_limit);
  return options;
}

auth::AuthConfig auth_config(const Config& config) {
  const Config::Auth& a = config.auth;
  auth::AuthConfig out;
  out.argon2 = {static_cast<std::uint32_t>(a.argon2_iterations),
                static_cast<std::uint32_t>(a.argon2_memory_kib)};
  out.otp_ttl = std::chrono::seconds(a.otp_ttl_s);
  out.otp_max_attempts = a.otp_max_attempts;
  out.session_ttl = std::chrono::seconds(a.session_ttl_s);
  out.session_idle = std::chrono::seconds(a.session_idle_s);
  out.address_rate = {static_cast<double>(a.client_burst),
                      static_cast<double>(a.client_per_minute) / 60.0};
  out.account_rate = {static_cast<double>(a.account_burst),
                      static_cast<double>(a.account_per_minute) / 60.0};
  out.lockout = {static_cast<unsigned>(a.lockout_failures), std::chrono::seconds(a.lockout_seconds),
                 std::chrono::seconds(a.lockout_max_seconds)};
  out.credential_cache_ttl = std::chrono::seconds(a.credential_cache_s);
  return out;
}

// Registration cannot work without mail; it answers 503 mail_unavailable, and the log says why.
class NoMailer final : public auth::Mailer {
 public:
  Status send(const auth::MailMessage& /*message*/) override {
    return error(ErrorCode::kUnavailable, "no SMTP server is configured (smtp.url)");
  }
};

Result<std::unique_ptr<auth::Mailer>> make_mailer(Config& config, bool dev) {
  if (config.smtp.url.empty()) {
    if (dev) {
      spdlog::warn("dev mode without smtp.url: one-time codes are written to this log");
      return std::unique_ptr<auth::Mailer>(std::make_unique<auth::LogMailer>());
    }
    spdlog::warn("smtp.url is not set: registration and mailed sign-in codes are unavailable");
    return std::unique_ptr<auth::Mailer>(std::make_unique<NoMailer>());
  }
  auth::SmtpOptions options;
  options.url = config.smtp.url;
  options.from = config.smtp.from;
  options.user = config.smtp.user;
  options.password = crypto::SecretBytes::copy_of(as_bytes(config.smtp.password));
  crypto::detail::secure_wipe(config.smtp.password.data(), config.smtp.password.size());
  config.smtp.password.clear();
  options.timeout = std::chrono::milliseconds(config.smtp.timeout_ms);
  options.require_starttls = config.smtp.require_tls;
  CAAS_ASSIGN_OR_RETURN(std::unique_ptr<auth::SmtpMailer> mailer,
                        auth::SmtpMailer::create(std::move(options)));
  return std::unique_ptr<auth::Mailer>(std::move(mailer));
}

Status prepare_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return error(ErrorCode::kIo, "data dir " + dir.string() + ": " + ec.message());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  return ok_status();
}

void print_dev_banner(const DevBootstrap& dev, const std::filesystem::path& data_dir) {
  std::printf(
      "\n"
      "  WARNING: caasd is running in DEV MODE. Do not use it in production.\n"
      "  The unseal key is stored next to the data it protects, so sealing protects nothing.\n\n"
      "  data dir:    %s%s\n"
      "  unseal key:  %s\n"
      "  root token:  %s\n\n",
      std::filesystem::absolute(data_dir).c_str(), dev.first_start ? " (new)" : "",
      (std::filesystem::absolute(data_dir) / "dev-unseal.key").c_str(), dev.root_token.c_str());
}

int serve(const Flags& flags) {
  harden_process();
  Result<Config> config = load_config(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "caasd: %s\n", config.status().message().c_str());
    return kExitUsage;
  }
  setup_logging(*config);
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {  // NOLINT(pointer-arithmetic)
    environment.emplace_back(*entry);
  }
  for (const std::string& name : unknown_caas_variables(environment)) {
    spdlog::warn("environment variable {} is not a configuration key; ignored", name);
  }
  ListenAddress listen = *parse_listen(config->server.listen);
  std::filesystem::path data_dir = config->server.data_dir;
  auto fail = [](const Status& status) {
    spdlog::critical("{}", status.to_string());
    return 1;
  };
  if (Status status = prepare_data_dir(data_dir); !status.ok()) {
    return fail(status);
  }
  std::string db_path = config->metadata.sqlite_path.empty() ? (data_dir / "caas.db").string()
                                                             : config->metadata.sqlite_path;
  auto store = meta::SqliteStore::open(
      {db_path, std::chrono::milliseconds(config->metadata.busy_timeout_ms)});
  if (!store.ok()) {
    return fail(store.status());
  }
  auto seal = kms::SealManager::load(**store);
  if (!seal.ok()) {
    return fail(seal.status());
  }
  SystemClock clock;
  kms::AuditLog audit(**store, **seal, clock);
  if (flags.dev) {
    Result<DevBootstrap> dev = dev_bootstrap(data_dir, **seal, audit);
    if (!dev.ok()) {
      return fail(dev.status());
    }
    print_dev_banner(*dev, data_dir);
  }

  Result<std::unique_ptr<auth::Mailer>> mailer = make_mailer(*config, flags.dev);
  if (!mailer.ok()) {
    return fail(mailer.status());
  }
  auth::MailQueue mail_queue(**mailer);
  auth::MemoryRateLimiter limiter;
  auth::MemoryLockoutTracker lockout;
  auto auth_service =
      auth::AuthService::create({&(*store)->accounts(), seal->get(), &audit, mailer->get(),
                                 &mail_queue, &limiter, &lockout, &clock},
                                auth_config(*config));
  if (!auth_service.ok()) {
    return fail(auth_service.status());
  }

  api::Router router;
  api::SysDeps deps{seal->get(), &audit, store->get(), nullptr, CAAS_VERSION};
  api::add_sys_routes(router, deps);
  api::AuthDeps auth_deps{auth_service->get(), seal->get()};
  api::add_auth_routes(router, auth_deps);
  transit::TransitConfig transit_config;
  transit_config.rotate_after_encryptions =
      static_cast<std::uint64_t>(config->transit.rotate_after_encryptions);
  transit::TransitService transit_service((*store)->transit(), **seal, audit, clock,
                                          transit_config);
  (*seal)->add_seal_listener([&transit_service] { transit_service.clear_cache(); });
  api::add_transit_routes(router, {&transit_service, auth_deps, config->transit.compat_key});
  std::filesystem::path blob_root = config->storage.fs_path.empty()
                                        ? data_dir / "blobs"
                                        : std::filesystem::path(config->storage.fs_path);
  auto blobs = storage::FsBlobStore::open_root(blob_root);
  if (!blobs.ok()) {
    return fail(blobs.status());
  }
  if ((*blobs)->removed_temp_files() > 0) {
    spdlog::info("storage: removed {} temp files of uploads a previous run left unfinished",
                 (*blobs)->removed_temp_files());
  }
  files::FilesConfig files_config;
  files_config.max_file_bytes = static_cast<std::uint64_t>(config->storage.max_file_bytes);
  files::FileService file_service((*store)->files(), (*store)->accounts(), **blobs, **seal, audit,
                                  clock, files_config);
  Result<std::size_t> orphans = file_service.sweep_orphans();
  if (!orphans.ok()) {
    return fail(orphans.status());
  }
  if (*orphans > 0) {
    spdlog::info("storage: removed {} blobs no file names (uploads cut by a crash)", *orphans);
  }
  api::add_file_routes(router, auth_deps, &file_service);
  api::add_key_routes(router, {auth_deps, &(*store)->accounts(), &audit, &clock});
  api::Metrics metrics(router);
  deps.metrics = &metrics;
  metrics.add_gauge_source([&seal = **seal] {
    kms::SealStatus status = seal.status();
    return "# TYPE caas_sealed gauge\ncaas_sealed " + std::to_string(status.sealed ? 1 : 0) +
           "\n# TYPE caas_initialized gauge\ncaas_initialized " +
           std::to_string(status.initialized ? 1 : 0) + "\n";
  });

  auto server = api::HttpServer::create(server_options(*config, listen), router, metrics);
  if (!server.ok()) {
    return fail(server.status());
  }
  std::string host =
      listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  std::printf("caasd: listening on %s://%s:%u\n", (*server)->tls() ? "https" : "http", host.c_str(),
              (*server)->port());
  std::fflush(stdout);
  spdlog::info("caasd {} listening on {}:{} data_dir={} sealed={}", CAAS_VERSION, listen.host,
               (*server)->port(), data_dir.string(), (*seal)->status().sealed);
  (*server)->run();
  (*seal)->seal();
  spdlog::info("caasd stopped");
  return 0;
}

int list_routes() {
  api::Router router;
  api::SysDeps deps;
  api::add_sys_routes(router, deps);
  api::add_auth_routes(router, {});
  api::add_transit_routes(router, {});
  api::add_file_routes(router, {}, nullptr);
  api::add_key_routes(router, {});
  for (const std::string& line : router.describe()) {
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace caas::server

int main(int argc, char** argv) {
  using caas::server::Flags;
  CLI::App app{"caasd — Cryptography as a Service server"};
  Flags flags;
  app.add_option("--config", flags.config_file, "TOML configuration file");
  app.add_flag("--dev", flags.dev,
               "development mode: auto-init 1-of-1 and auto-unseal (never in production)");
  app.add_option("--listen", flags.listen, "address to listen on, HOST:PORT (port 0: any free)");
  app.add_option("--data-dir", flags.data_dir, "folder for the database and blobs");
  app.add_flag("--list-routes", flags.list_routes, "print every API route and exit");
  app.set_version_flag("--version", std::string("caasd ") + CAAS_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return caas::server::kExitUsage;
  }
  try {
    return flags.list_routes ? caas::server::list_routes() : caas::server::serve(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caasd: fatal: %s\n", e.what());
    return 1;
  }
}
