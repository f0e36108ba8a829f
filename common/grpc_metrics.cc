#include "common/grpc_metrics.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"

namespace ironorg {
namespace {

using grpc::experimental::InterceptionHookPoints;

// The method label of a call to `path` ("/package.Service/Method").
// gRPC passes the path the client sent even when no service of this
// server has it, so a label taken from it unchecked would let any client
// create series without bound. A path that names a method of a compiled
// proto keeps its name, and every other path becomes "unknown".
std::string MethodLabel(const char* path) {
  absl::string_view method = path == nullptr ? "" : path;
  absl::ConsumePrefix(&method, "/");
  const size_t slash = method.find('/');
  if (slash == absl::string_view::npos) {
    return "unknown";
  }
  const std::string full_name =
      absl::StrCat(method.substr(0, slash), ".", method.substr(slash + 1));
  if (google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          full_name) == nullptr) {
    return "unknown";
  }
  return std::string(method);
}

// The two families of one registry.
struct CallMetrics {
  metrics::Counter* calls;
  metrics::Histogram* durations;
};

// Times one call and records it when the server sends its status.
class CallMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallMetricsInterceptor(const CallMetrics& metrics, std::string method)
      : metrics_(metrics),
        method_(std::move(method)),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start_;
      const grpc::Status status = methods->GetSendStatus();
      const std::string code(absl::StatusCodeToString(
          static_cast<absl::StatusCode>(status.error_code())));
      metrics_.calls->Increment({method_, code});
      metrics_.durations->Observe({method_}, elapsed.count());
    }
    methods->Proceed();
  }

 private:
  const CallMetrics metrics_;
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
};

class CallMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallMetricsInterceptorFactory(const CallMetrics& metrics)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallMetricsInterceptor(metrics_, MethodLabel(info->method()));
  }

 private:
  const CallMetrics metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallMetricsInterceptorFactory(metrics::Registry* registry) {
  CallMetrics metrics;
  metrics.calls = &registry->AddCounter(
      "ironorg_grpc_server_calls_total",
      "gRPC calls this server completed, by full method name and status "
      "code.",
      {"method", "code"});
  metrics.durations = &registry->AddHistogram(
      "ironorg_grpc_server_call_duration_seconds",
      "Time from the start of a gRPC call on this server until it sent its "
      "status, by full method name.",
      {"method"}, metrics::LatencyBucketsSeconds());
  return std::make_unique<CallMetricsInterceptorFactory>(metrics);
}

}  // namespace ironorg
