#include "services/gateway/gateway_call.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "common/names.h"
#include "common/time_util.h"
#include "google/protobuf/message.h"
#include "services/gateway/authentication.h"
#include "services/gateway/cache_invalidation.h"
#include "services/gateway/invalid_utf8.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::identity::v1::Principal;

constexpr char kIntrospectTokenPath[] =
    "/ironorg.identity.v1.InternalAuthService/IntrospectToken";
constexpr char kIntrospectClusterTokenPath[] =
    "/ironorg.clusters.v1.InternalClusterAuthService/IntrospectClusterToken";
constexpr char kCheckProjectAccessPath[] =
    "/ironorg.projects.v1.InternalProjectAccessService/CheckProjectAccess";
constexpr char kLookupUserPath[] =
    "/ironorg.identity.v1.InternalUserService/LookupUser";
constexpr char kCheckClusterAccessPath[] =
    "/ironorg.clusters.v1.InternalClusterAccessService/CheckClusterAccess";

Principal ServicePrincipal() {
  Principal principal;
  principal.set_kind(Principal::KIND_SERVICE);
  return principal;
}

// Converts the failure of an internal lookup into the status returned to
// the caller. Only token lookups pass UNAUTHENTICATED on, because there it
// means the token is bad. Elsewhere it means the service rejected the
// gateway's own signature, which is a configuration error.
grpc::Status LookupFailure(const grpc::Status& status,
                           absl::string_view service,
                           bool unauthenticated_means_bad_token) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      if (unauthenticated_means_bad_token) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "the token is invalid, expired or revoked; log "
                            "in again or send another token");
      }
      break;
    case grpc::StatusCode::UNAVAILABLE:
      return grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("the ", service,
                       " service is unavailable; retry the call later"));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return grpc::Status(
          grpc::StatusCode::DEADLINE_EXCEEDED,
          absl::StrCat("the ", service,
                       " service did not answer before the deadline"));
    case grpc::StatusCode::CANCELLED:
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the call was cancelled");
    default:
      break;
  }
  IRONORG_LOG(ERROR) << "internal call to the " << service
                     << " service failed: "
                     << absl::StatusCodeToString(
                            static_cast<absl::StatusCode>(status.error_code()))
                     << ": " << status.error_message();
  return ToGrpcStatus(errors::Internal());
}

bool ParseRequest(grpc::ByteBuffer* bytes, google::protobuf::Message* message) {
  grpc::ProtoBufferReader reader(bytes);
  return message->ParseFromZeroCopyStream(&reader);
}

