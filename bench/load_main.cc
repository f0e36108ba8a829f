// ironorg-bench-load: sends unary gRPC calls of any method to a loopback
// server and prints one JSON line with what it measured. See
// load_generator.h for the closed-loop and open-loop modes and
// docs/benchmarks.md for how scripts/bench.sh uses it.
//
// The request is protobuf JSON (or text format with
// --request_format=text) for the method's request type, found in the
// descriptors compiled into this binary, so any ironorg method, the
// health service and the benchmark's echo service can be called by path.
#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/security/credentials.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/load_generator.h"
#include "common/flags.h"
#include "common/internal_auth.h"
#include "common/server.h"
#include "grpc/health/v1/health.pb.h"
#include "ironorg/bench/v1/echo.pb.h"
#include "ironorg/billing/v1/billing_account.pb.h"
#include "ironorg/billing/v1/plan.pb.h"
#include "ironorg/billing/v1/subscription.pb.h"
#include "ironorg/clusters/v1/cluster.pb.h"
#include "ironorg/clusters/v1/cluster_access.pb.h"
#include "ironorg/clusters/v1/runner.pb.h"
#include "ironorg/gateway/v1/access.pb.h"
#include "ironorg/identity/v1/auth.pb.h"
#include "ironorg/identity/v1/organization.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "ironorg/projects/v1/project.pb.h"
#include "ironorg/projects/v1/project_access.pb.h"

ABSL_FLAG(std::string, target, "",
          "host:port of the server to call; must be a loopback address");
ABSL_FLAG(std::string, method, "",
          "full method path, such as /ironorg.projects.v1.ProjectService/"
          "GetProject");
ABSL_FLAG(std::string, request, "{}",
          "the request message, in protobuf JSON or text format");
ABSL_FLAG(std::string, request_format, "json",
          "format of --request: json or text");
ABSL_FLAG(std::string, internal_secret_file, "",
          "when set, sign every call with this internal secret for "
          "--principal, as the gateway does");
ABSL_FLAG(std::string, principal, "",
          "the ironorg.identity.v1.Principal to sign, in text format");
ABSL_FLAG(std::string, mode, "closed",
          "closed (fixed concurrency) or open (fixed offered rate)");
ABSL_FLAG(int, concurrency, 16, "calls in flight in closed-loop mode, 1-1000");
ABSL_FLAG(double, rate, 1000,
          "offered calls per second in open-loop mode, 1-100000");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "measured time after the warm-up, at most 10m");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "time before measuring, at most 1m");
ABSL_FLAG(int64_t, max_calls, 1000000,
          "maximum number of calls of one run, warm-up included, 1-10000000");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(5),
          "deadline of each call, at most 1m");
ABSL_FLAG(int, walk_pages, 0,
          "instead of load: call the list method this many times in a row, "
          "passing each next_page_token on as page_token, and print the "
          "last next_page_token");
ABSL_FLAG(bool, print_response, false,
          "instead of load: make one call and print the response as JSON");
ABSL_FLAG(absl::Duration, wait_for_serving, absl::ZeroDuration(),
          "instead of load: poll grpc.health.v1.Health/Check until it "
          "returns SERVING, for at most this long");
ABSL_FLAG(int64_t, since_unix_nanos, 0,
          "with --wait_for_serving: print the time from this moment (Unix "
          "nanoseconds, such as date +%s%N) until SERVING");

