#include "services/gateway/gateway.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_service_method.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "ironorg/billing/v1/billing_account.pb.h"
#include "ironorg/billing/v1/plan.pb.h"
#include "ironorg/billing/v1/subscription.pb.h"
#include "ironorg/clusters/v1/cluster.pb.h"
#include "ironorg/clusters/v1/cluster_access.pb.h"
#include "ironorg/clusters/v1/runner.pb.h"
#include "ironorg/gateway/v1/access.grpc.pb.h"
#include "ironorg/identity/v1/auth.pb.h"
#include "ironorg/identity/v1/organization.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "ironorg/projects/v1/project.pb.h"
#include "ironorg/projects/v1/project_access.pb.h"
#include "services/gateway/cache_invalidation.h"
#include "services/gateway/explain_access.h"

namespace ironorg::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::ServiceDescriptor;

// Finds a service in the file that defines `message`. Naming a message of
// each file also keeps the linker from dropping that file's descriptors,
// which reflection reads from the generated pool.
const ServiceDescriptor* ServiceOf(const Descriptor* message,
                                   const char* service) {
  return message->file()->FindServiceByName(service);
}

MethodInfo NewMethodInfo(const google::protobuf::MethodDescriptor& method,
                         Backend backend) {
  MethodInfo info;
  info.full_name =
      absl::StrCat(method.service()->full_name(), "/", method.name());
  info.path = MethodPath(method.service()->full_name(), method.name());
  info.input_type = method.input_type();
  info.backend = backend;
  info.rule = FindRule(info.full_name);
  return info;
}

// A public service built at run time from its descriptor, whose methods
// take and return raw bytes, so requests and responses are forwarded
// without being serialized again.
class ForwardingService final : public grpc::Service {
 public:
  ForwardingService(const PublicService& service,
                    const CallEnvironment& environment) {
    for (int i = 0; i < service.descriptor->method_count(); ++i) {
      // gRPC keeps a pointer to the path, so MethodInfo must stay put.
      methods_.push_back(std::make_unique<MethodInfo>(
          NewMethodInfo(*service.descriptor->method(i), service.backend)));
      const MethodInfo* method = methods_.back().get();

      AddMethod(new grpc::internal::RpcServiceMethod(
          method->path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
          nullptr));
      MarkMethodRawCallback(
          i, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                      grpc::ByteBuffer>(
                 [&environment, method](grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) {
                   return StartForwardedCall(environment, *method, context,
                                             request, response);
                 }));
    }
  }

 private:
  std::vector<std::unique_ptr<MethodInfo>> methods_;
};

// ironorg.gateway.v1.AccessService. Calls pass the same authentication
// and permission check as forwarded ones.
class AccessServiceImpl final
    : public ironorg::gateway::v1::AccessService::CallbackService {
 public:
  explicit AccessServiceImpl(const CallEnvironment& environment)
      : environment_(environment),
        explain_access_(NewMethodInfo(*v1::ExplainAccessRequest::descriptor()
                                           ->file()
                                           ->FindServiceByName("AccessService")
                                           ->FindMethodByName("ExplainAccess"),
                                      Backend::kIdentity)) {}

  grpc::ServerUnaryReactor* ExplainAccess(
      grpc::CallbackServerContext* context,
      const v1::ExplainAccessRequest* request,
      v1::ExplainAccessResponse* response) override {
    return StartLocalCall(
        environment_, explain_access_, context, request,
        [request, response](const identity::v1::Principal& /*caller*/,
                            LocalCallTools& tools,
                            std::function<void(grpc::Status)> done) {
          gateway::ExplainAccess(
              *request, tools,
              [response, done = std::move(done)](
                  absl::StatusOr<v1::ExplainAccessResponse> explained) {
                if (!explained.ok()) {
                  done(ToGrpcStatus(explained.status()));
                  return;
                }
                *response = *std::move(explained);
                done(grpc::Status::OK);
              });
        });
  }

 private:
  const CallEnvironment& environment_;
  const MethodInfo explain_access_;
};

}  // namespace

