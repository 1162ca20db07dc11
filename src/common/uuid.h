// Random identifiers: data directories, upload ids and request ids.
#pragma once

#include <string>

namespace silo {

// A random RFC 4122 version 4 UUID in its 36-character text form.
std::string new_uuid();
// A 16-character upper-case hex request id, as x-amz-request-id carries.
std::string new_request_id();

}  // namespace silo