namespace {

namespace protobuf = google::protobuf;
using ironorg::bench::LoadGenerator;
using ironorg::bench::LoadOptions;
using ironorg::bench::LoadResult;
using ironorg::bench::LoopMode;

constexpr char kMetadataFlag[] = "--metadata";

// Refers to one message of every proto file whose methods this binary
// calls. A static library member that nothing refers to is not linked, and
// its descriptors would then be missing from the generated pool.
void LinkDescriptors() {
  const protobuf::Descriptor* descriptors[] = {
      ironorg::bench::v1::EchoRequest::descriptor(),
      grpc::health::v1::HealthCheckRequest::descriptor(),
      ironorg::identity::v1::Organization::descriptor(),
      ironorg::identity::v1::User::descriptor(),
      ironorg::identity::v1::LoginRequest::descriptor(),
      ironorg::identity::v1::Principal::descriptor(),
      ironorg::projects::v1::Project::descriptor(),
      ironorg::projects::v1::GrantProjectAccessRequest::descriptor(),
      ironorg::clusters::v1::Cluster::descriptor(),
      ironorg::clusters::v1::GrantClusterAccessRequest::descriptor(),
      ironorg::clusters::v1::Runner::descriptor(),
      ironorg::billing::v1::IronWorkerLimits::descriptor(),
      ironorg::billing::v1::Subscription::descriptor(),
      ironorg::billing::v1::PostalAddress::descriptor(),
      ironorg::gateway::v1::ExplainAccessRequest::descriptor(),
  };
  for (const protobuf::Descriptor* descriptor : descriptors) {
    (void)descriptor;
  }
}

[[noreturn]] void Fail(absl::string_view message) {
  std::cerr << "ironorg-bench-load: " << message << "\n";
  std::exit(2);
}

// Takes every "--metadata key:value" (or "--metadata=key:value") out of
// argv, because an Abseil flag keeps only the last of repeated values.
std::vector<std::pair<std::string, std::string>> TakeMetadata(
    int* argc, char** argv) {
  std::vector<std::pair<std::string, std::string>> metadata;
  int next_argument = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string value;
    const absl::string_view argument = argv[i];
    if (argument == kMetadataFlag) {
      if (i + 1 >= *argc) {
        Fail("--metadata needs a value of the form key:value");
      }
      value = argv[++i];
    } else if (absl::StartsWith(argument, absl::StrCat(kMetadataFlag, "="))) {
      value = std::string(argument.substr(sizeof(kMetadataFlag)));
    } else {
      argv[next_argument++] = argv[i];
      continue;
    }
    const size_t colon = value.find(':');
    if (colon == std::string::npos || colon == 0) {
      Fail(absl::StrCat("--metadata must be key:value, got \"", value, "\""));
    }
    metadata.emplace_back(
        absl::AsciiStrToLower(value.substr(0, colon)),
        std::string(absl::StripLeadingAsciiWhitespace(
            absl::string_view(value).substr(colon + 1))));
  }
  *argc = next_argument;
  return metadata;
}

const protobuf::MethodDescriptor* FindMethod(const std::string& path) {
  // "/package.Service/Method" is "package.Service.Method" in the pool.
  if (path.size() < 4 || path[0] != '/') {
    Fail(absl::StrCat("--method must be a path such as "
                      "/ironorg.bench.v1.EchoService/Echo, got \"",
                      path, "\""));
  }
  const std::string full_name =
      absl::StrReplaceAll(path.substr(1), {{"/", "."}});
  const protobuf::MethodDescriptor* method =
      protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name);
  if (method == nullptr) {
    Fail(absl::StrCat("method \"", path,
                      "\" is not compiled into ironorg-bench-load"));
  }
  return method;
}

