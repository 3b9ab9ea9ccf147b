// The identity a container is bound to (docs/FORMAT.md §2): the file's and the owner's UUIDs in
// binary. A container decrypts only under the binding it was written with.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace caas::format {

inline constexpr std::size_t kUuidBytes = 16;
inline constexpr std::size_t kBindingBytes = 2 * kUuidBytes;

struct Binding {
  std::array<std::uint8_t, kUuidBytes> file_id{};
  std::array<std::uint8_t, kUuidBytes> owner_id{};
};

}  // namespace caas::format
