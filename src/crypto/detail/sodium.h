// One place that initialises libsodium (it picks the fastest backend for this CPU).
#pragma once

namespace caas::crypto::detail {

// Idempotent and thread-safe; after the first call it costs one load. Aborts if libsodium
// cannot initialise (no usable randomness): nothing secure can run then.
void ensure_sodium();

}  // namespace caas::crypto::detail