std::unique_ptr<protobuf::Message> NewMessage(
    const protobuf::Descriptor* type) {
  return std::unique_ptr<protobuf::Message>(
      protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

std::unique_ptr<protobuf::Message> ParseRequest(
    const protobuf::MethodDescriptor* method) {
  std::unique_ptr<protobuf::Message> request = NewMessage(method->input_type());
  const std::string text = absl::GetFlag(FLAGS_request);
  const std::string format = absl::GetFlag(FLAGS_request_format);
  if (format == "json") {
    const auto status = protobuf::util::JsonStringToMessage(text, request.get());
    if (!status.ok()) {
      Fail(absl::StrCat("--request is not valid JSON for ",
                        method->input_type()->full_name(), ": ",
                        status.ToString()));
    }
  } else if (format == "text") {
    if (!protobuf::TextFormat::ParseFromString(text, request.get())) {
      Fail(absl::StrCat("--request is not valid text format for ",
                        method->input_type()->full_name()));
    }
  } else {
    Fail(absl::StrCat("--request_format must be json or text, got \"", format,
                      "\""));
  }
  return request;
}

std::optional<ironorg::InternalCredential> LoadCredential() {
  const std::string secret_file = absl::GetFlag(FLAGS_internal_secret_file);
  if (secret_file.empty()) {
    return std::nullopt;
  }
  absl::StatusOr<ironorg::InternalCredential> credential =
      ironorg::LoadInternalCredential(secret_file);
  if (!credential.ok()) {
    Fail(absl::StrCat("cannot load --internal_secret_file: ",
                      credential.status().ToString()));
  }
  return *std::move(credential);
}

ironorg::identity::v1::Principal ParsePrincipal() {
  ironorg::identity::v1::Principal principal;
  if (!protobuf::TextFormat::ParseFromString(absl::GetFlag(FLAGS_principal),
                                             &principal)) {
    Fail("--principal is not a text-format ironorg.identity.v1.Principal");
  }
  return principal;
}

LoadOptions ReadLoadOptions() {
  LoadOptions options;
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "closed") {
    options.mode = LoopMode::kClosed;
  } else if (mode == "open") {
    options.mode = LoopMode::kOpen;
  } else {
    Fail(absl::StrCat("--mode must be closed or open, got \"", mode, "\""));
  }

  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.max_calls = absl::GetFlag(FLAGS_max_calls);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  const absl::Duration call_timeout = absl::GetFlag(FLAGS_call_timeout);
  if (options.concurrency < 1 || options.concurrency > 1000) {
    Fail(absl::StrCat("--concurrency must be between 1 and 1000, got ",
                      options.concurrency));
  }
  if (!(options.rate >= 1 && options.rate <= 100000)) {
    Fail(absl::StrCat("--rate must be between 1 and 100000, got ",
                      options.rate));
  }
  if (options.max_calls < 1 || options.max_calls > 10000000) {
    Fail(absl::StrCat("--max_calls must be between 1 and 10000000, got ",
                      options.max_calls));
  }
  if (duration <= absl::ZeroDuration() || duration > absl::Minutes(10)) {
    Fail(absl::StrCat("--duration must be above 0 and at most 10m, got ",
                      absl::FormatDuration(duration)));
  }
  if (warmup < absl::ZeroDuration() || warmup > absl::Minutes(1)) {
    Fail(absl::StrCat("--warmup must be between 0 and 1m, got ",
                      absl::FormatDuration(warmup)));
  }
  if (call_timeout <= absl::ZeroDuration() || call_timeout > absl::Minutes(1)) {
    Fail(absl::StrCat("--call_timeout must be above 0 and at most 1m, got ",
                      absl::FormatDuration(call_timeout)));
  }
  options.duration = absl::ToChronoNanoseconds(duration);
  options.warmup = absl::ToChronoNanoseconds(warmup);
  options.call_timeout = absl::ToChronoNanoseconds(call_timeout);
  return options;
}

std::string JsonString(absl::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&quoted, "\\u%04x", c);
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

// Prints the result as one JSON line on stdout, and each non-OK code's
// first message on stderr.
void PrintResult(const LoadOptions& options, const LoadResult& result) {
  int64_t non_ok_total = 0;
  std::string non_ok = "{";
  for (const auto& [code, count] : result.all_status_counts) {
    if (code == 0) {
      continue;
    }
    non_ok_total += count;
    absl::StrAppend(&non_ok, non_ok.size() > 1 ? "," : "",
                    JsonString(ironorg::bench::StatusCodeName(code)), ":",
                    count);
  }
  non_ok += "}";
  for (const auto& [code, message] : result.first_error_messages) {
    std::cerr << ironorg::bench::StatusCodeName(code) << ": " << message
              << "\n";
  }

  const double rate = result.measured_seconds > 0
                          ? result.measured_calls / result.measured_seconds
                          : 0;
  std::cout << absl::StrFormat(
                   "{\"mode\":%s,\"concurrency\":%d,\"offered_rate\":%.0f,"
                   "\"calls\":%d,\"all_calls\":%d,\"seconds\":%.3f,"
                   "\"calls_per_second\":%.1f,\"p50_ms\":%.3f,"
                   "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
                   "\"late_starts\":%d,\"non_ok_total\":%d,\"non_ok\":%s}",
                   JsonString(options.mode == LoopMode::kOpen ? "open"
                                                              : "closed"),
                   options.mode == LoopMode::kOpen ? 0 : options.concurrency,
                   options.mode == LoopMode::kOpen ? options.rate : 0.0,
                   result.measured_calls, result.all_calls,
                   result.measured_seconds, rate,
                   ironorg::bench::QuantileMillis(result.latencies, 0.5),
                   ironorg::bench::QuantileMillis(result.latencies, 0.99),
                   ironorg::bench::QuantileMillis(result.latencies, 0.999),
                   ironorg::bench::QuantileMillis(result.latencies, 1.0),
                   result.late_starts, non_ok_total, non_ok)
            << std::endl;
}

// Makes one call and waits for it.
grpc::Status CallOnce(grpc::GenericStub& stub, const std::string& method,
                      const std::string& request,
                      const ironorg::bench::ContextSetup& setup,
                      absl::Duration timeout, std::string* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  setup(&context);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer,
                 &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    if (!response_buffer.Dump(&slices).ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "cannot read the response bytes");
    }
    response->clear();
    for (const grpc::Slice& part : slices) {
      response->append(reinterpret_cast<const char*>(part.begin()),
                       part.size());
    }
  }
  return status;
}

