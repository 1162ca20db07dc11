#include "storage/record.h"

namespace silo::storage {

namespace {

constexpr uint8_t kObjectMagic = 0x51;  // record kind + codec version in one byte each
constexpr uint8_t kBucketMagic = 0x52;
constexpr uint8_t kUploadMagic = 0x53;
constexpr uint8_t kPartMagic = 0x54;
constexpr uint8_t kCodecVersion = 1;
// Bucket records gained their location in version 2, their quota in
// version 3 and their configurations in version 4; older ones are still read.
constexpr uint8_t kBucketVersion = 4;

class Writer {
 public:
  explicit Writer(uint8_t magic, uint8_t version = kCodecVersion) {
    out_.push_back(static_cast<char>(magic));
    out_.push_back(static_cast<char>(version));
  }
  void u64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void boolean(bool b) { out_.push_back(b ? 1 : 0); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void kvs(const KeyValues& kv) {
    u64(kv.size());
    for (const auto& [k, v] : kv) {
      str(k);
      str(v);
    }
  }
  void erasure(const ErasureInfo& e) {
    u64(e.data_blocks);
    u64(e.parity_blocks);
    u64(e.block_size);
    u64(e.index);
    str(std::string_view(reinterpret_cast<const char*>(e.distribution.data()),
                         e.distribution.size()));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view in, uint8_t magic, uint8_t newest_version = kCodecVersion) : in_(in) {
    if (in_.size() < 2 || static_cast<uint8_t>(in_[0]) != magic ||
        static_cast<uint8_t>(in_[1]) < kCodecVersion ||
        static_cast<uint8_t>(in_[1]) > newest_version) {
      ok_ = false;
    } else {
      version_ = static_cast<uint8_t>(in_[1]);
      in_.remove_prefix(2);
    }
  }
  uint8_t version() const { return version_; }
  uint64_t u64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail_zero();
      auto b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail_zero();
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  uint32_t u32() {
    uint64_t v = u64();
    if (v > UINT32_MAX) return static_cast<uint32_t>(fail_zero());
    return static_cast<uint32_t>(v);
  }
  bool boolean() {
    if (in_.empty()) return fail_zero() != 0;
    bool b = in_.front() != 0;
    in_.remove_prefix(1);
    return b;
  }
  std::string str() {
    uint64_t n = u64();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  KeyValues kvs() {
    uint64_t n = u64();
    KeyValues kv;
    if (n > in_.size()) {
      ok_ = false;
      return kv;
    }
    kv.reserve(n);
    for (uint64_t i = 0; i < n && ok_; ++i) {
      auto k = str();
      auto v = str();
      kv.emplace_back(std::move(k), std::move(v));
    }
    return kv;
  }
  ErasureInfo erasure() {
    ErasureInfo e;
    e.data_blocks = u32();
    e.parity_blocks = u32();
    e.block_size = u32();
    e.index = u32();
    auto d = str();
    e.distribution.assign(d.begin(), d.end());
    return e;
  }
  // A record must be consumed exactly; trailing bytes mean corruption.
  bool ok() const { return ok_ && in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  uint64_t fail_zero() {
    ok_ = false;
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
  uint8_t version_ = 0;
};

template <typename T>
Result<T> finish(const Reader& r, T value, std::string_view what) {
  if (!r.ok()) return fail(ErrorCode::kInternalError, "corrupt " + std::string(what) + " record");
  return value;
}

}  // namespace

std::string_view ObjectRecord::meta_value(std::string_view name) const {
  for (const auto& [k, v] : meta) {
    if (k == name) return v;
  }
  return {};
}

std::string encode(const ObjectRecord& r) {
  Writer w(kObjectMagic);
  w.str(r.version_id);
  w.str(r.data_uuid);
  w.boolean(r.delete_marker);
  w.boolean(r.inlined);
  w.i64(r.mod_time_ns);
  w.i64(r.size);
  w.str(r.etag);
  w.str(r.storage_class);
  w.kvs(r.meta);
  w.kvs(r.checksums);
  w.u64(r.parts.size());
  for (const auto& p : r.parts) {
    w.u64(p.number);
    w.i64(p.size);
    w.str(p.etag);
    w.kvs(p.checksums);
  }
  w.erasure(r.erasure);
  w.str(r.inline_data);
  return w.take();
}

Result<ObjectRecord> decode_object(std::string_view bytes) {
  Reader rd(bytes, kObjectMagic);
  ObjectRecord r;
  r.version_id = rd.str();
  r.data_uuid = rd.str();
  r.delete_marker = rd.boolean();
  r.inlined = rd.boolean();
  r.mod_time_ns = rd.i64();
  r.size = rd.i64();
  r.etag = rd.str();
  r.storage_class = rd.str();
  r.meta = rd.kvs();
  r.checksums = rd.kvs();
  uint64_t nparts = rd.u64();
  // Each part takes at least 4 bytes: a corrupt count fails before it
  // reserves room for 10,000 parts.
  if (nparts > 10000 || nparts > rd.remaining() / 4) {
    return fail(ErrorCode::kInternalError, "corrupt object record");
  }
  r.parts.reserve(nparts);
  for (uint64_t i = 0; i < nparts; ++i) {
    PartInfo p;
    p.number = rd.u32();
    p.size = rd.i64();
    p.etag = rd.str();
    p.checksums = rd.kvs();
    r.parts.push_back(std::move(p));
  }
  r.erasure = rd.erasure();
  r.inline_data = rd.str();
  return finish(rd, std::move(r), "object");
}

std::string encode(const BucketRecord& r) {
  Writer w(kBucketMagic, kBucketVersion);
  w.str(r.name);
  w.i64(r.created_ns);
  w.str(r.location);
  w.u64(r.quota_bytes);
  w.kvs(r.configs);
  return w.take();
}

Result<BucketRecord> decode_bucket(std::string_view bytes) {
  Reader rd(bytes, kBucketMagic, kBucketVersion);
  BucketRecord r;
  r.name = rd.str();
  r.created_ns = rd.i64();
  if (rd.version() >= 2) r.location = rd.str();
  if (rd.version() >= 3) r.quota_bytes = rd.u64();
  if (rd.version() >= 4) r.configs = rd.kvs();
  return finish(rd, std::move(r), "bucket");
}

std::string encode(const UploadRecord& r) {
  Writer w(kUploadMagic);
  w.str(r.bucket);
  w.str(r.key);
  w.str(r.upload_id);
  w.str(r.data_uuid);
  w.i64(r.initiated_ns);
  w.str(r.storage_class);
  w.kvs(r.meta);
  w.str(r.checksum_algorithm);
  w.str(r.checksum_type);
  w.erasure(r.erasure);
  return w.take();
}

Result<UploadRecord> decode_upload(std::string_view bytes) {
  Reader rd(bytes, kUploadMagic);
  UploadRecord r;
  r.bucket = rd.str();
  r.key = rd.str();
  r.upload_id = rd.str();
  r.data_uuid = rd.str();
  r.initiated_ns = rd.i64();
  r.storage_class = rd.str();
  r.meta = rd.kvs();
  r.checksum_algorithm = rd.str();
  r.checksum_type = rd.str();
  r.erasure = rd.erasure();
  return finish(rd, std::move(r), "upload");
}

std::string encode(const PartRecord& r) {
  Writer w(kPartMagic);
  w.u64(r.number);
  w.i64(r.size);
  w.str(r.etag);
  w.i64(r.mod_time_ns);
  w.kvs(r.checksums);
  return w.take();
}

Result<PartRecord> decode_part(std::string_view bytes) {
  Reader rd(bytes, kPartMagic);
  PartRecord r;
  r.number = rd.u32();
  r.size = rd.i64();
  r.etag = rd.str();
  r.mod_time_ns = rd.i64();
  r.checksums = rd.kvs();
  return finish(rd, std::move(r), "part");
}

}  // namespace silo::storage
