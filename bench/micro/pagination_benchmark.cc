// Sealing and opening page tokens, which every List call with more than
// one page does once each.

#include <string>

#include "benchmark/benchmark.h"
#include "common/pagination.h"

namespace ironorg::pagination {
namespace {

// A scope and last key shaped as ListProjects builds them: the method, the
// parent and the caller, and a resource id.
constexpr char kScope[] =
    "ListProjects\norganizations/o4kq9mz2x7c1vb\n"
    "organizations/o4kq9mz2x7c1vb/users/u8w2rj5n0hq3te";
constexpr char kLastKey[] = "p5d1k8s2w9f0ra";

PageTokenCodec MakeCodec() {
  return PageTokenCodec(std::string(32, 'k'));
}

void BM_PageTokenEncode(benchmark::State& state) {
  const PageTokenCodec codec = MakeCodec();
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec.Encode(kScope, kLastKey));
  }
}
BENCHMARK(BM_PageTokenEncode);

void BM_PageTokenDecode(benchmark::State& state) {
  const PageTokenCodec codec = MakeCodec();
  const std::string token = codec.Encode(kScope, kLastKey);
  if (!codec.Decode(kScope, token).ok()) {
    state.SkipWithError("a freshly encoded token did not decode");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec.Decode(kScope, token));
  }
}
BENCHMARK(BM_PageTokenDecode);

// A token replayed on another request: INVALID_ARGUMENT, with its message.
void BM_PageTokenDecodeOtherScope(benchmark::State& state) {
  const PageTokenCodec codec = MakeCodec();
  const std::string token = codec.Encode(kScope, kLastKey);
  const std::string other_scope = std::string(kScope) + "x";
  if (codec.Decode(other_scope, token).ok()) {
    state.SkipWithError("a token decoded for another scope");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec.Decode(other_scope, token));
  }
}
BENCHMARK(BM_PageTokenDecodeOtherScope);

}  // namespace
}  // namespace ironorg::pagination