// Follows `pages` pages of a list method and prints the last
// next_page_token, so that a script can start a load at a middle page.
int WalkPages(grpc::GenericStub& stub, const std::string& path,
              const protobuf::MethodDescriptor* method,
              protobuf::Message& request,
              const ironorg::bench::ContextSetup& setup, int pages) {
  const protobuf::FieldDescriptor* page_token =
      method->input_type()->FindFieldByName("page_token");
  const protobuf::FieldDescriptor* next_page_token =
      method->output_type()->FindFieldByName("next_page_token");
  if (page_token == nullptr || next_page_token == nullptr) {
    Fail(absl::StrCat("--walk_pages needs a list method with page_token and "
                      "next_page_token; ",
                      path, " has neither"));
  }

  std::unique_ptr<protobuf::Message> response =
      NewMessage(method->output_type());
  std::string token;
  for (int page = 0; page < pages; ++page) {
    std::string bytes;
    const grpc::Status status =
        CallOnce(stub, path, request.SerializeAsString(), setup,
                 absl::GetFlag(FLAGS_call_timeout), &bytes);
    if (!status.ok()) {
      Fail(absl::StrCat("page ", page + 1, " of ", path, " failed with ",
                        ironorg::bench::StatusCodeName(status.error_code()),
                        ": ", status.error_message()));
    }
    if (!response->ParseFromString(bytes)) {
      Fail(absl::StrCat("page ", page + 1, " of ", path,
                        " is not a valid ", method->output_type()->full_name()));
    }
    token = response->GetReflection()->GetString(*response, next_page_token);
    if (token.empty()) {
      Fail(absl::StrCat(path, " has only ", page + 1,
                        " pages, fewer than --walk_pages=", pages));
    }
    request.GetReflection()->SetString(&request, page_token, token);
  }
  std::cout << token << std::endl;
  return 0;
}

// Makes one call and prints its response as protobuf JSON. Exits 1 if the
// call fails.
int PrintResponse(grpc::GenericStub& stub, const std::string& path,
                  const protobuf::MethodDescriptor* method,
                  const protobuf::Message& request,
                  const ironorg::bench::ContextSetup& setup) {
  std::string bytes;
  const grpc::Status status =
      CallOnce(stub, path, request.SerializeAsString(), setup,
               absl::GetFlag(FLAGS_call_timeout), &bytes);
  if (!status.ok()) {
    std::cerr << "ironorg-bench-load: " << path << " failed with "
              << ironorg::bench::StatusCodeName(status.error_code()) << ": "
              << status.error_message() << "\n";
    return 1;
  }
  std::unique_ptr<protobuf::Message> response =
      NewMessage(method->output_type());
  std::string json;
  if (!response->ParseFromString(bytes) ||
      !protobuf::util::MessageToJsonString(*response, &json).ok()) {
    Fail(absl::StrCat("the response of ", path, " is not a valid ",
                      method->output_type()->full_name()));
  }
  std::cout << json << std::endl;
  return 0;
}

