#include "cli/qr_code.h"

#include <memory>

#include <qrencode.h>

namespace caas::cli {
namespace {

// The QR spec asks for four light modules around the code; two suffice for phone cameras on a
// terminal and keep the code small.
constexpr int kQuietZone = 2;

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

Result<std::string> render_qr(std::string_view text) {
  std::string input(text);
  std::unique_ptr<QRcode, QrDeleter> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_L, QR_MODE_8, 1));
  if (code == nullptr) {
    return error(ErrorCode::kInvalidArgument, "cannot make a QR code of this text");
  }
  int width = code->width;
  int size = width + 2 * kQuietZone;
  // Light modules and the quiet zone are drawn as blocks and dark ones as spaces, which reads
  // correctly on the usual light-on-dark terminal without colour codes.
  auto dark = [&](int x, int y) {
    x -= kQuietZone;
    y -= kQuietZone;
    if (x < 0 || y < 0 || x >= width || y >= width) {
      return false;
    }
    return (code->data[y * width + x] & 1) != 0;
  };
  std::string out;
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      bool top_light = !dark(x, y);
      bool bottom_light = y + 1 < size ? !dark(x, y + 1) : false;
      if (top_light && bottom_light) {
        out += "\u2588";  // full block
      } else if (top_light) {
        out += "\u2580";  // upper half
      } else if (bottom_light) {
        out += "\u2584";  // lower half
      } else {
        out += " ";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace caas::cli
