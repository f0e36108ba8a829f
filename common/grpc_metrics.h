// Call metrics for every gRPC server of the suite, taken by a server
// interceptor, so that no handler has to count its own calls.
//
// Each call is counted in
//   ironorg_grpc_server_calls_total{method, code}
// and its duration observed in the histogram
//   ironorg_grpc_server_call_duration_seconds{method}
// with the buckets of metrics::LatencyBucketsSeconds(). `method` is the
// full method name without the leading slash, such as
// "ironorg.identity.v1.AuthService/Login", or "unknown" for a path that
// names no method of a proto compiled into the binary, which keeps the
// number of series bounded whatever clients send. `code` is the status
// code's canonical name, such as "OK" or "PERMISSION_DENIED".
#ifndef IRONORG_COMMON_GRPC_METRICS_H_
#define IRONORG_COMMON_GRPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "common/metrics.h"

namespace ironorg {

// Returns a factory of interceptors that record each call in `registry`,
// registering the two families above on first use. A call is timed from
// the moment gRPC matches it to a method until the server sends its
// status, and counted with the code of that status.
// NOTE: no test covers a call that the client cancels or lets expire. Its
// code is the one the handler returned, which can differ from the
// CANCELLED or DEADLINE_EXCEEDED that the client receives.
// REQUIRES: `registry` outlives every server built with the factory.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallMetricsInterceptorFactory(metrics::Registry* registry);

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRPC_METRICS_H_
