// The three `caas age` commands, with the flags and behaviour of the age 1.1 tool: keygen (as
// age-keygen), encrypt (age -e) and decrypt (age -d). Each returns OK or the Status that main
// prints as "caas age: <message>" (exit 1). Input and output stream through fixed buffers.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace caas::cli {

// The size of each read from the input.
inline constexpr std::size_t kReadBytes = std::size_t{64} * 1024;

struct KeygenOptions {
  std::string output;    // empty: stdout
  bool convert = false;  // -y: print the recipients of the identity file `input`
  std::string input;     // with -y; empty: stdin
};

struct EncryptOptions {
  std::vector<std::string> recipients;       // -r
  std::vector<std::string> recipient_files;  // -R
  bool passphrase = false;                   // -p
  bool armor = false;                        // -a
  std::string output;                        // -o; empty: stdout
  std::string input;                         // empty: stdin
};

struct DecryptOptions {
  std::vector<std::string> identity_files;  // -i
  std::string output;
  std::string input;
};

// Writes a new identity file (created 0600, never over an existing file) or, with -y, the
// recipients of an identity file. Prints "Public key: age1…" to stderr unless the output is a
// terminal, as age-keygen does.
Status run_keygen(const KeygenOptions& options);

// Refuses binary output to a terminal unless -a. On failure, a -o file is removed.
Status run_encrypt(const EncryptOptions& options);

// Detects armor; asks for a passphrase only for an scrypt file decrypted without -i. On
// failure, a -o file is removed (plaintext already written to stdout cannot be taken back).
Status run_decrypt(const DecryptOptions& options);

}  // namespace caas::cli
