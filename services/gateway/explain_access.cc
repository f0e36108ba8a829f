#include "services/gateway/explain_access.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/names.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "ironorg/identity/v1/user.pb.h"

namespace ironorg::gateway {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::ironorg::gateway::v1::ExplainAccessResponse;
using ::ironorg::identity::v1::Principal;

using ExplainDone = std::function<void(absl::StatusOr<ExplainAccessResponse>)>;

const Descriptor* InputTypeOf(const MethodRule& rule) {
  const google::protobuf::MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrReplaceAll(rule.method, {{"/", "."}}));
  return method == nullptr ? nullptr : method->input_type();
}

// Sets the string field at `path` ("name" or "user.name") of `message`.
bool SetStringPath(Message& message, absl::string_view path,
                   absl::string_view value) {
  Message* current = &message;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr || field->is_repeated()) {
      return false;
    }
    if (i + 1 == parts.size()) {
      if (field->type() != FieldDescriptor::TYPE_STRING) {
        return false;
      }
      current->GetReflection()->SetString(current, field, std::string(value));
      return true;
    }
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) {
      return false;
    }
    current = current->GetReflection()->MutableMessage(current, field);
  }
  return false;
}

ExplainAccessResponse Answer(bool allowed, std::string rule) {
  ExplainAccessResponse response;
  response.set_allowed(allowed);
  response.set_rule(std::move(rule));
  return response;
}

// The decision for a user caller, before any grant lookup.
void Explain(const MethodRule& rule, const Message& request,
             const identity::v1::User& user, LocalCallTools& tools,
             ExplainDone done) {
  Principal caller;
  caller.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  caller.set_organization(names::OrganizationOf(user.name()));
  caller.set_user(user.name());
  caller.set_role(user.role());

  const std::string who =
      absl::StrCat(user.name(), " has ", identity::v1::Role_Name(user.role()));
  const std::string allows =
      absl::StrCat(rule.method, " allows ", DescribeCallers(rule));
  Decision decision = Decide(rule, caller, request);
  if (decision.status.code() == absl::StatusCode::kInvalidArgument) {
    done(errors::InvalidArgument(
        "resource", absl::StrCat("resource is not valid for ", rule.method,
                                 ": ", decision.status.message())));
    return;
  }
  if (!decision.status.ok()) {
    done(Answer(false, absl::StrCat(allows, "; ", who, ", so the gateway "
                                                       "denies the call: ",
                                    decision.status.message())));
    return;
  }
  if (decision.required_grant == GrantKind::kNone) {
    done(Answer(true, absl::StrCat(allows, "; ", who)));
    return;
  }

  const std::string resource = decision.resource;
  tools.grants().CheckGrant(
      decision.required_grant, user.name(), resource,
      [done = std::move(done), allows, who,
       resource](absl::StatusOr<bool> granted) {
        if (!granted.ok()) {
          done(granted.status());
          return;
        }
        if (*granted) {
          done(Answer(true, absl::StrCat(allows, "; ", who,
                                         " and a grant on ", resource)));
          return;
        }
        done(Answer(false, absl::StrCat(allows, "; ", who, " and no grant on ",
                                        resource)));
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Message>> NewRequestNaming(
    const MethodRule& rule, absl::string_view resource) {
  const Descriptor* input_type = InputTypeOf(rule);
  if (input_type == nullptr) {
    return errors::Internal();
  }
  std::unique_ptr<Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(input_type)
          ->New());

  if (rule.target_field.empty()) {
    if (!resource.empty()) {
      return errors::InvalidArgument(
          "resource", absl::StrCat(rule.method,
                                   " names no resource; leave resource empty"));
    }
  } else if (!SetStringPath(*request, rule.target_field, resource)) {
    return errors::Internal();
  }

  if (!rule.self_update_mask_only.empty()) {
    const FieldDescriptor* mask_field =
        input_type->FindFieldByName("update_mask");
    if (mask_field != nullptr &&
        mask_field->message_type() ==
            google::protobuf::FieldMask::descriptor()) {
      auto* mask = static_cast<google::protobuf::FieldMask*>(
          request->GetReflection()->MutableMessage(request.get(), mask_field));
      mask->add_paths(rule.self_update_mask_only);
    }
  }
  return request;
}

void ExplainAccess(const ironorg::gateway::v1::ExplainAccessRequest& request,
                   LocalCallTools& tools, ExplainDone done) {
  if (request.user().empty()) {
    done(errors::MissingField("user"));
    return;
  }
  if (request.method().empty()) {
    done(errors::InvalidArgument(
        "method", "method is required, such as "
                  "ironorg.projects.v1.ProjectService/GetProject"));
    return;
  }

  const std::string method(absl::StripPrefix(request.method(), "/"));
  const MethodRule* rule = FindRule(method);
  if (rule == nullptr) {
    done(Answer(false, absl::StrCat(method,
                                    " is not a public method of ironorg, so "
                                    "the gateway denies every call to it")));
    return;
  }
  if (!rule->target_field.empty()) {
    absl::StatusOr<std::vector<std::string>> ids =
        names::Parse(request.resource(), rule->target_pattern, "resource");
    if (!ids.ok()) {
      done(ids.status());
      return;
    }
  }
  absl::StatusOr<std::unique_ptr<Message>> probe =
      NewRequestNaming(*rule, request.resource());
  if (!probe.ok()) {
    done(probe.status());
    return;
  }

  // The probe request must outlive the asynchronous steps below.
  std::shared_ptr<Message> probe_request(std::move(*probe));
  tools.LookupUser(
      request.user(),
      [rule, probe_request, &tools,
       done = std::move(done)](absl::StatusOr<identity::v1::User> user) {
        if (!user.ok()) {
          done(user.status());
          return;
        }
        Explain(*rule, *probe_request, *user, tools, std::move(done));
      });
}

}  // namespace ironorg::gateway
