// --dev: a server that is usable the moment it starts, on embedded defaults. The first start
// initializes 1-of-1 and keeps the single share in DATA_DIR/dev-unseal.key and the root token in
// DATA_DIR/dev-root-token (both 0600); every start unseals from the share. Keeping the key next
// to the data defeats the point of sealing: dev mode is for development only, and says so.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "kms/audit_log.h"
#include "kms/seal_manager.h"

namespace caas::server {

struct DevBootstrap {
  std::string root_token;  // read back from dev-root-token, to print
  bool first_start = false;
};

// Initializes (first start) and unseals. Errors: kIo when the key files cannot be written or
// read, kFailedPrecondition when the database is initialized but dev-unseal.key is missing.
Result<DevBootstrap> dev_bootstrap(const std::filesystem::path& data_dir, kms::SealManager& seal,
                                   kms::AuditLog& audit);

}  // namespace caas::server