// Polls the health service until it returns SERVING. Exits 1 if it does
// not within `limit`.
int WaitForServing(grpc::GenericStub& stub, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  const std::string request =
      grpc::health::v1::HealthCheckRequest().SerializeAsString();
  const ironorg::bench::ContextSetup no_setup = [](grpc::ClientContext*) {};
  while (absl::Now() < deadline) {
    std::string bytes;
    const grpc::Status status =
        CallOnce(stub, "/grpc.health.v1.Health/Check", request, no_setup,
                 absl::Seconds(1), &bytes);
    grpc::health::v1::HealthCheckResponse response;
    if (status.ok() && response.ParseFromString(bytes) &&
        response.status() ==
            grpc::health::v1::HealthCheckResponse::SERVING) {
      const int64_t since = absl::GetFlag(FLAGS_since_unix_nanos);
      const double millis =
          since > 0 ? static_cast<double>(absl::GetCurrentTimeNanos() - since) /
                          1e6
                    : 0;
      std::cout << absl::StrFormat("{\"serving_after_ms\":%.1f}", millis)
                << std::endl;
      return 0;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::cerr << "ironorg-bench-load: " << absl::GetFlag(FLAGS_target)
            << " did not report SERVING within " << absl::FormatDuration(limit)
            << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  LinkDescriptors();
  const std::vector<std::pair<std::string, std::string>> metadata =
      TakeMetadata(&argc, argv);
  ironorg::ParseFlags(
      argc, argv,
      "Sends unary gRPC calls to a loopback server and prints one JSON line "
      "with calls per second, non-OK statuses and latency quantiles. "
      "--metadata key:value may be repeated.");

  // The generator can send many calls with a caller's credentials, so it
  // only ever targets this machine.
  const std::string target = absl::GetFlag(FLAGS_target);
  if (!ironorg::IsLoopbackAddress(target)) {
    Fail(absl::StrCat("--target must be a loopback host:port, such as "
                      "127.0.0.1:50051, got \"",
                      target, "\""));
  }
  // A server that is still starting refuses the first connection. gRPC's
  // default reconnect backoff of 1 s would then count in the start-up time,
  // so this channel retries after 10 ms instead.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 10);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  grpc::GenericStub stub(grpc::CreateCustomChannel(
      target, grpc::InsecureChannelCredentials(), arguments));

  const absl::Duration serving_limit = absl::GetFlag(FLAGS_wait_for_serving);
  if (serving_limit > absl::ZeroDuration()) {
    return WaitForServing(stub, std::min(serving_limit, absl::Minutes(10)));
  }

  const std::string path = absl::GetFlag(FLAGS_method);
  const protobuf::MethodDescriptor* method = FindMethod(path);
  if (method->client_streaming() || method->server_streaming()) {
    Fail(absl::StrCat(path, " is a streaming method; only unary calls are "
                            "supported"));
  }
  std::unique_ptr<protobuf::Message> request = ParseRequest(method);

  const std::optional<ironorg::InternalCredential> credential =
      LoadCredential();
  const ironorg::identity::v1::Principal principal = ParsePrincipal();
  // The signature expires 60 s after signing, so every call is signed
  // afresh; an HMAC costs far less than the call.
  const ironorg::bench::ContextSetup setup =
      [&metadata, &credential, &principal, &path](grpc::ClientContext* context) {
        for (const auto& [key, value] : metadata) {
          context->AddMetadata(key, value);
        }
        if (credential.has_value()) {
          credential->Sign(path, principal, context);
        }
      };

  const int pages = absl::GetFlag(FLAGS_walk_pages);
  if (pages < 0 || pages > 100000) {
    Fail(absl::StrCat("--walk_pages must be between 0 and 100000, got ",
                      pages));
  }
  if (pages > 0) {
    return WalkPages(stub, path, method, *request, setup, pages);
  }
  if (absl::GetFlag(FLAGS_print_response)) {
    return PrintResponse(stub, path, method, *request, setup);
  }

  const LoadOptions options = ReadLoadOptions();
  LoadGenerator generator(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), path,
      request->SerializeAsString(), setup);
  const LoadResult result = generator.Run(options);
  PrintResult(options, result);
  return 0;
}
