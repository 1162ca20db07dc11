#include "cluster/drive_service.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "cluster/internode_http.h"
#include "cluster/wire.h"
#include "common/strings.h"
#include "http/blocking.h"
#include "storage/format.h"

namespace silo::cluster {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

struct DriveService::Call {
  std::string name;  // after kDrivePrefix
  std::string root;
  storage::Drive* drive = nullptr;
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;
  Deadline deadline = Deadline::never();

  std::string_view arg(std::string_view n) const {
    for (const auto& [k, v] : query) {
      if (k == n) return v;
    }
    return {};
  }
  bool flag(std::string_view n) const { return arg(n) == "1"; }
  uint64_t num(std::string_view n) const { return parse_u64(arg(n)).value_or(0); }
};

namespace {

std::string one_u64(uint64_t v) {
  WireWriter w;
  w.u64(v);
  return w.take();
}

Result<std::string> done(const Status& s) {
  if (!s) return std::unexpected(s.error());
  return std::string();
}

template <typename T>
Result<std::string> encoded(const Result<T>& r) {
  if (!r) return std::unexpected(r.error());
  return storage::encode(*r);
}

template <typename T>
Result<std::string> encoded_list(const Result<std::vector<T>>& r) {
  if (!r) return std::unexpected(r.error());
  WireWriter w;
  w.u64(r->size());
  for (const auto& item : *r) w.bytes(storage::encode(item));
  return w.take();
}

storage::Replaced replaced_of(const DriveService::Call& c) {
  return c.flag("keep") ? storage::Replaced::kKeep : storage::Replaced::kRemove;
}

// The two records of a body framed by WireWriter.
Result<std::pair<std::string_view, std::string_view>> two_fields(std::string_view body) {
  WireReader r(body);
  auto a = r.bytes();
  auto b = r.bytes();
  if (!a || !b) return fail(ErrorCode::kInternalError, "internode: malformed body");
  return std::pair(*a, *b);
}

}  // namespace

DriveService::DriveService(std::map<std::string, std::shared_ptr<storage::Drive>> local_drives,
                           std::string token, boost::asio::thread_pool& blocking,
                           DriveServiceOptions options)
    : drives_(std::move(local_drives)),
      token_(std::move(token)),
      blocking_(blocking),
      options_(options),
      writers_(options.writer_idle_timeout),
      leases_(options.lease_ttl) {}

DriveService::~DriveService() = default;

bool DriveService::handles(std::string_view raw_path) { return raw_path.starts_with(kDrivePrefix); }

http::StringResponse DriveService::malformed_request(ErrorCode code) {
  http::RequestHeader req;
  auto res = plain_response(req, bhttp::status::bad_request);
  res.set(kErrorHeader, error_code_name(code));
  res.prepare_payload();
  return res;
}

awaitable<void> DriveService::handle(http::Exchange& exchange) {
  const auto& req = exchange.request();
  if (!token_accepted(req, token_)) {
    co_await exchange.send(forbidden_response(req));
    co_return;
  }
  writers_.sweep();
  leases_.sweep();

  Call call;
  call.deadline = deadline_of(req);
  std::string_view target(req.target().data(), req.target().size());
  auto qmark = target.find('?');
  call.name = target.substr(0, qmark).substr(kDrivePrefix.size());
  auto query = parse_query(qmark == std::string_view::npos ? "" : target.substr(qmark + 1));

  Result<std::string> result = std::string();
  if (!query) {
    result = fail(ErrorCode::kInvalidURI, "internode: bad query");
  } else {
    call.query = std::move(*query);
    auto length = exchange.content_length();
    if (length && *length > options_.max_body) {
      result = fail(ErrorCode::kEntityTooLarge, "internode: body too large");
    } else {
      if (length) call.body.resize(*length);
      size_t filled = 0;
      while (result) {
        // A body of known length is read into its exact size (growing it
        // would zero 64 KiB per call); one without grows as it comes.
        if (length && filled == *length) break;
        if (!length && call.body.size() - filled < 64 * 1024) {
          if (call.body.size() >= options_.max_body) {
            result = fail(ErrorCode::kEntityTooLarge, "internode: body too large");
            break;
          }
          call.body.resize(std::max<size_t>(call.body.size() * 2, filled + 64 * 1024));
        }
        auto n = co_await exchange.read_body(std::span(
            reinterpret_cast<uint8_t*>(call.body.data()) + filled, call.body.size() - filled));
        if (!n) result = std::unexpected(n.error());
        if (!n || *n == 0) break;
        filled += *n;
      }
      call.body.resize(filled);
    }
  }
  if (result && call.name != "ping") {
    result = co_await http::run_blocking(blocking_, [this, &call] { return dispatch(call); });
  }

  if (!result) {
    co_await exchange.send(error_response(req, result.error()));
    co_return;
  }
  auto res = plain_response(req, bhttp::status::ok);
  res.body() = std::move(*result);
  res.prepare_payload();
  co_await exchange.send(std::move(res));
}

Result<std::string> DriveService::dispatch(Call& call) {
  auto it = drives_.find(std::string(call.arg("drive")));
  if (it == drives_.end()) {
    return fail(ErrorCode::kInvalidRequest,
                "internode: no local drive " + std::string(call.arg("drive")));
  }
  call.root = it->first;
  call.drive = it->second.get();
  if (call.deadline.expired()) {
    return fail(ErrorCode::kDriveTimeout, "internode call " + call.name + " arrived too late");
  }
  bool found = false;
  for (auto handler :
       {&DriveService::bucket_call, &DriveService::object_call, &DriveService::shard_call,
        &DriveService::upload_call, &DriveService::drive_call}) {
    auto r = (this->*handler)(call, found);
    if (found) return r;
  }
  return fail(ErrorCode::kNotImplemented, "internode: unknown drive call " + call.name);
}

Result<std::string> DriveService::bucket_call(const Call& c, bool& found) {
  found = true;
  auto& d = *c.drive;
  if (c.name == "make_bucket" || c.name == "update_bucket") {
    auto b = storage::decode_bucket(c.body);
    if (!b) return std::unexpected(b.error());
    return done(c.name == "make_bucket" ? d.make_bucket(c.deadline, *b)
                                        : d.update_bucket(c.deadline, *b));
  }
  if (c.name == "stat_bucket") return encoded(d.stat_bucket(c.deadline, c.arg("bucket")));
  if (c.name == "list_buckets") return encoded_list(d.list_buckets(c.deadline));
  if (c.name == "delete_bucket") return done(d.delete_bucket(c.deadline, c.arg("bucket")));
  if (c.name == "bucket_usage") {
    auto u = d.bucket_usage(c.deadline, c.arg("bucket"));
    if (!u) return std::unexpected(u.error());
    WireWriter w;
    w.u64(static_cast<uint64_t>(u->objects));
    w.u64(static_cast<uint64_t>(u->bytes));
    return w.take();
  }
  found = false;
  return {};
}

Result<std::string> DriveService::object_call(const Call& c, bool& found) {
  found = true;
  auto& d = *c.drive;
  auto bucket = c.arg("bucket");
  auto key = c.arg("key");
  if (c.name == "read_object")
    return encoded(d.read_object(c.deadline, bucket, key, c.flag("data")));
  if (c.name == "commit_object") {
    auto r = storage::decode_object(c.body);
    if (!r) return std::unexpected(r.error());
    return done(d.commit_object(c.deadline, bucket, key, *r, c.arg("staged"), replaced_of(c)));
  }
  if (c.name == "delete_object")
    return done(d.delete_object(c.deadline, bucket, key, replaced_of(c)));
  if (c.name == "finish_replace") return done(d.finish_replace(c.deadline, bucket, key));
  if (c.name == "finish_many") {
    // One-way (nobody waits for the answer): each item is applied on its
    // own; one that fails stays undecided for resolve_pending.
    auto items = decode_batch(c.body);
    if (!items) return std::unexpected(items.error());
    for (auto bytes : *items) {
      auto item = decode_finish(bytes);
      if (!item) return std::unexpected(item.error());
      (void)d.finish_change(Deadline::never(), item->bucket, item->key, item->change);
    }
    return std::string();
  }
  if (c.name == "update_meta") {
    auto r = storage::decode_object(c.body);
    if (!r) return std::unexpected(r.error());
    return done(d.update_meta(c.deadline, bucket, key,
                              storage::ChangeId{false, r->mod_time_ns, r->data_uuid}, r->meta));
  }
  if (c.name == "undo_replace") {
    if (c.body.empty()) return done(d.undo_replace(c.deadline, bucket, key, nullptr));
    auto r = storage::decode_object(c.body);
    if (!r) return std::unexpected(r.error());
    return done(d.undo_replace(c.deadline, bucket, key, &*r));
  }
  if (c.name == "pending_replaces") {
    auto p = d.pending_replaces(c.deadline);
    if (!p) return std::unexpected(p.error());
    WireWriter w;
    w.u64(p->size());
    for (const auto& [b, k] : *p) {
      w.bytes(b);
      w.bytes(k);
    }
    return w.take();
  }
  if (c.name == "scan_objects") return scan_objects_page(c);
  if (c.name == "read_version") {
    return encoded(d.read_version(c.deadline, bucket, key, c.arg("version"), c.flag("data")));
  }
  if (c.name == "delete_version") return done(d.delete_version(c.deadline, bucket, key, c.arg("version")));
  if (c.name == "scan_versions") return scan_versions_page(c);
  found = false;
  return {};
}

Result<std::string> DriveService::shard_call(const Call& c, bool& found) {
  found = true;
  auto& d = *c.drive;
  auto staged = c.arg("staged");
  auto name = c.arg("name");
  if (c.name == "create_staged") {
    auto w = d.create_staged(c.deadline, staged, name);
    if (!w) return std::unexpected(w.error());
    writers_.put(c.root, staged, name, std::move(*w));
    return std::string();
  }
  if (c.name == "write_staged" || c.name == "close_staged") {
    auto entry = writers_.get(c.root, staged, name);
    if (!entry) return fail(ErrorCode::kInternalError, "internode: staged writer dropped");
    std::lock_guard lock(entry->mu);
    if (c.name == "write_staged") {
      return done(entry->writer->write(
          c.deadline, {reinterpret_cast<const uint8_t*>(c.body.data()), c.body.size()}));
    }
    auto s = entry->writer->close(c.deadline);
    writers_.erase(c.root, staged, name);
    return done(s);
  }
  if (c.name == "remove_staged") {
    writers_.erase_all(c.root, staged);
    d.remove_staged(c.deadline, staged);
    return std::string();
  }
  auto uuid = c.arg("uuid");
  if (c.name == "shard_size" || c.name == "read_shard") {
    auto reader = d.open_shard(c.deadline, uuid, name);
    if (!reader) return std::unexpected(reader.error());
    if (c.name == "shard_size") return one_u64((*reader)->size());
    std::string out(std::min<uint64_t>(c.num("len"), options_.max_read), '\0');
    auto n = (*reader)->read_at(c.deadline, c.num("offset"),
                                {reinterpret_cast<uint8_t*>(out.data()), out.size()});
    if (!n) return std::unexpected(n.error());
    out.resize(*n);
    return out;
  }
  if (c.name == "lease_data") {
    auto lease = d.lease_data(c.deadline, uuid);
    if (!lease) return std::unexpected(lease.error());
    return one_u64(leases_.hold(std::move(*lease)));
  }
  if (c.name == "release_lease") {
    leases_.release(c.num("lease"));
    return std::string();
  }
  found = false;
  return {};
}

Result<std::string> DriveService::upload_call(const Call& c, bool& found) {
  found = true;
  auto& d = *c.drive;
  if (c.name == "put_upload" || c.name == "abort_upload" || c.name == "list_parts") {
    auto u = storage::decode_upload(c.body);
    if (!u) return std::unexpected(u.error());
    if (c.name == "put_upload") return done(d.put_upload(c.deadline, *u));
    if (c.name == "abort_upload") return done(d.abort_upload(c.deadline, *u));
    auto limit = std::min<uint64_t>(c.num("limit"), options_.max_page);
    return encoded_list(d.list_parts(c.deadline, *u, static_cast<uint32_t>(c.num("after")), limit));
  }
  if (c.name == "read_upload") {
    return encoded(d.read_upload(c.deadline, c.arg("bucket"), c.arg("key"), c.arg("upload")));
  }
  if (c.name == "commit_part" || c.name == "complete_upload") {
    auto fields = two_fields(c.body);
    if (!fields) return std::unexpected(fields.error());
    auto u = storage::decode_upload(fields->first);
    if (!u) return std::unexpected(u.error());
    if (c.name == "commit_part") {
      auto p = storage::decode_part(fields->second);
      if (!p) return std::unexpected(p.error());
      return done(d.commit_part(c.deadline, *u, *p, c.arg("staged"), c.arg("name")));
    }
    auto r = storage::decode_object(fields->second);
    if (!r) return std::unexpected(r.error());
    return done(d.complete_upload(c.deadline, *u, *r, replaced_of(c)));
  }
  if (c.name == "scan_uploads") return scan_uploads_page(c);
  found = false;
  return {};
}

// Calls on the drive as a whole: capacity and its format.json. The format
// calls work on the folder (the drive may not be open: a new drive is not).
Result<std::string> DriveService::drive_call(const Call& c, bool& found) {
  found = true;
  if (c.name == "disk_info") {
    auto info = c.drive->disk_info(c.deadline, c.flag("refresh"));
    if (!info) return std::unexpected(info.error());
    WireWriter w;
    for (uint64_t v : {info->total, info->free, info->reserve, info->ballast}) w.u64(v);
    return w.take();
  }
  if (c.name == "read_format") {
    WireWriter w;
    std::error_code ec;
    if (!std::filesystem::is_directory(c.root, ec)) {
      w.u64(2);
      return w.take();
    }
    auto f = storage::read_format(c.root);
    if (!f) return std::unexpected(f.error());
    w.u64(*f ? 0 : 1);
    if (*f) w.bytes(encode_format(**f));
    return w.take();
  }
  if (c.name == "write_format") {
    auto f = decode_format(c.body);
    if (!f) return std::unexpected(f.error());
    std::error_code ec;
    if (!std::filesystem::is_directory(c.root, ec)) {
      return fail(ErrorCode::kDriveOffline, "drive folder " + c.root + " is missing");
    }
    auto existing = storage::read_format(c.root);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return fail(ErrorCode::kInvalidRequest, "drive " + c.root + " is formatted");
    return done(storage::write_format(c.root, *f));
  }
  found = false;
  return {};
}

namespace {

// A page of up to `limit` entries of `cur` (already positioned), each
// written by `write`, after the header the remote cursors read: whether
// more entries follow the page, and how many it holds.
template <typename Cursor, typename Write>
Result<std::string> page_of(Cursor& cur, size_t limit, Write write) {
  WireWriter entries;
  size_t n = 0;
  for (; n < limit && cur.valid(); ++n, cur.next()) {
    if (auto s = write(cur, entries); !s) return std::unexpected(s.error());
  }
  if (!cur.valid() && !cur.status()) return std::unexpected(cur.status().error());
  WireWriter w;
  w.u64(cur.valid() ? 1 : 0);
  w.u64(n);
  std::string out = w.take();
  out += entries.take();
  return out;
}

}  // namespace

// A page of `limit` records from `start` (after it when `exclusive`): the
// cursor of the remote caller fetches the next page from the last key.
Result<std::string> DriveService::scan_objects_page(const Call& c) {
  auto cursor = c.drive->scan_objects(c.deadline, c.arg("bucket"));
  if (!cursor) return std::unexpected(cursor.error());
  auto& cur = **cursor;
  auto start = c.arg("start");
  cur.seek(start);
  if (c.flag("exclusive") && cur.valid() && cur.key() == start) cur.next();
  size_t limit = std::clamp<size_t>(c.num("limit"), 1, options_.max_page);
  return page_of(cur, limit, [](auto& at, WireWriter& out) -> Status {
    auto r = at.record();
    if (!r) return std::unexpected(r.error());
    out.bytes(at.key());
    out.bytes(storage::encode(*r));
    return {};
  });
}

// A page of versions, as scan_objects_page, from (start, start_token).
Result<std::string> DriveService::scan_versions_page(const Call& c) {
  auto cursor = c.drive->scan_versions(c.deadline, c.arg("bucket"));
  if (!cursor) return std::unexpected(cursor.error());
  auto& cur = **cursor;
  auto start = c.arg("start");
  auto start_token = c.arg("start_token");
  cur.seek(start, start_token);
  if (c.flag("exclusive") && cur.valid() && cur.key() == start && cur.token() == start_token) {
    cur.next();
  }
  size_t limit = std::clamp<size_t>(c.num("limit"), 1, options_.max_page);
  return page_of(cur, limit, [](auto& at, WireWriter& out) -> Status {
    auto r = at.record();
    if (!r) return std::unexpected(r.error());
    out.bytes(at.key());
    out.bytes(at.token());
    out.u64(at.current() ? 1 : 0);
    out.bytes(storage::encode(*r));
    return {};
  });
}

Result<std::string> DriveService::scan_uploads_page(const Call& c) {
  auto cursor = c.drive->scan_uploads(c.deadline, c.arg("bucket"));
  if (!cursor) return std::unexpected(cursor.error());
  auto& cur = **cursor;
  auto start = c.arg("start");
  auto start_id = c.arg("start_id");
  cur.seek(start, start_id);
  if (c.flag("exclusive") && cur.valid()) {
    auto r = cur.record();
    if (r && r->key == start && r->upload_id == start_id) cur.next();
  }
  size_t limit = std::clamp<size_t>(c.num("limit"), 1, options_.max_page);
  return page_of(cur, limit, [](auto& at, WireWriter& out) -> Status {
    auto r = at.record();
    if (!r) return std::unexpected(r.error());
    out.bytes(storage::encode(*r));
    return {};
  });
}

}  // namespace silo::cluster
