// A load generator for unary gRPC calls of any method, built on the gRPC
// callback client (grpc::GenericStub with ByteBuffer messages), so that it
// sends a request serialized once by the caller and never needs the
// method's generated stub.
//
// Two modes:
//   closed loop  a fixed number of calls in flight; each completion starts
//                the next call, for a fixed duration.
//   open loop    calls start at a fixed offered rate whatever the server
//                does. Each latency is measured from the call's intended
//                start time, not from when the generator managed to send
//                it, so a server that falls behind shows its queueing in
//                the latency instead of hiding it (coordinated omission).
//
// Every run is bounded: it stops at its duration or its call limit,
// whichever comes first, and each call has a deadline.
//
// Thread-safety: Run may be called once per LoadGenerator; the callbacks
// it starts run on gRPC's threads and share state under a mutex.
#ifndef IRONORG_BENCH_LOAD_GENERATOR_H_
#define IRONORG_BENCH_LOAD_GENERATOR_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ironorg::bench {

enum class LoopMode { kClosed, kOpen };

struct LoadOptions {
  LoopMode mode = LoopMode::kClosed;
  // Calls in flight in closed-loop mode.
  int concurrency = 16;
  // Offered calls per second in open-loop mode.
  double rate = 1000;
  // The measured time, after the warm-up.
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  // Calls started during the warm-up are neither timed nor counted in the
  // rate, but their statuses count in `LoadResult::all_status_counts`.
  std::chrono::nanoseconds warmup = std::chrono::seconds(1);
  // The maximum number of calls one run starts, warm-up included.
  int64_t max_calls = 1000000;
  // The deadline of each call.
  std::chrono::nanoseconds call_timeout = std::chrono::seconds(5);
  // Open-loop mode: the maximum number of calls in flight. When it is reached the
  // sender waits, and the wait counts in the latency of the delayed calls.
  int max_outstanding = 10000;
};

struct LoadResult {
  // Calls started after the warm-up and finished, whatever their status.
  int64_t measured_calls = 0;
  // Every call finished, warm-up included.
  int64_t all_calls = 0;
  // From the end of the warm-up to the last measured completion.
  double measured_seconds = 0;
  // Latencies of the measured calls in nanoseconds, sorted.
  std::vector<int64_t> latencies;
  // Finished calls by gRPC status code, warm-up included.
  std::map<int, int64_t> all_status_counts;
  // The first message seen for each non-OK code, for diagnosis.
  std::map<int, std::string> first_error_messages;
  // Open-loop mode: calls that started more than 1 ms after their intended
  // time because the sender was behind or at max_outstanding.
  int64_t late_starts = 0;
};

// Prepares each call's context: deadline, metadata and, when needed, the
// internal signature. Runs on the thread that starts the call.
using ContextSetup = std::function<void(grpc::ClientContext*)>;

class LoadGenerator final {
 public:
  // `method` is the full path, such as "/ironorg.bench.v1.EchoService/Echo",
  // and `request` the serialized request sent with every call.
  LoadGenerator(std::shared_ptr<grpc::Channel> channel, std::string method,
                std::string request, ContextSetup setup);

  // Runs the load and returns what it measured. Blocks until every call
  // it started has finished.
  LoadResult Run(const LoadOptions& options);

 private:
  struct Call;
  using Clock = std::chrono::steady_clock;

  void StartCall(Clock::time_point intended);
  void FinishCall(Call* call, const grpc::Status& status);
  void RunOpenLoop();

  grpc::GenericStub stub_;
  std::string method_;
  grpc::ByteBuffer request_;
  ContextSetup setup_;
  LoadOptions options_;

  Clock::time_point measure_start_;
  Clock::time_point end_;

  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t started_ = 0;
  int outstanding_ = 0;
  Clock::time_point last_measured_finish_;
  LoadResult result_;
};

// Returns the name of a gRPC status code, such as "UNAVAILABLE".
std::string StatusCodeName(int code);

// Returns the latency at quantile `q` (0 < q <= 1) of sorted `latencies`
// in milliseconds, or 0 when there are none.
double QuantileMillis(const std::vector<int64_t>& latencies, double q);

}  // namespace ironorg::bench

#endif  // IRONORG_BENCH_LOAD_GENERATOR_H_
