// Finds the field that made a request unparsable because of invalid
// UTF-8, so the gateway's error can name it.
//
// Protobuf rejects a proto3 string field holding invalid UTF-8 while
// parsing, before any handler runs, and its parse error names no field.
#ifndef IRONORG_SERVICES_GATEWAY_INVALID_UTF8_H_
#define IRONORG_SERVICES_GATEWAY_INVALID_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace ironorg::gateway {

// Returns the path of the first string field of `bytes`, a serialized
// message of `type`, that is not valid UTF-8, such as "user.display_name",
// or an empty string when every string field is valid.
std::string FindInvalidUtf8Field(absl::string_view bytes,
                                 const google::protobuf::Descriptor* type);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_INVALID_UTF8_H_
