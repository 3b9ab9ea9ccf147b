#include "server/dev_mode.h"

#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base64.h"
#include "crypto/locked_bytes.h"

namespace caas::server {
namespace {

constexpr const char* kShareFile = "dev-unseal.key";
constexpr const char* kTokenFile = "dev-root-token";

// Writes `text` + '\n' to a new file created 0600 (never world-readable, even for an instant).
Status write_secret_file(const std::filesystem::path& path, ByteSpan text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return error(ErrorCode::kIo, "dev mode: cannot create " + path.string());
  }
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::write(fd, "\n", 1) == 1 && ::fsync(fd) == 0;
  ::close(fd);
  return ok ? ok_status() : error(ErrorCode::kIo, "dev mode: cannot write " + path.string());
}

Result<std::string> read_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) {
    return error(ErrorCode::kIo, "dev mode: cannot read " + path.string());
  }
  return line;
}

Status unseal_from_file(const std::filesystem::path& path, kms::SealManager& seal,
                        kms::AuditLog& audit) {
  CAAS_ASSIGN_OR_RETURN(std::string text, read_line(path));
  CAAS_ASSIGN_OR_RETURN(std::size_t size, base64_decoded_size(text));
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes share,
                        crypto::LockedBytes::allocate(std::max<std::size_t>(size, 1)));
  Status decoded = base64_decode_into(text, share.expose_mutable());
  crypto::detail::secure_wipe(text.data(), text.size());
  CAAS_TRY(decoded.with_context("dev mode: " + path.string()));
  CAAS_TRY(seal.unseal(share.expose()).status().with_context("dev mode: unseal"));
  return audit.record({"dev", "sys.unseal", "", "ok"});
}

}  // namespace

Result<DevBootstrap> dev_bootstrap(const std::filesystem::path& data_dir, kms::SealManager& seal,
                                   kms::AuditLog& audit) {
  DevBootstrap result;
  std::filesystem::path share_path = data_dir / kShareFile;
  std::filesystem::path token_path = data_dir / kTokenFile;
  if (!seal.status().initialized) {
    CAAS_ASSIGN_OR_RETURN(kms::InitResult init, seal.init(1, 1));
    CAAS_TRY(audit.record_with(*init.keyring, {"dev", "sys.init", "shares=1,threshold=1", "ok"}));
    init.keyring.reset();
    std::string share_text = base64_encode(init.shares.front().expose());
    Status written = write_secret_file(share_path, as_bytes(share_text));
    crypto::detail::secure_wipe(share_text.data(), share_text.size());
    CAAS_TRY(written);
    CAAS_TRY(write_secret_file(token_path, init.root_token.expose()));
    result.first_start = true;
  } else if (!std::filesystem::exists(share_path)) {
    return error(ErrorCode::kFailedPrecondition,
                 "dev mode: " + data_dir.string() +
                     " holds an initialized server but no dev-unseal.key; it was not made by "
                     "--dev: start without --dev and unseal it");
  }
  if (seal.status().sealed) {
    CAAS_TRY(unseal_from_file(share_path, seal, audit));
  }
  Result<std::string> token = read_line(token_path);
  result.root_token = token.ok() ? *token : "(dev-root-token is missing)";
  return result;
}

}  // namespace caas::server
