#include "cluster/wire.h"

namespace silo::cluster {

void WireWriter::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void WireWriter::bytes(std::string_view b) {
  u64(b.size());
  out_.append(b);
}

std::string encode_lock_request(const LockRequest& r) {
  WireWriter w;
  w.bytes(r.resource);
  w.bytes(r.owner);
  w.bytes(r.uid);
  return w.take();
}

Result<LockRequest> decode_lock_request(std::string_view bytes) {
  WireReader in(bytes);
  auto resource = in.bytes();
  auto owner = in.bytes();
  auto uid = in.bytes();
  if (!resource || !owner || !uid || !in.done() || resource->empty() || uid->empty()) {
    return fail(ErrorCode::kInvalidRequest, "internode: malformed lock request");
  }
  return LockRequest{std::string(*resource), std::string(*owner), std::string(*uid)};
}

std::string encode_batch(const std::vector<std::string>& items) {
  WireWriter w;
  w.u64(items.size());
  for (const auto& item : items) w.bytes(item);
  return w.take();
}

Result<std::vector<std::string_view>> decode_batch(std::string_view body) {
  WireReader in(body);
  auto n = in.u64();
  // Each item takes at least its 8-byte length: a count beyond that is a lie.
  if (!n || *n > body.size() / 8) return fail(ErrorCode::kInvalidRequest, "internode: bad batch");
  std::vector<std::string_view> out;
  out.reserve(*n);
  for (uint64_t i = 0; i < *n; ++i) {
    auto item = in.bytes();
    if (!item) return std::unexpected(item.error());
    out.push_back(*item);
  }
  if (!in.done()) return fail(ErrorCode::kInvalidRequest, "internode: bad batch");
  return out;
}

std::string encode_finish(std::string_view bucket, std::string_view key,
                          const storage::ChangeId& change) {
  WireWriter w;
  w.bytes(bucket);
  w.bytes(key);
  w.u64(change.deleted ? 1 : 0);
  w.u64(static_cast<uint64_t>(change.mod_time_ns));
  w.bytes(change.data_uuid);
  return w.take();
}

Result<FinishItem> decode_finish(std::string_view bytes) {
  WireReader in(bytes);
  auto bucket = in.bytes();
  auto key = in.bytes();
  auto deleted = in.u64();
  auto mod_time = in.u64();
  auto uuid = in.bytes();
  if (!bucket || !key || !deleted || !mod_time || !uuid || !in.done() || *deleted > 1) {
    return fail(ErrorCode::kInvalidRequest, "internode: malformed finish");
  }
  FinishItem out{*bucket, *key, {}};
  out.change.deleted = *deleted == 1;
  out.change.mod_time_ns = static_cast<int64_t>(*mod_time);
  out.change.data_uuid = std::string(*uuid);
  return out;
}

std::string encode_release(bool shared, const LockRequest& r) {
  WireWriter w;
  w.u64(shared ? 1 : 0);
  w.bytes(encode_lock_request(r));
  return w.take();
}

Result<ReleaseItem> decode_release(std::string_view bytes) {
  WireReader in(bytes);
  auto shared = in.u64();
  auto request = in.bytes();
  if (!shared || !request || !in.done() || *shared > 1) {
    return fail(ErrorCode::kInvalidRequest, "internode: malformed release");
  }
  auto r = decode_lock_request(*request);
  if (!r) return std::unexpected(r.error());
  return ReleaseItem{*shared == 1, std::move(*r)};
}

Result<uint64_t> WireReader::u64() {
  if (in_.size() < 8) return fail(ErrorCode::kInternalError, "internode: truncated message");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(in_[i])) << (8 * i);
  in_.remove_prefix(8);
  return v;
}

Result<std::string_view> WireReader::bytes() {
  auto n = u64();
  if (!n) return std::unexpected(n.error());
  if (*n > in_.size()) return fail(ErrorCode::kInternalError, "internode: truncated message");
  auto out = in_.substr(0, *n);
  in_.remove_prefix(*n);
  return out;
}

ErrorCode error_code_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kWouldBlock); ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (error_code_name(code) == name) return code;
  }
  return ErrorCode::kInternalError;
}

std::string encode_format(const storage::Format& format) {
  WireWriter w;
  w.bytes(format.deployment_id);
  w.bytes(format.drive_id);
  w.u64(format.sets.size());
  for (const auto& set : format.sets) {
    w.u64(set.size());
    for (const auto& id : set) w.bytes(id);
  }
  return w.take();
}

Result<storage::Format> decode_format(std::string_view bytes) {
  WireReader r(bytes);
  storage::Format f;
  auto dep = r.bytes();
  auto drive = r.bytes();
  auto sets = r.u64();
  if (!dep || !drive || !sets) return fail(ErrorCode::kInternalError, "internode: bad format");
  f.deployment_id = *dep;
  f.drive_id = *drive;
  for (uint64_t s = 0; s < *sets; ++s) {
    auto n = r.u64();
    if (!n || *n > bytes.size()) return fail(ErrorCode::kInternalError, "internode: bad format");
    auto& set = f.sets.emplace_back();
    for (uint64_t i = 0; i < *n; ++i) {
      auto id = r.bytes();
      if (!id) return std::unexpected(id.error());
      set.emplace_back(*id);
    }
  }
  return f;
}

}  // namespace silo::cluster
