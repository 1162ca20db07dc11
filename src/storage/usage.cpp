#include "storage/usage.h"

#include <map>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/write_batch.h>

#include "storage/record.h"

namespace silo::storage {

namespace {

constexpr char kUsageSpace[] = "q/";
// Present once every object record has been counted.
constexpr char kCountedMark[] = "q#counted";
constexpr char kObjectSpace[] = "o/";

std::string encode_usage(BucketUsage u) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(static_cast<uint64_t>(u.objects) >> (8 * i));
    out[8 + i] = static_cast<char>(static_cast<uint64_t>(u.bytes) >> (8 * i));
  }
  return out;
}

bool decode_usage(const rocksdb::Slice& in, BucketUsage& u) {
  if (in.size() != 16) return false;
  uint64_t objects = 0, bytes = 0;
  for (int i = 7; i >= 0; --i) {
    objects = objects << 8 | static_cast<uint8_t>(in[i]);
    bytes = bytes << 8 | static_cast<uint8_t>(in[8 + i]);
  }
  u.objects = static_cast<int64_t>(objects);
  u.bytes = static_cast<int64_t>(bytes);
  return true;
}

class UsageAdd final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* out, rocksdb::Logger*) const override {
    BucketUsage sum, add;
    if (existing && !decode_usage(*existing, sum)) return false;
    if (!decode_usage(value, add)) return false;
    *out = encode_usage({sum.objects + add.objects, sum.bytes + add.bytes});
    return true;
  }
  const char* Name() const override { return "SiloBucketUsageAdd"; }
};

}  // namespace

std::string usage_key(std::string_view bucket) { return std::string(kUsageSpace).append(bucket); }

void add_usage(rocksdb::WriteBatch& batch, std::string_view bucket, BucketUsage delta) {
  if (delta.objects == 0 && delta.bytes == 0) return;
  batch.Merge(usage_key(bucket), encode_usage(delta));
}

Result<BucketUsage> read_usage(rocksdb::DB& db, std::string_view bucket) {
  std::string v;
  auto st = db.Get(rocksdb::ReadOptions(), usage_key(bucket), &v);
  BucketUsage u;
  if (st.IsNotFound()) return u;
  if (!st.ok()) return fail(ErrorCode::kInternalError, "metadata store: " + st.ToString());
  if (!decode_usage(v, u)) return fail(ErrorCode::kInternalError, "corrupt usage counter");
  return u;
}

std::shared_ptr<rocksdb::MergeOperator> usage_merge_operator() {
  return std::make_shared<UsageAdd>();
}

Status init_usage(rocksdb::DB& db) {
  std::string mark;
  if (db.Get(rocksdb::ReadOptions(), kCountedMark, &mark).ok()) return {};
  std::map<std::string, BucketUsage> counts;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kObjectSpace); it->Valid() && it->key().starts_with(kObjectSpace); it->Next()) {
    std::string_view k(it->key().data() + 2, it->key().size() - 2);
    auto nul = k.find('\0');
    auto rec = decode_object({it->value().data(), it->value().size()});
    if (nul == std::string_view::npos || !rec) continue;
    auto& c = counts[std::string(k.substr(0, nul))];
    c.objects += 1;
    c.bytes += rec->size;
  }
  if (!it->status().ok()) {
    return fail(ErrorCode::kInternalError, "metadata store: " + it->status().ToString());
  }
  it.reset();
  rocksdb::WriteBatch batch;
  for (const auto& [bucket, c] : counts) batch.Put(usage_key(bucket), encode_usage(c));
  batch.Put(kCountedMark, "");
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto st = db.Write(sync, &batch);
  if (!st.ok()) return fail(ErrorCode::kInternalError, "metadata store: " + st.ToString());
  return {};
}

}  // namespace silo::storage