class GatewayCall final : public grpc::ServerUnaryReactor,
                          private GrantChecker,
                          private LocalCallTools {
 public:
  GatewayCall(const CallEnvironment& environment, const MethodInfo& method,
              grpc::CallbackServerContext* context)
      : environment_(environment),
        method_(method),
        context_(context),
        start_(absl::Now()) {
    // The caller's deadline, capped, bounds every step of the call.
    const auto cap = std::chrono::system_clock::now() +
                     absl::ToChronoMilliseconds(environment_.max_call_timeout);
    deadline_ = std::min(context_->deadline(), cap);
  }

  void StartForwarded(const grpc::ByteBuffer* request,
                      grpc::ByteBuffer* response) {
    raw_request_ = request;
    raw_response_ = response;
    Authenticate();
  }

  void StartLocal(const google::protobuf::Message* request,
                  LocalHandler handler) {
    local_request_ = request;
    handler_ = std::move(handler);
    Authenticate();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    for (const auto& client_context : client_contexts_) {
      client_context->TryCancel();
    }
  }

  void OnDone() override { delete this; }

 private:
  void Authenticate() {
    if (method_.rule == nullptr) {
      Complete(ToGrpcStatus(errors::PermissionDenied(absl::StrCat(
          method_.full_name, " is not in the gateway's permission table"))));
      return;
    }
    // Login admits anyone, and a token sent with it is ignored.
    if ((method_.rule->callers & kAnonymous) != 0) {
      Authorize();
      return;
    }

    const auto& metadata = context_->client_metadata();
    const auto header = metadata.find(kAuthorizationMetadataKey);
    if (header == metadata.end()) {
      Complete(ToGrpcStatus(errors::Unauthenticated(
          "missing authorization metadata; send authorization: Bearer "
          "<token>")));
      return;
    }
    token_presented_ = true;
    absl::StatusOr<std::string> token = ParseAuthorization(
        absl::string_view(header->second.data(), header->second.size()));
    if (!token.ok()) {
      Complete(ToGrpcStatus(token.status()));
      return;
    }

    switch (ClassifyToken(*token, environment_.operator_token)) {
      case TokenIssuer::kOperator:
        principal_.set_kind(Principal::KIND_OPERATOR);
        Authorize();
        return;
      case TokenIssuer::kClusters:
        IntrospectClusterToken(std::move(*token));
        return;
      case TokenIssuer::kIdentity:
        IntrospectUserToken(std::move(*token));
        return;
    }
  }

  void IntrospectUserToken(std::string token) {
    if (ServeTokenFromCache(token)) {
      return;
    }
    user_token_request_.set_token(std::move(token));
    grpc::ClientContext* client_context =
        NewClientContext(kIntrospectTokenPath, ServicePrincipal());
    environment_.backends->identity_auth().async()->IntrospectToken(
        client_context, &user_token_request_, &user_token_response_,
        [this](grpc::Status status) {
          if (!status.ok()) {
            IRONORG_LOG(WARNING)
                << "token introspection for " << method_.full_name
                << " failed: " << status.error_message();
            Complete(LookupFailure(status, "identity", true));
            return;
          }
          const Principal& principal = user_token_response_.principal();
          if (principal.kind() != Principal::KIND_USER_ACCESS_TOKEN &&
              principal.kind() != Principal::KIND_USER_API_TOKEN) {
            IRONORG_LOG(ERROR) << "identity resolved a token to principal "
                                  "kind "
                               << Principal::Kind_Name(principal.kind())
                               << "; only user kinds are accepted";
            Complete(ToGrpcStatus(errors::Internal()));
            return;
          }
          principal_ = principal;
          if (environment_.cache != nullptr) {
            const absl::Time expire_time =
                user_token_response_.has_expire_time()
                    ? absl::FromUnixMicros(
                          FromTimestamp(user_token_response_.expire_time()))
                    : absl::InfiniteFuture();
            environment_.cache->InsertToken(user_token_request_.token(),
                                            principal_, expire_time,
                                            cache_generation_);
          }
          Authorize();
        });
  }

  // Authorizes with the cached principal of `token` and returns true, or
  // returns false on a miss. Either way, records the cache generation for
  // the insert that follows a live check.
  bool ServeTokenFromCache(absl::string_view token) {
    AccessCache* cache = environment_.cache;
    if (cache == nullptr) {
      return false;
    }
    cache_generation_ = cache->generation();
    std::optional<Principal> cached = cache->LookupToken(token);
    if (!cached.has_value()) {
      return false;
    }
    principal_ = *std::move(cached);
    Authorize();
    return true;
  }

  void IntrospectClusterToken(std::string token) {
    if (ServeTokenFromCache(token)) {
      return;
    }
    cluster_token_request_.set_token(std::move(token));
    grpc::ClientContext* client_context =
        NewClientContext(kIntrospectClusterTokenPath, ServicePrincipal());
    environment_.backends->cluster_auth().async()->IntrospectClusterToken(
        client_context, &cluster_token_request_, &cluster_token_response_,
        [this](grpc::Status status) {
          if (!status.ok()) {
            IRONORG_LOG(WARNING)
                << "cluster token introspection for " << method_.full_name
                << " failed: " << status.error_message();
            Complete(LookupFailure(status, "clusters", true));
            return;
          }
          const std::string& cluster = cluster_token_response_.cluster();
          const std::string organization = names::OrganizationOf(cluster);
          if (organization.empty()) {
            IRONORG_LOG(ERROR) << "clusters resolved a token to the malformed "
                                  "cluster name \""
                               << cluster << "\"";
            Complete(ToGrpcStatus(errors::Internal()));
            return;
          }
          principal_.set_kind(Principal::KIND_CLUSTER_TOKEN);
          principal_.set_cluster(cluster);
          principal_.set_organization(organization);
          if (environment_.cache != nullptr) {
            // Cluster tokens do not expire; rotation or deletion drops them.
            environment_.cache->InsertToken(cluster_token_request_.token(),
                                            principal_, absl::InfiniteFuture(),
                                            cache_generation_);
          }
          Authorize();
        });
  }

  void Authorize() {
    const google::protobuf::Message* request = local_request_;
    if (request == nullptr) {
      parsed_request_.reset(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(method_.input_type)
              ->New());
      // The copy shares the request's slices; reading it consumes nothing
      // of the bytes that are forwarded. An empty request may arrive
      // without a buffer, and then every field keeps its default.
      grpc::ByteBuffer copy(*raw_request_);
      if (copy.Valid() && !ParseRequest(&copy, parsed_request_.get())) {
        Complete(ToGrpcStatus(UnparsableRequest()));
        return;
      }
      request = parsed_request_.get();
    }

    gateway::Authorize(*method_.rule, principal_, *request, *this,
                       [this](absl::Status status) {
                         if (!status.ok()) {
                           Complete(ToGrpcStatus(status));
                           return;
                         }
                         Serve();
                       });
  }

  // Explains why the request bytes do not parse: a string field that is
  // not valid UTF-8 is named; anything else is reported as malformed.
  absl::Status UnparsableRequest() const {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (grpc::ByteBuffer(*raw_request_).Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()),
                     slice.size());
      }
    }
    const std::string field =
        FindInvalidUtf8Field(bytes, method_.input_type);
    if (!field.empty()) {
      return errors::InvalidArgument(
          field, absl::StrCat(field, " must be valid UTF-8"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("the request is not a valid ",
                     method_.input_type->full_name(),
                     " message; check that the client uses the current protos"));
  }

  void CheckGrant(GrantKind kind, const std::string& user,
                  const std::string& resource,
                  std::function<void(absl::StatusOr<bool>)> done) override {
    AccessCache* cache = environment_.cache;
    if (cache != nullptr) {
      cache_generation_ = cache->generation();
      const std::optional<bool> cached =
          cache->LookupGrant(kind, user, resource);
      if (cached.has_value()) {
        done(*cached);
        return;
      }
    }

    grant_done_ = std::move(done);
    auto on_complete = [this, cache, kind, user, resource](
                           absl::string_view service, grpc::Status status,
                           bool granted) {
      if (!status.ok()) {
        IRONORG_LOG(WARNING) << "grant lookup for " << method_.full_name
                             << " failed: " << status.error_message();
        grant_done_(FromGrpcStatus(LookupFailure(status, service, false)));
        return;
      }
      if (cache != nullptr) {
        cache->InsertGrant(kind, user, resource, granted, cache_generation_);
      }
      grant_done_(granted);
    };

    if (kind == GrantKind::kProject) {
      project_grant_request_.set_user(user);
      project_grant_request_.set_project(resource);
      grpc::ClientContext* client_context =
          NewClientContext(kCheckProjectAccessPath, ServicePrincipal());
      environment_.backends->project_access().async()->CheckProjectAccess(
          client_context, &project_grant_request_, &project_grant_response_,
          [this, on_complete](grpc::Status status) {
            on_complete("projects", std::move(status),
                        project_grant_response_.granted());
          });
      return;
    }
    cluster_grant_request_.set_user(user);
    cluster_grant_request_.set_cluster(resource);
    grpc::ClientContext* client_context =
        NewClientContext(kCheckClusterAccessPath, ServicePrincipal());
    environment_.backends->cluster_access().async()->CheckClusterAccess(
        client_context, &cluster_grant_request_, &cluster_grant_response_,
        [this, on_complete](grpc::Status status) {
          on_complete("clusters", std::move(status),
                      cluster_grant_response_.granted());
        });
  }

  void LookupUser(
      const std::string& name,
      std::function<void(absl::StatusOr<identity::v1::User>)> done) override {
    user_lookup_done_ = std::move(done);
    user_lookup_request_.set_name(name);
    grpc::ClientContext* client_context =
        NewClientContext(kLookupUserPath, ServicePrincipal());
    environment_.backends->identity_users().async()->LookupUser(
        client_context, &user_lookup_request_, &user_lookup_response_,
        [this](grpc::Status status) {
          if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
            user_lookup_done_(FromGrpcStatus(status));
            return;
          }
          if (!status.ok()) {
            IRONORG_LOG(WARNING) << "user lookup for " << method_.full_name
                                 << " failed: " << status.error_message();
            user_lookup_done_(
                FromGrpcStatus(LookupFailure(status, "identity", false)));
            return;
          }
          user_lookup_done_(user_lookup_response_);
        });
  }

  GrantChecker& grants() override { return *this; }

  void Serve() {
    if (handler_) {
      handler_(principal_, *this,
               [this](grpc::Status status) { Complete(status); });
      return;
    }
    grpc::ClientContext* client_context =
        NewClientContext(method_.path, principal_);
    environment_.backends->generic(method_.backend)
        .UnaryCall(client_context, method_.path, grpc::StubOptions(),
                   raw_request_, raw_response_, [this](grpc::Status status) {
                     // A failed call may still have committed its change,
                     // so entries are dropped whatever the status.
                     DropChangedEntries();
                     // The owning service's status, message and details go
                     // back unchanged.
                     // NOTE: when the service is down, this is gRPC's own
                     // UNAVAILABLE, whose message names the service's
                     // internal address.
                     Complete(status);
                   });
  }

  // Drops the cache entries that the forwarded request may have made
  // stale, before the caller sees the response.
  void DropChangedEntries() {
    if (environment_.cache == nullptr || parsed_request_ == nullptr) {
      return;
    }
    ApplyDrops(DropsOfCall(method_.full_name, principal_, *parsed_request_),
               *environment_.cache);
  }

  // Returns a context for one outgoing call, signed for `path` with
  // `principal` and bounded by the call's deadline. The context lives as
  // long as this call, so that OnCancel can cancel it at any time.
  grpc::ClientContext* NewClientContext(absl::string_view path,
                                        const Principal& principal) {
    auto client_context = std::make_unique<grpc::ClientContext>();
    client_context->set_deadline(deadline_);
    environment_.backends->credential().Sign(path, principal,
                                             client_context.get());
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) {
      client_context->TryCancel();
    }
    client_contexts_.push_back(std::move(client_context));
    return client_contexts_.back().get();
  }

  void Complete(const grpc::Status& status) {
    const int64_t latency_ms = absl::ToInt64Milliseconds(absl::Now() - start_);
    const std::string organization = principal_.organization().empty()
                                         ? std::string("-")
                                         : principal_.organization();
    // A caller whose token was rejected is not anonymous.
    const std::string caller =
        token_presented_ && principal_.kind() == Principal::KIND_UNSPECIFIED
            ? std::string("unauthenticated")
            : DescribePrincipal(principal_);
    IRONORG_LOG(INFO) << "access method=" << method_.full_name
                      << " caller=" << caller
                      << " organization=" << organization << " status="
                      << absl::StatusCodeToString(
                             static_cast<absl::StatusCode>(status.error_code()))
                      << " latency_ms=" << latency_ms;
    Finish(status);
  }

  const CallEnvironment& environment_;
  const MethodInfo& method_;
  grpc::CallbackServerContext* const context_;
  const absl::Time start_;
  std::chrono::system_clock::time_point deadline_;

  // A forwarded call's bytes, owned by gRPC.
  const grpc::ByteBuffer* raw_request_ = nullptr;
  grpc::ByteBuffer* raw_response_ = nullptr;
  std::unique_ptr<google::protobuf::Message> parsed_request_;

  // A local call's request, owned by gRPC, and its handler.
  const google::protobuf::Message* local_request_ = nullptr;
  LocalHandler handler_;

  Principal principal_;
  bool token_presented_ = false;

  // The cache generation read before the current live lookup, so that a
  // result that raced with a drop is not stored.
  uint64_t cache_generation_ = 0;

  // The messages of the internal calls; each step uses its own pair, and
  // they must outlive the call that fills them.
  identity::v1::IntrospectTokenRequest user_token_request_;
  identity::v1::IntrospectTokenResponse user_token_response_;
  clusters::v1::IntrospectClusterTokenRequest cluster_token_request_;
  clusters::v1::IntrospectClusterTokenResponse cluster_token_response_;
  projects::v1::CheckProjectAccessRequest project_grant_request_;
  projects::v1::CheckProjectAccessResponse project_grant_response_;
  clusters::v1::CheckClusterAccessRequest cluster_grant_request_;
  clusters::v1::CheckClusterAccessResponse cluster_grant_response_;
  std::function<void(absl::StatusOr<bool>)> grant_done_;
  identity::v1::LookupUserRequest user_lookup_request_;
  identity::v1::User user_lookup_response_;
  std::function<void(absl::StatusOr<identity::v1::User>)> user_lookup_done_;

  std::mutex mutex_;
  bool cancelled_ = false;  // guarded by mutex_
  std::vector<std::unique_ptr<grpc::ClientContext>>
      client_contexts_;  // guarded by mutex_
};

}  // namespace

grpc::ServerUnaryReactor* StartForwardedCall(
    const CallEnvironment& environment, const MethodInfo& method,
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto* call = new GatewayCall(environment, method, context);
  call->StartForwarded(request, response);
  return call;
}

grpc::ServerUnaryReactor* StartLocalCall(
    const CallEnvironment& environment, const MethodInfo& method,
    grpc::CallbackServerContext* context,
    const google::protobuf::Message* request, LocalHandler handler) {
  auto* call = new GatewayCall(environment, method, context);
  call->StartLocal(request, std::move(handler));
  return call;
}

}  // namespace ironorg::gateway
