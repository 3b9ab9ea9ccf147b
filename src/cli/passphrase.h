// Passphrases for `caas age -p` and for decrypting scrypt files: from the environment variable
// CAAS_AGE_PASSPHRASE (for scripts) or else typed at the terminal (/dev/tty, echo off), as the
// age tool reads them. The result lives in wiped memory.
#pragma once

#include "base/result.h"
#include "crypto/secret.h"

namespace caas::cli {

inline constexpr const char* kPassphraseEnv = "CAAS_AGE_PASSPHRASE";

// For encryption: the environment variable, or the terminal asked twice ("Enter passphrase:",
// "Confirm passphrase:"). Errors: kInvalidArgument for an empty passphrase or two that differ;
// kFailedPrecondition when there is neither variable nor terminal.
Result<crypto::SecretBytes> passphrase_for_encryption();

// For decryption: the environment variable, or the terminal asked once.
Result<crypto::SecretBytes> passphrase_for_decryption();

}  // namespace caas::cli