const std::vector<PublicService>& PublicServices() {
  static const std::vector<PublicService>* const services =
      new std::vector<PublicService>{
          {ServiceOf(identity::v1::Organization::descriptor(),
                     "OrganizationService"),
           Backend::kIdentity},
          {ServiceOf(identity::v1::User::descriptor(), "UserService"),
           Backend::kIdentity},
          {ServiceOf(identity::v1::ApiToken::descriptor(), "AuthService"),
           Backend::kIdentity},
          {ServiceOf(projects::v1::Project::descriptor(), "ProjectService"),
           Backend::kProjects},
          {ServiceOf(projects::v1::GrantProjectAccessRequest::descriptor(),
                     "ProjectAccessService"),
           Backend::kProjects},
          {ServiceOf(clusters::v1::Cluster::descriptor(), "ClusterService"),
           Backend::kClusters},
          {ServiceOf(clusters::v1::GrantClusterAccessRequest::descriptor(),
                     "ClusterAccessService"),
           Backend::kClusters},
          {ServiceOf(clusters::v1::Runner::descriptor(), "RunnerService"),
           Backend::kClusters},
          {ServiceOf(billing::v1::Plan::descriptor(), "PlanService"),
           Backend::kBilling},
          {ServiceOf(billing::v1::Subscription::descriptor(),
                     "SubscriptionService"),
           Backend::kBilling},
          {ServiceOf(billing::v1::BillingAccount::descriptor(),
                     "BillingAccountService"),
           Backend::kBilling},
      };
  return *services;
}

Gateway::Gateway(GatewayOptions options, InternalCredential credential)
    : backends_(std::make_unique<Backends>(
          options.addresses, credential, options.max_message_bytes)),
      cache_(std::make_unique<AccessCache>(options.cache)) {
  environment_.backends = backends_.get();
  environment_.operator_token = std::move(options.operator_token);
  environment_.max_call_timeout = options.max_call_timeout;
  environment_.cache = cache_.get();

  if (cache_->enabled()) {
    // A healthy follower reports itself current after each long-poll, so
    // its last report is at most two waits plus a round trip old. A wait
    // of a quarter of the bound leaves room for that.
    const absl::Duration max_wait =
        std::max(cache_->options().staleness_bound / 4, absl::Milliseconds(1));
    FollowFeed("identity", options.addresses.identity, max_wait, credential);
    FollowFeed("projects", options.addresses.projects, max_wait, credential);
    FollowFeed("clusters", options.addresses.clusters, max_wait, credential);
    IRONORG_LOG(INFO) << "gateway cache enabled: max_entries="
                      << cache_->options().max_entries << " ttl="
                      << absl::FormatDuration(cache_->options().ttl)
                      << " staleness_bound="
                      << absl::FormatDuration(
                             cache_->options().staleness_bound);
  } else {
    IRONORG_LOG(INFO) << "gateway cache disabled; every call is checked with "
                         "the services";
  }

  for (const PublicService& service : PublicServices()) {
    services_.push_back(
        std::make_unique<ForwardingService>(service, environment_));
  }
  services_.push_back(std::make_unique<AccessServiceImpl>(environment_));
}

Gateway::~Gateway() {
  for (const auto& follower : followers_) {
    follower->Stop();
  }
}

void Gateway::FollowFeed(const std::string& feed, const std::string& address,
                         absl::Duration max_wait,
                         const InternalCredential& credential) {
  AccessCache* cache = cache_.get();
  const int index = cache->AddFeed(feed);

  FollowerOptions options;
  options.feed = feed;
  options.address = address;
  options.max_wait = max_wait;
  FollowerCallbacks callbacks;
  callbacks.apply = [cache](const changes::v1::Change& change) {
    ApplyDrops(DropsOfChange(change), *cache);
  };
  callbacks.current = [cache, index](absl::Time as_of) {
    cache->MarkFeedCurrent(index, as_of);
  };
  callbacks.reset = [cache] { cache->Clear(); };

  followers_.push_back(std::make_unique<ChangeFeedFollower>(
      std::move(options), credential, std::move(callbacks)));
  followers_.back()->Start();
}

std::vector<grpc::Service*> Gateway::services() const {
  std::vector<grpc::Service*> services;
  for (const auto& service : services_) {
    services.push_back(service.get());
  }
  return services;
}

}  // namespace ironorg::gateway
