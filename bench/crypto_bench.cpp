// AEAD throughput of our wrappers, one sealed or opened message per iteration (nonce set, data
// encrypted, tag produced or checked). bench/run prints these beside `openssl speed -evp`.
#include <benchmark/benchmark.h>

#include "crypto/aes_gcm.h"
#include "crypto/chacha20_poly1305.h"
#include "crypto/random.h"

namespace caas::crypto {
namespace {

template <typename Cipher>
void bm_seal(benchmark::State& state) {
  Cipher aead = *Cipher::create(random_secret_array<32>());
  const auto size = static_cast<std::size_t>(state.range(0));
  Bytes plaintext = random_bytes(size);
  Bytes out(size + kAeadTagBytes);
  Bytes nonce = random_bytes(12);
  for (auto _ : state) {
    ++nonce[0];  // a new nonce per message, as real callers do
    Status status = aead.seal_into(Nonce(nonce), plaintext, Aad::none(), out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(size));
}

template <typename Cipher>
void bm_open(benchmark::State& state) {
  Cipher aead = *Cipher::create(random_secret_array<32>());
  const auto size = static_cast<std::size_t>(state.range(0));
  Bytes nonce = random_bytes(12);
  Bytes sealed = *aead.seal(Nonce(nonce), random_bytes(size), Aad::none());
  Bytes out(size);
  for (auto _ : state) {
    Status status = aead.open_into(Nonce(nonce), sealed, Aad::none(), out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(size));
}

#define CAAS_AEAD_BENCH(fn, cipher, name) \
  BENCHMARK(fn<cipher>)->Name(name)->Arg(16 << 10)->Arg(64 << 10)->Arg(1 << 20)

CAAS_AEAD_BENCH(bm_seal, Aes256Gcm, "seal/aes-256-gcm");
CAAS_AEAD_BENCH(bm_open, Aes256Gcm, "open/aes-256-gcm");
CAAS_AEAD_BENCH(bm_seal, ChaCha20Poly1305, "seal/chacha20-poly1305");
CAAS_AEAD_BENCH(bm_open, ChaCha20Poly1305, "open/chacha20-poly1305");

}  // namespace
}  // namespace caas::crypto

BENCHMARK_MAIN();
