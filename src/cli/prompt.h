// Questions to the person at the keyboard, or to a script. When standard input is a terminal,
// the question goes to the terminal and the answer is read from it (echo off for secrets).
// Otherwise the question goes to stderr and the answer is the next line of standard input, so
// a script can drive every flow: the password line, then the code line once the mail came.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/secret.h"

namespace caas::cli {

inline constexpr std::size_t kMaxAnswerBytes = 4096;

// Errors: kFailedPrecondition at the end of standard input ("no answer for <question>"),
// kInvalidArgument for an answer over kMaxAnswerBytes, kIo.
Result<crypto::SecretBytes> ask_secret(std::string_view question);
Result<std::string> ask_line(std::string_view question);

bool stdin_is_terminal();
bool stdout_is_terminal();

}  // namespace caas::cli
