// QR codes for the terminal (libqrencode): two modules per character cell with the Unicode
// half blocks, dark on light with a quiet zone, so a phone can scan an otpauth:// URI on screen.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace caas::cli {

// The QR code of `text` as lines of text. Errors: kInvalidArgument when libqrencode cannot
// encode it (too long).
Result<std::string> render_qr(std::string_view text);

}  // namespace caas::cli
