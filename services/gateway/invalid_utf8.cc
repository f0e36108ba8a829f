#include "services/gateway/invalid_utf8.h"

#include "absl/strings/str_cat.h"
#include "common/validation.h"
#include "google/protobuf/unknown_field_set.h"

namespace ironorg::gateway {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::UnknownField;
using ::google::protobuf::UnknownFieldSet;

// Requests are small, so nesting deeper than this is not worth following.
constexpr int kMaxDepth = 16;

std::string Find(absl::string_view bytes,
                 const google::protobuf::Descriptor* type, int depth) {
  // An UnknownFieldSet keeps string fields as raw bytes, unchecked.
  UnknownFieldSet fields;
  if (depth > kMaxDepth ||
      !fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::string();
  }

  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    const FieldDescriptor* descriptor = type->FindFieldByNumber(field.number());
    if (descriptor == nullptr ||
        field.type() != UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    if (descriptor->type() == FieldDescriptor::TYPE_STRING &&
        !validation::IsValidUtf8(field.length_delimited())) {
      return descriptor->name();
    }
    if (descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      const std::string nested = Find(field.length_delimited(),
                                      descriptor->message_type(), depth + 1);
      if (!nested.empty()) {
        return absl::StrCat(descriptor->name(), ".", nested);
      }
    }
  }
  return std::string();
}

}  // namespace

std::string FindInvalidUtf8Field(absl::string_view bytes,
                                 const google::protobuf::Descriptor* type) {
  return Find(bytes, type, 0);
}

}  // namespace ironorg::gateway
