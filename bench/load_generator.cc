#include "bench/load_generator.h"

#include <grpcpp/support/status.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

namespace ironorg::bench {

struct LoadGenerator::Call {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  Clock::time_point intended;
};

LoadGenerator::LoadGenerator(std::shared_ptr<grpc::Channel> channel,
                             std::string method, std::string request,
                             ContextSetup setup)
    : stub_(std::move(channel)),
      method_(std::move(method)),
      setup_(std::move(setup)) {
  grpc::Slice slice(request);
  request_ = grpc::ByteBuffer(&slice, 1);
}

LoadResult LoadGenerator::Run(const LoadOptions& options) {
  options_ = options;
  const Clock::time_point start = Clock::now();
  measure_start_ = start + options_.warmup;
  end_ = measure_start_ + options_.duration;
  last_measured_finish_ = measure_start_;

  if (options_.mode == LoopMode::kOpen) {
    RunOpenLoop();
  } else {
    int first_calls = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      first_calls = static_cast<int>(
          std::min<int64_t>(options_.concurrency, options_.max_calls));
      started_ = first_calls;
      outstanding_ = first_calls;
    }
    for (int i = 0; i < first_calls; ++i) {
      StartCall(Clock::now());
    }
  }

  // Every call has a deadline, so this wait ends.
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return outstanding_ == 0; });
  result_.measured_seconds =
      std::chrono::duration<double>(last_measured_finish_ - measure_start_)
          .count();
  std::sort(result_.latencies.begin(), result_.latencies.end());
  return std::move(result_);
}

// The caller has already counted the call in `started_` and `outstanding_`.
void LoadGenerator::StartCall(Clock::time_point intended) {
  auto* call = new Call;
  call->intended = intended;
  call->context.set_deadline(std::chrono::system_clock::now() +
                             options_.call_timeout);
  setup_(&call->context);
  stub_.UnaryCall(&call->context, method_, grpc::StubOptions(), &request_,
                  &call->response, [this, call](grpc::Status status) {
                    FinishCall(call, status);
                  });
}

void LoadGenerator::FinishCall(Call* call, const grpc::Status& status) {
  const Clock::time_point finish = Clock::now();
  const Clock::time_point intended = call->intended;
  delete call;

  bool start_next = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++result_.all_calls;
    const int code = static_cast<int>(status.error_code());
    ++result_.all_status_counts[code];
    if (!status.ok() && result_.first_error_messages.count(code) == 0) {
      result_.first_error_messages[code] = status.error_message();
    }
    if (intended >= measure_start_) {
      ++result_.measured_calls;
      result_.latencies.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(finish -
                                                               intended)
              .count());
      last_measured_finish_ = std::max(last_measured_finish_, finish);
    }
    if (options_.mode == LoopMode::kClosed && finish < end_ &&
        started_ < options_.max_calls) {
      ++started_;
      start_next = true;
    } else {
      --outstanding_;
      changed_.notify_all();
    }
  }

  // In closed-loop mode this completion's slot starts the next call, so
  // `outstanding_` stays the same.
  if (start_next) {
    StartCall(finish);
  }
}

void LoadGenerator::RunOpenLoop() {
  const Clock::time_point start = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options_.rate));
  for (int64_t i = 0; i < options_.max_calls; ++i) {
    const Clock::time_point intended = start + interval * i;
    if (intended >= end_) {
      break;
    }
    std::this_thread::sleep_until(intended);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] {
        return outstanding_ < options_.max_outstanding;
      });
      ++started_;
      ++outstanding_;
      if (Clock::now() - intended > std::chrono::milliseconds(1)) {
        ++result_.late_starts;
      }
    }
    StartCall(intended);
  }
}

std::string StatusCodeName(int code) {
  static const char* const kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) {
    return kNames[code];
  }
  return "CODE_" + std::to_string(code);
}

double QuantileMillis(const std::vector<int64_t>& latencies, double q) {
  if (latencies.empty()) {
    return 0;
  }
  // The nearest-rank quantile: the smallest latency with at least a
  // fraction q of all latencies at or below it.
  const auto rank = static_cast<size_t>(
      std::ceil(q * static_cast<double>(latencies.size())));
  const size_t index = std::min(latencies.size(), std::max<size_t>(rank, 1)) - 1;
  return static_cast<double>(latencies[index]) / 1e6;
}

}  // namespace ironorg::bench
