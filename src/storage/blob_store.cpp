#include "storage/blob_store.h"

#include <string>

namespace caas::storage {

Status validate_blob_id(std::string_view id) {
  bool valid = id.size() == kBlobIdChars;
  for (std::size_t i = 0; valid && i < id.size(); ++i) {
    char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      valid = c == '-';
    } else {
      valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
  }
  if (!valid) {
    // The id came from a caller and may be anything: say what is expected, not what was given.
    return invalid_argument("blob id must be a lower-case uuid (36 characters)");
  }
  return ok_status();
}

}  // namespace caas::storage
