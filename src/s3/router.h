// Routing: what an S3 request asks for, decided from its method, path and
// query alone, before anything else looks at it. Each route names the IAM
// action it performs (what authorization checks, s3/access.h) and the
// operation that serves it. A request no route serves still gets one, whose
// operation answers the error (MethodNotAllowed, NotImplemented), so that it
// is authenticated before it is refused, as AWS does.
#pragma once

#include <string>
#include <string_view>

#include "s3/context.h"
#include "s3/ops.h"

namespace silo::s3 {

enum class Level { kService, kBucket, kObject };

struct Route {
  std::string_view action;  // "s3:GetObject"; empty for a refused request
  Level level = Level::kService;
  ops::Op (*serve)(Context&) = nullptr;
  // The action is authorized key by key in the operation (DeleteObjects),
  // not once for the bucket.
  bool per_key = false;
  // Served to anyone without authorization here (a CORS preflight, which
  // browsers send without credentials, answered from the bucket's rules;
  // a browser POST upload, authenticated by its form's signed policy and
  // authorized by its operation once the form is read).
  bool open = false;
};

// The route of `ctx`'s request. Sets ctx.subresource for bucket
// configuration routes.
Route route_request(Context& ctx);

// The resource a route acts on: "arn:aws:s3:::bucket" for the bucket,
// "arn:aws:s3:::bucket/key" for an object, "*" for the service.
std::string route_resource(const Context& ctx, const Route& route);

}  // namespace silo::s3
