#include "object/erasure_set.h"

#include <gtest/gtest.h>

#include "hooked_drive.h"
#include "temp_dir.h"
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/hash.h"
#include "erasure/bitrot.h"
#include "storage/local_drive.h"

namespace silo::object {
namespace {

// Tests call drives directly, with no caller waiting on a deadline.
constexpr Deadline kNoDeadline = Deadline::never();

namespace fs = std::filesystem;

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kBlock = kMiB;            // ErasureSetOptions default
constexpr size_t kInlineMax = 128 * kKiB;  // ErasureSetOptions default
constexpr size_t kHash = erasure::kBitrotHashSize;

using silo::test_support::HookedDrive;
using silo::test_support::TempDir;

std::string random_data(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t v = rng();
    std::memcpy(s.data() + i, &v, 4);
  }
  for (; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string md5_hex(std::string_view s) { return hex_encode(md5_raw(s)); }

size_t regular_files(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}


class ErasureSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = storage::LocalDrive::open(dir_.path());
    ASSERT_TRUE(d) << d.error().text();
    drive_ = std::shared_ptr<storage::LocalDrive>(std::move(*d));
    layer_ = std::make_unique<ErasureSet>(std::vector<std::shared_ptr<storage::Drive>>{drive_}, options());
    ASSERT_TRUE(layer_->make_bucket("bkt"));
  }

  virtual ErasureSetOptions options() const { return {}; }

  std::string root() const { return dir_.path(); }
  std::string data_dir(const std::string& uuid) const {
    return root() + "/data/" + uuid.substr(0, 2) + "/" + uuid.substr(2, 2) + "/" + uuid;
  }
  // The data folder of bucket/key's current version ("" when inline).
  std::string object_dir(std::string_view key) {
    auto r = drive_->read_object(kNoDeadline, "bkt", key, false);
    EXPECT_TRUE(r);
    return r && !r->data_uuid.empty() ? data_dir(r->data_uuid) : "";
  }
  bool tmp_is_empty() const { return fs::is_empty(root() + "/.silo/tmp"); }

  // Writes `data` in pieces of `chunk` bytes and commits.
  Result<ObjectInfo> put(std::string_view key, std::string_view data, PutOptions opts = {},
                         size_t chunk = 64 * kKiB) {
    auto w = layer_->begin_put("bkt", key, std::move(opts));
    if (!w) return std::unexpected(w.error());
    for (size_t off = 0; off < data.size(); off += chunk) {
      if (auto s = (*w)->write(bytes(data.substr(off, chunk))); !s)
        return std::unexpected(s.error());
    }
    return (*w)->commit(PutFinal{});
  }

  // Reads [offset, offset+length) (or everything) through a buffer of `buf` bytes.
  Result<std::string> get(std::string_view key, std::optional<std::pair<uint64_t, uint64_t>> range,
                          size_t buf = 256 * kKiB) {
    auto r = layer_->open_object("bkt", key);
    if (!r) return std::unexpected(r.error());
    return read_all(**r, range, buf);
  }

  static Result<std::string> read_all(ObjectReader& reader,
                                      std::optional<std::pair<uint64_t, uint64_t>> range,
                                      size_t buf, std::string* partial = nullptr) {
    if (range) reader.set_range(range->first, range->second);
    std::string out;
    std::vector<uint8_t> b(buf);
    for (;;) {
      auto n = reader.read(b);
      if (!n) {
        if (partial) *partial = out;
        return std::unexpected(n.error());
      }
      if (*n == 0) break;
      out.append(reinterpret_cast<const char*>(b.data()), *n);
    }
    return out;
  }

  Result<std::string> get(std::string_view key) { return get(key, std::nullopt); }

  TempDir dir_;
  std::shared_ptr<storage::LocalDrive> drive_;
  std::unique_ptr<ErasureSet> layer_;
};

// ---- put / get

class PutGetTest : public ErasureSetTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(PutGetTest, RoundTripsBytesEtagAndSize) {
  const size_t size = GetParam();
  std::string data = random_data(size, static_cast<uint32_t>(size));
  for (size_t chunk : {size_t{7777}, std::max<size_t>(size, 1)}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    auto info = put("obj", data, {}, chunk);
    ASSERT_TRUE(info) << info.error().text();
    EXPECT_EQ(info->size, static_cast<int64_t>(size));
    EXPECT_EQ(info->etag, md5_hex(data));
    EXPECT_EQ(info->storage_class, "STANDARD");
    auto head = layer_->head_object("bkt", "obj");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->size, static_cast<int64_t>(size));
    EXPECT_EQ(head->etag, md5_hex(data));
    auto back = get("obj");
    ASSERT_TRUE(back) << back.error().text();
    ASSERT_EQ(back->size(), size);
    EXPECT_TRUE(*back == data);
  }
  EXPECT_TRUE(tmp_is_empty());
}

TEST_P(PutGetTest, SmallObjectsAreInlineAndLargeOnesAreOneFramedFile) {
  const size_t size = GetParam();
  ASSERT_TRUE(put("obj", random_data(size, 1)));
  auto rec = drive_->read_object(kNoDeadline, "bkt", "obj", false);
  ASSERT_TRUE(rec);
  if (size <= kInlineMax) {
    EXPECT_TRUE(rec->inlined);
    EXPECT_TRUE(rec->data_uuid.empty());
    EXPECT_TRUE(fs::is_empty(root() + "/data"));
  } else {
    EXPECT_FALSE(rec->inlined);
    std::string file = data_dir(rec->data_uuid) + "/part.1";
    ASSERT_TRUE(fs::exists(file));
    EXPECT_EQ(fs::file_size(file), erasure::framed_size(size, kBlock));
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, PutGetTest,
                         ::testing::Values(0, 1, kInlineMax, kInlineMax + 1, kMiB, kMiB + 1,
                                           3 * kMiB + kMiB / 2),
                         [](const ::testing::TestParamInfo<size_t>& p) {
                           return "Bytes" + std::to_string(p.param);
                         });

TEST_F(ErasureSetTest, OverwriteReplacesContent) {
  ASSERT_TRUE(put("k", random_data(2 * kMiB, 1)));
  std::string old_dir = object_dir("k");
  std::string small = "small now";
  ASSERT_TRUE(put("k", small));
  EXPECT_EQ(get("k").value(), small);
  EXPECT_FALSE(fs::exists(old_dir));
}

TEST_F(ErasureSetTest, RangeReadsAtBlockBoundaries) {
  const uint64_t size = 3 * kMiB + kMiB / 2;
  std::string data = random_data(size, 9);
  ASSERT_TRUE(put("big", data));
  const uint64_t B = kBlock;
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, 1},         {0, B},         {0, B + 1},     {B - 1, 1},     {B - 1, 2},
      {B, 1},         {B, B},         {B + 1, B - 1}, {B - 1, B + 2}, {2 * B - 1, 2},
      {2 * B, B / 2}, {3 * B - 1, 3}, {3 * B, B / 2}, {size - 1, 1},  {size - B - 7, B + 7},
      {12345, 3 * B}, {0, size}};
  for (auto [off, len] : ranges) {
    for (size_t buf : {size_t{4093}, size_t{kMiB}}) {
      auto got = get("big", std::make_pair(off, len), buf);
      ASSERT_TRUE(got) << off << "+" << len << ": " << got.error().text();
      ASSERT_EQ(got->size(), len) << off;
      EXPECT_TRUE(*got == data.substr(off, len)) << off << "+" << len << " buf " << buf;
    }
  }
}

TEST_F(ErasureSetTest, RangeReadsOfInlineObject) {
  std::string data = random_data(100 * kKiB, 3);
  ASSERT_TRUE(put("small", data));
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1}, {99, 1}, {50000, 1000}, {100 * kKiB - 1, 1}, {0, 100 * kKiB}}) {
    auto got = get("small", std::make_pair(off, len), 777);
    ASSERT_TRUE(got);
    EXPECT_TRUE(*got == data.substr(off, len)) << off;
  }
}

TEST_F(ErasureSetTest, ReaderCanBeRangedAgainAfterReading) {
  std::string data = random_data(2 * kMiB + 5, 4);
  ASSERT_TRUE(put("k", data));
  auto r = layer_->open_object("bkt", "k");
  ASSERT_TRUE(r);
  EXPECT_EQ(read_all(**r, std::make_pair(kMiB + 3, 10), 64).value(), data.substr(kMiB + 3, 10));
  EXPECT_EQ(read_all(**r, std::make_pair(1, 10), 64).value(), data.substr(1, 10));
  EXPECT_EQ((*r)->info().etag, md5_hex(data));
}

// ---- corruption

void flip_byte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c ^= 0x20;
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

TEST_F(ErasureSetTest, CorruptShardByteFailsReadInsteadOfReturningWrongBytes) {
  std::string data = random_data(2 * kMiB + kMiB / 2, 5);
  ASSERT_TRUE(put("k", data));
  std::string file = object_dir("k") + "/part.1";
  // A data byte of block 1.
  flip_byte(file, (kBlock + kHash) + kHash + 1000);

  auto r = layer_->open_object("bkt", "k");
  ASSERT_TRUE(r);
  std::string partial;
  auto whole = read_all(**r, std::nullopt, 64 * kKiB, &partial);
  ASSERT_FALSE(whole);
  // One drive, no parity: a corrupt block cannot be rebuilt.
  EXPECT_EQ(whole.error().code, ErrorCode::kInsufficientReadQuorum);
  // Whatever came out before the failure is correct, and stops before block 1.
  EXPECT_LE(partial.size(), kBlock);
  EXPECT_TRUE(partial == data.substr(0, partial.size()));

  // Blocks that are intact still read; any range touching block 1 fails.
  EXPECT_TRUE(get("k", std::make_pair(0, kBlock)).value() == data.substr(0, kBlock));
  EXPECT_TRUE(get("k", std::make_pair(2 * kBlock, kMiB / 2)).value() ==
              data.substr(2 * kBlock, kMiB / 2));
  EXPECT_FALSE(get("k", std::make_pair(kBlock + 999, 2)));
  EXPECT_FALSE(get("k", std::make_pair(kBlock - 1, 2)));
}

TEST_F(ErasureSetTest, CorruptBlockHashFailsRead) {
  std::string data = random_data(kMiB + 10, 6);
  ASSERT_TRUE(put("k", data));
  flip_byte(object_dir("k") + "/part.1", kBlock + kHash + 3);  // the hash of block 1
  EXPECT_TRUE(get("k", std::make_pair(0, kBlock)).value() == data.substr(0, kBlock));
  auto tail = get("k", std::make_pair(kBlock, 10));
  ASSERT_FALSE(tail);
  EXPECT_EQ(tail.error().code, ErrorCode::kInsufficientReadQuorum);
}

TEST_F(ErasureSetTest, EveryCorruptedByteOfSmallShardIsDetected) {
  // 130 KiB: one framed block in a file. Flip bytes across hash and data.
  std::string data = random_data(kInlineMax + 2 * kKiB, 7);
  ASSERT_TRUE(put("k", data));
  std::string file = object_dir("k") + "/part.1";
  for (uint64_t off : {uint64_t{0}, uint64_t{31}, uint64_t{32}, uint64_t{1000},
                       uint64_t{kHash + data.size() - 1}}) {
    flip_byte(file, off);
    auto got = get("k");
    EXPECT_FALSE(got) << "corrupt byte at " << off << " went unnoticed";
    flip_byte(file, off);  // restore
    EXPECT_TRUE(get("k").value() == data);
  }
}

TEST_F(ErasureSetTest, TruncatedShardFailsRead) {
  std::string data = random_data(kMiB + kMiB / 2, 8);
  ASSERT_TRUE(put("k", data));
  std::string file = object_dir("k") + "/part.1";
  fs::resize_file(file, fs::file_size(file) - 1);
  auto got = get("k");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kInsufficientReadQuorum);
  // A shard of the wrong size is not trusted at all, not even its first block.
  EXPECT_FALSE(get("k", std::make_pair(0, 100)));
}

TEST_F(ErasureSetTest, MissingShardFailsOpen) {
  ASSERT_TRUE(put("k", random_data(kMiB, 9)));
  fs::remove_all(object_dir("k"));
  auto r = layer_->open_object("bkt", "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInsufficientReadQuorum);
}

TEST_F(ErasureSetTest, CorruptInlineDataFailsRead) {
  std::string data = random_data(5000, 10);
  ASSERT_TRUE(put("k", data));
  auto bad = std::make_shared<HookedDrive>(drive_);
  ErasureSet corrupt(std::vector<std::shared_ptr<storage::Drive>>{bad}, ErasureSetOptions{});
  for (size_t at : {size_t{0}, size_t{31}, size_t{32}, size_t{kHash + 4999}}) {
    bad->corrupt_at = at;
    // The first stripe is read when the object is opened, so the damage
    // shows there, before a response could start.
    auto r = corrupt.open_object("bkt", "k");
    ASSERT_FALSE(r) << "corrupt inline byte at " << at << " went unnoticed";
    EXPECT_EQ(r.error().code, ErrorCode::kInsufficientReadQuorum);
  }
  bad->corrupt_at = SIZE_MAX;
  EXPECT_TRUE(get("k").value() == data);
}

// ---- writers

TEST_F(ErasureSetTest, AbandonedWriterLeavesNothingBehind) {
  {
    auto w = layer_->begin_put("bkt", "k", {});
    ASSERT_TRUE(w);
    std::string data = random_data(kMiB + 1, 11);
    ASSERT_TRUE((*w)->write(bytes(data)));
    EXPECT_FALSE(tmp_is_empty());
  }
  EXPECT_TRUE(tmp_is_empty());
  EXPECT_EQ(layer_->head_object("bkt", "k").error().code, ErrorCode::kNoSuchKey);
  EXPECT_TRUE(fs::is_empty(root() + "/data"));
}

TEST_F(ErasureSetTest, WriterReportsBytesAndMd5) {
  auto w = layer_->begin_put("bkt", "k", {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(bytes("hello ")));
  ASSERT_TRUE((*w)->write(bytes("world")));
  EXPECT_EQ((*w)->bytes_written(), 11u);
  EXPECT_EQ((*w)->md5_hex(), md5_hex("hello world"));
  EXPECT_EQ((*w)->md5_hex(), md5_hex("hello world"));
  auto info = (*w)->commit({});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->etag, md5_hex("hello world"));
}

TEST_F(ErasureSetTest, Md5SoFarDoesNotFreezeTheEtag) {
  auto w = layer_->begin_put("bkt", "k", {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(bytes("ab")));
  EXPECT_EQ((*w)->md5_hex(), md5_hex("ab"));
  ASSERT_TRUE((*w)->write(bytes("cd")));
  EXPECT_EQ((*w)->md5_hex(), md5_hex("abcd"));
  auto info = (*w)->commit({});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->etag, md5_hex("abcd"));
}

TEST_F(ErasureSetTest, MetadataAndStorageClassAreKept) {
  PutOptions o;
  o.meta = {{"content-type", "image/png"}, {"x-amz-meta-\xC3\xA9", "\xE6\x97\xA5"}};
  o.storage_class = "REDUCED_REDUNDANCY";
  ASSERT_TRUE(put("k", "x", o));
  auto head = layer_->head_object("bkt", "k");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->meta, o.meta);
  EXPECT_EQ(head->meta_value("content-type"), "image/png");
  EXPECT_EQ(head->storage_class, "REDUCED_REDUNDANCY");
}

// A lifecycle expiration deletes only the version it judged.
TEST_F(ErasureSetTest, ADeleteConditionedOnAModificationTimeSparesANewerVersion) {
  auto first = put("k", "one");
  ASSERT_TRUE(first);
  auto second = put("k", "two");
  ASSERT_TRUE(second);
  WritePreconditions stale;
  stale.if_mod_time_ns = first->mod_time_ns;
  auto refused = layer_->delete_object("bkt", "k", stale);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(*get("k"), "two");
  WritePreconditions current;
  current.if_mod_time_ns = second->mod_time_ns;
  ASSERT_TRUE(layer_->delete_object("bkt", "k", current));
  EXPECT_EQ(layer_->head_object("bkt", "k").error().code, ErrorCode::kNoSuchKey);
  EXPECT_EQ(layer_->delete_object("bkt", "k", current).error().code, ErrorCode::kNoSuchKey);
}

TEST_F(ErasureSetTest, MissingBucketAndKeyErrors) {
  EXPECT_EQ(layer_->begin_put("nope", "k", {}).error().code, ErrorCode::kNoSuchBucket);
  EXPECT_EQ(layer_->head_object("nope", "k").error().code, ErrorCode::kNoSuchBucket);
  EXPECT_EQ(layer_->open_object("nope", "k").error().code, ErrorCode::kNoSuchBucket);
  EXPECT_EQ(layer_->head_object("bkt", "k").error().code, ErrorCode::kNoSuchKey);
  EXPECT_EQ(layer_->open_object("bkt", "k").error().code, ErrorCode::kNoSuchKey);
  EXPECT_EQ(layer_->list_objects("nope", {}).error().code, ErrorCode::kNoSuchBucket);
}

TEST_F(ErasureSetTest, DeleteRemovesObjectAndMissingKeySucceeds) {
  ASSERT_TRUE(put("k", random_data(kMiB + 1, 12)));
  std::string dir = object_dir("k");
  ASSERT_TRUE(layer_->delete_object("bkt", "k"));
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(layer_->head_object("bkt", "k").error().code, ErrorCode::kNoSuchKey);
  EXPECT_TRUE(layer_->delete_object("bkt", "k"));
  EXPECT_TRUE(layer_->delete_object("bkt", "never"));
  EXPECT_EQ(layer_->delete_object("nope", "k").error().code, ErrorCode::kNoSuchBucket);
}

TEST_F(ErasureSetTest, CommitIntoBucketDeletedMeanwhileFails) {
  auto w = layer_->begin_put("bkt", "k", {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(bytes("data")));
  ASSERT_TRUE(layer_->delete_bucket("bkt"));
  auto info = (*w)->commit({});
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kNoSuchBucket);
  ASSERT_TRUE(layer_->make_bucket("bkt"));
  EXPECT_EQ(layer_->head_object("bkt", "k").error().code, ErrorCode::kNoSuchKey);
}

TEST_F(ErasureSetTest, BucketsListAndDelete) {
  ASSERT_TRUE(layer_->make_bucket("another"));
  EXPECT_EQ(layer_->make_bucket("bkt").error().code, ErrorCode::kBucketAlreadyOwnedByYou);
  auto list = layer_->list_buckets();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "another");
  EXPECT_EQ((*list)[1].name, "bkt");
  ASSERT_TRUE(put("k", "x"));
  EXPECT_EQ(layer_->delete_bucket("bkt").error().code, ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(layer_->delete_object("bkt", "k"));
  EXPECT_TRUE(layer_->delete_bucket("bkt"));
  EXPECT_EQ(layer_->head_bucket("bkt").error().code, ErrorCode::kNoSuchBucket);
}

// ---- preconditions

TEST_F(ErasureSetTest, IfNoneMatchAnyCreatesOnlyWhenAbsent) {
  PutOptions o;
  o.preconditions.if_none_match_any = true;
  ASSERT_TRUE(put("k", "first", o));
  auto again = put("k", "second", o);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(get("k").value(), "first");
  // A large body refused at commit leaves no staged or data files.
  auto big = put("k", random_data(kMiB + 1, 1), o);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(tmp_is_empty());
  EXPECT_TRUE(fs::is_empty(root() + "/data"));
}

TEST_F(ErasureSetTest, IfMatchRequiresCurrentEtag) {
  auto first = put("k", "first");
  ASSERT_TRUE(first);
  PutOptions wrong;
  wrong.preconditions.if_match = md5_hex("other");
  auto r = put("k", "second", wrong);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(get("k").value(), "first");

  PutOptions right;
  right.preconditions.if_match = first->etag;
  ASSERT_TRUE(put("k", "second", right));
  EXPECT_EQ(get("k").value(), "second");

  PutOptions any;
  any.preconditions.if_match = "*";
  ASSERT_TRUE(put("k", "third", any));
  EXPECT_EQ(get("k").value(), "third");
}

TEST_F(ErasureSetTest, IfMatchOnMissingKeyIsNoSuchKey) {
  for (const char* etag : {"*", "d41d8cd98f00b204e9800998ecf8427e"}) {
    PutOptions o;
    o.preconditions.if_match = etag;
    auto r = put("absent", "x", o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kNoSuchKey);
  }
  EXPECT_EQ(layer_->head_object("bkt", "absent").error().code, ErrorCode::kNoSuchKey);
}

TEST_F(ErasureSetTest, PreconditionIsCheckedAtCommitNotAtBegin) {
  PutOptions o;
  o.preconditions.if_none_match_any = true;
  auto w = layer_->begin_put("bkt", "k", o);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(bytes("late")));
  ASSERT_TRUE(put("k", "early"));
  auto r = (*w)->commit({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(get("k").value(), "early");
}

// ---- listing

// Reference listing over a std::set (binary key order), as S3 defines it:
// keys after the marker, grouped into common prefixes at the first delimiter
// after the prefix; a common prefix not after the marker was already listed.
struct RefListing {
  std::vector<std::string> objects, prefixes;
  bool truncated = false;
  std::string next_marker;
};

std::vector<std::pair<std::string, bool>> reference_entries(const std::set<std::string>& keys,
                                                            const ListParams& p) {
  std::vector<std::pair<std::string, bool>> all;
  for (const auto& k : keys) {
    if (!k.starts_with(p.prefix)) continue;
    if (!p.marker.empty() && k <= p.marker) continue;
    if (!p.delimiter.empty()) {
      size_t pos = k.find(p.delimiter, p.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = k.substr(0, pos + p.delimiter.size());
        if (!p.marker.empty() && cp <= p.marker) continue;
        if (!all.empty() && all.back() == std::make_pair(cp, true)) continue;
        all.emplace_back(cp, true);
        continue;
      }
    }
    all.emplace_back(k, false);
  }
  return all;
}

RefListing reference_list(const std::set<std::string>& keys, const ListParams& p) {
  auto all = reference_entries(keys, p);
  RefListing out;
  if (p.max_keys == 0) return out;
  out.truncated = all.size() > p.max_keys;
  if (out.truncated) all.resize(p.max_keys);
  for (const auto& [name, is_prefix] : all)
    (is_prefix ? out.prefixes : out.objects).push_back(name);
  if (out.truncated) out.next_marker = all.back().first;
  return out;
}

std::vector<std::string> keys_of(const ListResult& r) {
  std::vector<std::string> out;
  for (const auto& o : r.objects) out.push_back(o.key);
  return out;
}

std::string describe(const ListParams& p) {
  return "prefix='" + p.prefix + "' delimiter='" + p.delimiter + "' marker='" + p.marker +
         "' max_keys=" + std::to_string(p.max_keys);
}

const std::set<std::string>& listing_keys() {
  static const std::set<std::string> keys = {"a",
                                             "a/",
                                             "a//x",
                                             "a/b",
                                             "a/b/c",
                                             "a/b/d",
                                             "a/b.txt",
                                             "a/c",
                                             "a-b/c",
                                             "a.b",
                                             "ab",
                                             "abc/",
                                             "abc/def",
                                             "abc/def/g",
                                             "a b/c",
                                             "a~/x",
                                             "b",
                                             "b/1",
                                             "b/2",
                                             "b/3/4",
                                             "c--d--e",
                                             "c--x",
                                             "c-",
                                             "c-d",
                                             "photos/",
                                             "photos/2020/feb/1.jpg",
                                             "photos/2020/jan/1.jpg",
                                             "photos/2020/jan/2.jpg",
                                             "photos/2021/a.jpg",
                                             "photos/index.html",
                                             "x",
                                             "x/y",
                                             "x/y/z/w",
                                             "\xC3\xA9/1",
                                             "\xC3\xA9/2",
                                             "\xC3\xA9t\xC3\xA9",
                                             "\xE6\x97\xA5\xE6\x9C\xAC/\xE8\xAA\x9E",
                                             "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
                                             "z",
                                             "z/",
                                             "z//",
                                             "z///a",
                                             "~",
                                             "-",
                                             ".",
                                             "0",
                                             "9/9",
                                             "A/B",
                                             "Z",
                                             " space"};
  return keys;
}

class ListObjectsTest : public ErasureSetTest {
 protected:
  void SetUp() override {
    ErasureSetTest::SetUp();
    for (const auto& k : listing_keys()) ASSERT_TRUE(put(k, k));
  }

  void expect_matches_reference(const ListParams& p) {
    SCOPED_TRACE(describe(p));
    auto got = layer_->list_objects("bkt", p);
    ASSERT_TRUE(got) << got.error().text();
    RefListing want = reference_list(listing_keys(), p);
    EXPECT_EQ(keys_of(*got), want.objects);
    EXPECT_EQ(got->common_prefixes, want.prefixes);
    EXPECT_EQ(got->truncated, want.truncated);
    EXPECT_EQ(got->next_marker, want.next_marker);
  }
};

const std::vector<std::string> kPrefixes = {
    "", "a", "a/", "a/b", "abc", "photos/", "photos/2020/", "\xC3\xA9", "z/", "c-", "nomatch"};
const std::vector<std::string> kDelimiters = {"", "/", "--", "/b", "\xC3\xA9"};

TEST_F(ListObjectsTest, EveryPageSizeReproducesTheFullListing) {
  for (const auto& prefix : kPrefixes) {
    for (const auto& delimiter : kDelimiters) {
      ListParams full{prefix, delimiter, "", 100000};
      auto entries = reference_entries(listing_keys(), full);
      std::vector<std::string> want_objects, want_prefixes;
      for (const auto& [name, is_prefix] : entries) {
        (is_prefix ? want_prefixes : want_objects).push_back(name);
      }
      for (size_t page = 1; page <= entries.size() + 1; ++page) {
        SCOPED_TRACE(describe({prefix, delimiter, "", page}));
        std::vector<std::string> objects, prefixes;
        std::set<std::string> seen_prefixes;
        ListParams p{prefix, delimiter, "", page};
        size_t calls = 0;
        for (;;) {
          auto r = layer_->list_objects("bkt", p);
          ASSERT_TRUE(r);
          ++calls;
          ASSERT_LE(calls, entries.size() + 1) << "listing does not advance";
          size_t n = r->objects.size() + r->common_prefixes.size();
          for (const auto& o : r->objects) objects.push_back(o.key);
          for (const auto& cp : r->common_prefixes) {
            EXPECT_TRUE(seen_prefixes.insert(cp).second) << "common prefix repeated: " << cp;
            prefixes.push_back(cp);
          }
          if (!r->truncated) {
            EXPECT_EQ(r->next_marker, "");
            break;
          }
          // A truncated page is full and names its last entry as the marker.
          EXPECT_EQ(n, page);
          std::string last_object = r->objects.empty() ? "" : r->objects.back().key;
          std::string last_prefix = r->common_prefixes.empty() ? "" : r->common_prefixes.back();
          EXPECT_EQ(r->next_marker, std::max(last_object, last_prefix));
          p.marker = r->next_marker;
        }
        EXPECT_EQ(objects, want_objects);
        EXPECT_EQ(prefixes, want_prefixes);
        EXPECT_EQ(calls, std::max<size_t>(1, (entries.size() + page - 1) / page));
      }
    }
  }
}

TEST_F(ListObjectsTest, AnyListedEntryAsMarkerMatchesReference) {
  for (const auto& prefix : kPrefixes) {
    for (const auto& delimiter : kDelimiters) {
      auto entries = reference_entries(listing_keys(), {prefix, delimiter, "", 100000});
      std::vector<std::string> markers = {"", " ", "0", "a", "b0", "zzzz", "\xF4\x8F\xBF\xBF"};
      for (const auto& e : entries) markers.push_back(e.first);
      for (const auto& marker : markers) {
        for (size_t max_keys : {size_t{1}, size_t{2}, size_t{5}, size_t{1000}}) {
          expect_matches_reference({prefix, delimiter, marker, max_keys});
        }
      }
    }
  }
}

TEST_F(ListObjectsTest, DelimiterSkipsWholeCommonPrefix) {
  auto r = layer_->list_objects("bkt", {"photos/", "/", "", 1000});
  ASSERT_TRUE(r);
  EXPECT_EQ(keys_of(*r), (std::vector<std::string>{"photos/", "photos/index.html"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"photos/2020/", "photos/2021/"}));
  EXPECT_FALSE(r->truncated);
}

TEST_F(ListObjectsTest, CommonPrefixCountsTowardsMaxKeysAndIsTheNextMarker) {
  auto r = layer_->list_objects("bkt", {"photos/", "/", "", 2});
  ASSERT_TRUE(r);
  EXPECT_EQ(keys_of(*r), std::vector<std::string>{"photos/"});
  EXPECT_EQ(r->common_prefixes, std::vector<std::string>{"photos/2020/"});
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->next_marker, "photos/2020/");
  r = layer_->list_objects("bkt", {"photos/", "/", "photos/2020/", 2});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->common_prefixes, std::vector<std::string>{"photos/2021/"});
  EXPECT_EQ(keys_of(*r), std::vector<std::string>{"photos/index.html"});
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(r->next_marker, "");
}

TEST_F(ListObjectsTest, MultiCharacterDelimiter) {
  auto r = layer_->list_objects("bkt", {"c", "--", "", 1000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->common_prefixes, std::vector<std::string>{"c--"});
  EXPECT_EQ(keys_of(*r), (std::vector<std::string>{"c-", "c-d"}));
  r = layer_->list_objects("bkt", {"c--", "--", "", 1000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->common_prefixes, std::vector<std::string>{"c--d--"});
  EXPECT_EQ(keys_of(*r), std::vector<std::string>{"c--x"});
}

TEST_F(ListObjectsTest, MarkerBeforePrefixStartsAtPrefixAndAfterAllIsEmpty) {
  auto r = layer_->list_objects("bkt", {"x", "", "a", 1000});
  ASSERT_TRUE(r);
  EXPECT_EQ(keys_of(*r), (std::vector<std::string>{"x", "x/y", "x/y/z/w"}));
  r = layer_->list_objects("bkt", {"x", "", "x/y/z/w", 1000});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->objects.empty());
  EXPECT_FALSE(r->truncated);
  r = layer_->list_objects("bkt", {"", "", "\xF4\x8F\xBF\xBF", 1000});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->objects.empty());
}

TEST_F(ListObjectsTest, MaxKeysZeroReturnsNothing) {
  auto r = layer_->list_objects("bkt", {"", "/", "", 0});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->objects.empty());
  EXPECT_TRUE(r->common_prefixes.empty());
  EXPECT_FALSE(r->truncated);
}

TEST_F(ListObjectsTest, ListedObjectsCarrySizeEtagAndStorageClass) {
  auto r = layer_->list_objects("bkt", {"abc/def", "", "", 1});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->objects.size(), 1u);
  const ObjectInfo& o = r->objects[0];
  EXPECT_EQ(o.key, "abc/def");
  EXPECT_EQ(o.bucket, "bkt");
  EXPECT_EQ(o.size, 7);
  EXPECT_EQ(o.etag, md5_hex("abc/def"));
  EXPECT_EQ(o.storage_class, "STANDARD");
}

// ---- multipart

class MultipartTest : public ErasureSetTest {
 protected:
  // Parts of at least 1 MiB keep the test fast while crossing block boundaries.
  ErasureSetOptions options() const override {
    ErasureSetOptions o;
    o.min_part_size = kMiB;
    return o;
  }

  UploadInfo create(std::string_view key, PutOptions opts = {}) {
    auto u = layer_->create_upload("bkt", key, std::move(opts), "", "");
    EXPECT_TRUE(u) << u.error().text();
    return u.value_or(UploadInfo{});
  }

  Result<ObjectInfo> upload_part(const UploadInfo& u, uint32_t number, std::string_view data,
                                 size_t chunk = 100 * kKiB) {
    auto w = layer_->begin_part("bkt", u.key, u.upload_id, number);
    if (!w) return std::unexpected(w.error());
    for (size_t off = 0; off < data.size(); off += chunk) {
      if (auto s = (*w)->write(bytes(data.substr(off, chunk))); !s)
        return std::unexpected(s.error());
    }
    return (*w)->commit(PutFinal{});
  }

  Result<ObjectInfo> complete(const UploadInfo& u, const std::vector<CompletePart>& parts,
                              WritePreconditions pre = {}) {
    return layer_->complete_upload("bkt", u.key, u.upload_id, parts, object::CompleteOptions{pre, {}});
  }

  static std::string multipart_etag(const std::vector<std::string>& parts) {
    std::string md5s;
    for (const auto& p : parts) md5s += md5_raw(p);
    return hex_encode(md5_raw(md5s)) + "-" + std::to_string(parts.size());
  }
};

TEST_F(MultipartTest, CompletedObjectReadsBackAcrossPartBoundaries) {
  UploadInfo u = create("mp");
  std::string p1 = random_data(kMiB + kMiB / 2, 21), p2 = random_data(kMiB + 3, 22),
              p3 = random_data(1000, 23);
  auto e1 = upload_part(u, 1, p1);
  auto e2 = upload_part(u, 2, p2);
  auto e3 = upload_part(u, 3, p3);
  ASSERT_TRUE(e1 && e2 && e3);
  EXPECT_EQ(e1->etag, md5_hex(p1));
  EXPECT_EQ(e2->size, static_cast<int64_t>(p2.size()));

  auto info = complete(u, {{1, e1->etag, {}}, {2, e2->etag, {}}, {3, e3->etag, {}}});
  ASSERT_TRUE(info) << info.error().text();
  std::string all = p1 + p2 + p3;
  EXPECT_EQ(info->etag, multipart_etag({p1, p2, p3}));
  EXPECT_EQ(info->size, static_cast<int64_t>(all.size()));
  ASSERT_EQ(info->parts.size(), 3u);
  EXPECT_EQ(info->parts[1].number, 2u);
  EXPECT_EQ(info->parts[1].size, static_cast<int64_t>(p2.size()));

  auto head = layer_->head_object("bkt", "mp");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->etag, info->etag);
  EXPECT_TRUE(get("mp", std::nullopt, 4093).value() == all);

  const uint64_t b1 = p1.size(), b2 = p1.size() + p2.size();
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {b1 - 1, 2},         {b1, 1},       {b1 - 5, p2.size() + 10}, {b2 - 1, 2},
      {b2, 1000},          {kMiB - 1, 2}, {b1 + kMiB - 1, 2},       {0, all.size()},
      {all.size() - 1, 1}, {10, b2}};
  for (auto [off, len] : ranges) {
    for (size_t buf : {size_t{997}, size_t{kMiB}}) {
      auto got = get("mp", std::make_pair(off, len), buf);
      ASSERT_TRUE(got) << off << "+" << len << ": " << got.error().text();
      EXPECT_TRUE(*got == all.substr(off, len)) << off << "+" << len << " buf " << buf;
    }
  }
  EXPECT_EQ(layer_->get_upload("bkt", "mp", u.upload_id).error().code, ErrorCode::kNoSuchUpload);
}

TEST_F(MultipartTest, CompletingWithSubsetKeepsOnlyListedParts) {
  UploadInfo u = create("mp");
  std::string p1 = random_data(kMiB, 31), p2 = random_data(kMiB, 32), p3 = random_data(10, 33);
  ASSERT_TRUE(upload_part(u, 1, p1));
  ASSERT_TRUE(upload_part(u, 2, p2));
  ASSERT_TRUE(upload_part(u, 3, p3));
  auto info = complete(u, {{1, md5_hex(p1), {}}, {3, md5_hex(p3), {}}});
  ASSERT_TRUE(info) << info.error().text();
  EXPECT_EQ(info->etag, multipart_etag({p1, p3}));
  EXPECT_TRUE(get("mp").value() == p1 + p3);
  std::string dir = object_dir("mp");
  EXPECT_TRUE(fs::exists(dir + "/part.1"));
  EXPECT_FALSE(fs::exists(dir + "/part.2"));
  EXPECT_TRUE(fs::exists(dir + "/part.3"));
}

TEST_F(MultipartTest, SinglePartUploadMayBeSmall) {
  UploadInfo u = create("one");
  ASSERT_TRUE(upload_part(u, 7, "tiny"));
  auto info = complete(u, {{7, md5_hex("tiny"), {}}});
  ASSERT_TRUE(info) << info.error().text();
  EXPECT_EQ(info->etag, multipart_etag({"tiny"}));
  EXPECT_EQ(get("one").value(), "tiny");
}

TEST_F(MultipartTest, EmptyLastPartIsReadable) {
  UploadInfo u = create("k");
  std::string p1 = random_data(kMiB, 34);
  ASSERT_TRUE(upload_part(u, 1, p1));
  ASSERT_TRUE(upload_part(u, 2, ""));
  auto info = complete(u, {{1, md5_hex(p1), {}}, {2, md5_hex(""), {}}});
  ASSERT_TRUE(info) << info.error().text();
  EXPECT_EQ(info->size, static_cast<int64_t>(kMiB));
  EXPECT_TRUE(get("k").value() == p1);
}

TEST_F(MultipartTest, NonLastPartBelowMinimumIsEntityTooSmall) {
  UploadInfo u = create("k");
  std::string small = random_data(kMiB - 1, 41), big = random_data(kMiB, 42);
  ASSERT_TRUE(upload_part(u, 1, small));
  ASSERT_TRUE(upload_part(u, 2, big));
  auto r = complete(u, {{1, md5_hex(small), {}}, {2, md5_hex(big), {}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kEntityTooSmall);
  // The upload survives a failed completion.
  EXPECT_TRUE(layer_->get_upload("bkt", "k", u.upload_id));
  EXPECT_TRUE(complete(u, {{2, md5_hex(big), {}}}));
}

TEST_F(MultipartTest, UnknownPartOrWrongEtagIsInvalidPart) {
  UploadInfo u = create("k");
  std::string p1 = random_data(kMiB, 51);
  ASSERT_TRUE(upload_part(u, 1, p1));
  for (const auto& parts :
       std::vector<std::vector<CompletePart>>{{{2, md5_hex(p1), {}}},
                                              {{1, md5_hex("other"), {}}},
                                              {{1, md5_hex(p1), {}}, {2, md5_hex(p1), {}}},
                                              {{1, "", {}}}}) {
    auto r = complete(u, parts);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidPart);
  }
  EXPECT_TRUE(layer_->get_upload("bkt", "k", u.upload_id));
}

TEST_F(MultipartTest, PartsOutOfOrderOrRepeatedAreInvalidPartOrder) {
  UploadInfo u = create("k");
  std::string p1 = random_data(kMiB, 61), p2 = random_data(kMiB, 62);
  ASSERT_TRUE(upload_part(u, 1, p1));
  ASSERT_TRUE(upload_part(u, 2, p2));
  for (const auto& parts :
       std::vector<std::vector<CompletePart>>{{{2, md5_hex(p2), {}}, {1, md5_hex(p1), {}}},
                                              {{1, md5_hex(p1), {}}, {1, md5_hex(p1), {}}}}) {
    auto r = complete(u, parts);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidPartOrder);
  }
}

TEST_F(MultipartTest, EmptyPartListIsMalformed) {
  UploadInfo u = create("k");
  auto r = complete(u, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformedXML);
}

TEST_F(MultipartTest, ReuploadedPartReplacesEarlierOne) {
  UploadInfo u = create("k");
  std::string first = random_data(2000, 71), second = random_data(3000, 72);
  ASSERT_TRUE(upload_part(u, 1, first));
  ASSERT_TRUE(upload_part(u, 1, second));
  auto listing = layer_->list_parts("bkt", "k", u.upload_id, 0, 1000);
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->parts.size(), 1u);
  EXPECT_EQ(listing->parts[0].etag, md5_hex(second));
  EXPECT_EQ(listing->parts[0].size, 3000);
  EXPECT_FALSE(complete(u, {{1, md5_hex(first), {}}}));
  ASSERT_TRUE(complete(u, {{1, md5_hex(second), {}}}));
  EXPECT_TRUE(get("k").value() == second);
}

TEST_F(MultipartTest, ListPartsPagesWithMarker) {
  UploadInfo u = create("k");
  for (uint32_t n : {1u, 2u, 5u, 10u, 11u}) ASSERT_TRUE(upload_part(u, n, std::to_string(n)));
  auto page = layer_->list_parts("bkt", "k", u.upload_id, 0, 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->parts.size(), 2u);
  EXPECT_EQ(page->parts[0].number, 1u);
  EXPECT_EQ(page->parts[1].number, 2u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, 2u);
  page = layer_->list_parts("bkt", "k", u.upload_id, 2, 2);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->parts[0].number, 5u);
  EXPECT_EQ(page->parts[1].number, 10u);
  EXPECT_TRUE(page->truncated);
  page = layer_->list_parts("bkt", "k", u.upload_id, 10, 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->parts.size(), 1u);
  EXPECT_EQ(page->parts[0].number, 11u);
  EXPECT_EQ(page->parts[0].etag, md5_hex("11"));
  EXPECT_FALSE(page->truncated);
  page = layer_->list_parts("bkt", "k", u.upload_id, 0, 5);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->parts.size(), 5u);
  EXPECT_FALSE(page->truncated);
}

TEST_F(MultipartTest, MissingUploadOrBucketErrors) {
  UploadInfo u = create("k");
  EXPECT_EQ(layer_->begin_part("bkt", "k", "nope", 1).error().code, ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->begin_part("bkt", "other-key", u.upload_id, 1).error().code,
            ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->begin_part("nope", "k", u.upload_id, 1).error().code, ErrorCode::kNoSuchBucket);
  EXPECT_EQ(layer_->list_parts("bkt", "k", "nope", 0, 10).error().code, ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->abort_upload("bkt", "k", "nope").error().code, ErrorCode::kNoSuchUpload);
  EXPECT_EQ(complete({"bkt", "k", "nope"}, {{1, "e", {}}}).error().code, ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->create_upload("nope", "k", {}, "", "").error().code, ErrorCode::kNoSuchBucket);
}

TEST_F(MultipartTest, UploadKeepsMetadataAndStorageClass) {
  PutOptions o;
  o.meta = {{"content-type", "video/mp4"}};
  o.storage_class = "STANDARD_IA";
  UploadInfo u = create("k", o);
  auto got = layer_->get_upload("bkt", "k", u.upload_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->meta, o.meta);
  EXPECT_EQ(got->storage_class, "STANDARD_IA");
  ASSERT_TRUE(upload_part(u, 1, "x"));
  auto info = complete(u, {{1, md5_hex("x"), {}}});
  ASSERT_TRUE(info);
  auto head = layer_->head_object("bkt", "k");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->meta, o.meta);
  EXPECT_EQ(head->storage_class, "STANDARD_IA");
}

TEST_F(MultipartTest, CompletionReplacesExistingObjectAndHonoursPreconditions) {
  std::string old = random_data(kMiB + 1, 81);
  ASSERT_TRUE(put("k", old));
  std::string old_dir = object_dir("k");
  UploadInfo u = create("k");
  ASSERT_TRUE(upload_part(u, 1, "new"));
  WritePreconditions none_match;
  none_match.if_none_match_any = true;
  auto refused = complete(u, {{1, md5_hex("new"), {}}}, none_match);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(get("k").value() == old);
  ASSERT_TRUE(complete(u, {{1, md5_hex("new"), {}}}));
  EXPECT_EQ(get("k").value(), "new");
  EXPECT_FALSE(fs::exists(old_dir));
}

TEST_F(MultipartTest, RepeatedCompletionAnswersAsTheFirstUntilTheKeyChanges) {
  UploadInfo u = create("k");
  ASSERT_TRUE(upload_part(u, 1, "only part"));
  auto first = complete(u, {{1, md5_hex("only part"), {}}});
  ASSERT_TRUE(first) << first.error().text();
  auto again = complete(u, {{1, md5_hex("only part"), {}}});
  ASSERT_TRUE(again) << again.error().text();
  EXPECT_EQ(again->etag, first->etag);
  EXPECT_EQ(again->size, first->size);
  // Once another write replaced the object, the upload is simply gone.
  ASSERT_TRUE(put("k", "overwritten"));
  auto late = complete(u, {{1, md5_hex("only part"), {}}});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kNoSuchUpload);
}

TEST_F(MultipartTest, AbortRemovesUploadAndItsFiles) {
  UploadInfo u = create("k");
  ASSERT_TRUE(upload_part(u, 1, random_data(kMiB, 91)));
  ASSERT_TRUE(upload_part(u, 2, "two"));
  ASSERT_FALSE(fs::is_empty(root() + "/data"));
  ASSERT_TRUE(layer_->abort_upload("bkt", "k", u.upload_id));
  EXPECT_EQ(regular_files(root() + "/data"), 0u);
  EXPECT_EQ(layer_->get_upload("bkt", "k", u.upload_id).error().code, ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->begin_part("bkt", "k", u.upload_id, 3).error().code, ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(layer_->delete_bucket("bkt"));
}

TEST_F(MultipartTest, PartWriterOutlivingAbortCannotResurrectUpload) {
  UploadInfo u = create("k");
  auto w = layer_->begin_part("bkt", "k", u.upload_id, 1);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(bytes("late part")));
  ASSERT_TRUE(layer_->abort_upload("bkt", "k", u.upload_id));
  auto r = (*w)->commit({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->list_parts("bkt", "k", u.upload_id, 0, 10).error().code,
            ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(tmp_is_empty());
}

TEST_F(MultipartTest, PartCommittedAfterCompletionLeavesObjectIntact) {
  UploadInfo u = create("k");
  std::string p1 = random_data(3000, 101);
  ASSERT_TRUE(upload_part(u, 1, p1));
  auto late = layer_->begin_part("bkt", "k", u.upload_id, 1);
  ASSERT_TRUE(late);
  ASSERT_TRUE((*late)->write(bytes("a retried part that arrives too late")));
  ASSERT_TRUE(complete(u, {{1, md5_hex(p1), {}}}));
  auto r = (*late)->commit({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNoSuchUpload);
  auto got = get("k");
  ASSERT_TRUE(got) << got.error().text();
  EXPECT_TRUE(*got == p1);
}

TEST_F(MultipartTest, AbortRacingCompletionLeavesCompletedObjectIntact) {
  // Abort and completion of one upload race from two threads: exactly one
  // wins, and a completed object is never damaged by the losing abort.
  for (int round = 0; round < 20; ++round) {
    std::string key = "race" + std::to_string(round);
    auto u = layer_->create_upload("bkt", key, {}, "", "");
    ASSERT_TRUE(u);
    auto w = layer_->begin_part("bkt", key, u->upload_id, 1);
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->write(bytes("payload")));
    ASSERT_TRUE((*w)->commit({}));
    Result<ObjectInfo> completed = fail(ErrorCode::kInternalError, "never ran");
    std::thread completer([&] {
      completed = layer_->complete_upload("bkt", key, u->upload_id, {{1, md5_hex("payload"), {}}}, {});
    });
    auto aborted = layer_->abort_upload("bkt", key, u->upload_id);
    completer.join();
    ASSERT_NE(completed.has_value(), aborted.has_value()) << "exactly one must win";
    if (completed) {
      EXPECT_EQ(aborted.error().code, ErrorCode::kNoSuchUpload);
      EXPECT_EQ(get(key).value_or(""), "payload");
    } else {
      EXPECT_EQ(completed.error().code, ErrorCode::kNoSuchUpload);
      EXPECT_FALSE(get(key));
    }
  }
}

// ---- listing uploads

std::vector<std::string> upload_keys(const UploadListing& l) {
  std::vector<std::string> out;
  for (const auto& u : l.uploads) out.push_back(u.key);
  return out;
}

TEST_F(MultipartTest, ListUploadsOrdersByKeyThenUploadId) {
  std::vector<UploadInfo> made;
  for (const char* k : {"b", "a/1", "c/d/e", "a/2", "b", "photos/x", "ab"})
    made.push_back(create(k));
  auto all = layer_->list_uploads("bkt", {});
  ASSERT_TRUE(all);
  EXPECT_EQ(upload_keys(*all),
            (std::vector<std::string>{"a/1", "a/2", "ab", "b", "b", "c/d/e", "photos/x"}));
  std::string id_b1 = all->uploads[3].upload_id, id_b2 = all->uploads[4].upload_id;
  EXPECT_LT(id_b1, id_b2);
  EXPECT_FALSE(all->truncated);

  auto pre = layer_->list_uploads("bkt", {"a/", "", "", "", 1000});
  ASSERT_TRUE(pre);
  EXPECT_EQ(upload_keys(*pre), (std::vector<std::string>{"a/1", "a/2"}));

  auto grouped = layer_->list_uploads("bkt", {"", "/", "", "", 1000});
  ASSERT_TRUE(grouped);
  EXPECT_EQ(upload_keys(*grouped), (std::vector<std::string>{"ab", "b", "b"}));
  EXPECT_EQ(grouped->common_prefixes, (std::vector<std::string>{"a/", "c/", "photos/"}));

  // A key marker alone skips every upload of that key.
  auto after_b = layer_->list_uploads("bkt", {"", "", "b", "", 1000});
  ASSERT_TRUE(after_b);
  EXPECT_EQ(upload_keys(*after_b), (std::vector<std::string>{"c/d/e", "photos/x"}));
  // With an upload id marker, uploads of that key after the id follow.
  auto after_b1 = layer_->list_uploads("bkt", {"", "", "b", id_b1, 1000});
  ASSERT_TRUE(after_b1);
  EXPECT_EQ(upload_keys(*after_b1), (std::vector<std::string>{"b", "c/d/e", "photos/x"}));
  EXPECT_EQ(after_b1->uploads[0].upload_id, id_b2);
  // A key marker before the prefix starts at the prefix.
  auto before = layer_->list_uploads("bkt", {"c/", "", "a", "", 1000});
  ASSERT_TRUE(before);
  EXPECT_EQ(upload_keys(*before), std::vector<std::string>{"c/d/e"});
}

TEST_F(MultipartTest, ListUploadsPagesWithMarkersAtEveryPageSize) {
  for (const char* k : {"b", "a/1", "c/d/e", "a/2", "b", "photos/x", "ab", "b"}) create(k);
  for (const std::string delimiter : {"", "/"}) {
    auto full = layer_->list_uploads("bkt", {"", delimiter, "", "", 1000});
    ASSERT_TRUE(full);
    std::vector<std::string> want;
    for (const auto& u : full->uploads) want.push_back(u.key + "|" + u.upload_id);
    for (size_t page = 1; page <= 9; ++page) {
      SCOPED_TRACE("delimiter '" + delimiter + "' page " + std::to_string(page));
      UploadListParams p{"", delimiter, "", "", page};
      std::vector<std::string> got, prefixes;
      for (int calls = 0; calls < 20; ++calls) {
        auto r = layer_->list_uploads("bkt", p);
        ASSERT_TRUE(r);
        for (const auto& u : r->uploads) got.push_back(u.key + "|" + u.upload_id);
        for (const auto& cp : r->common_prefixes) prefixes.push_back(cp);
        if (!r->truncated) break;
        EXPECT_EQ(r->uploads.size() + r->common_prefixes.size(), page);
        p.key_marker = r->next_key_marker;
        p.upload_id_marker = r->next_upload_id_marker;
      }
      EXPECT_EQ(got, want);
      EXPECT_EQ(prefixes, full->common_prefixes);
    }
  }
}

TEST_F(MultipartTest, CleanupRemovesOnlyOldUploads) {
  UploadInfo old1 = create("old1");
  UploadInfo old2 = create("dir/old2");
  ASSERT_TRUE(upload_part(old1, 1, "x"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  UploadInfo fresh = create("fresh");
  ASSERT_TRUE(upload_part(fresh, 1, "y"));
  ASSERT_LT(old2.initiated_ns, fresh.initiated_ns);
  ASSERT_TRUE(layer_->make_bucket("other"));
  auto in_other = layer_->create_upload("other", "old3", {}, "", "");
  ASSERT_TRUE(in_other);

  auto removed = layer_->cleanup_uploads(fresh.initiated_ns);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(layer_->get_upload("bkt", "old1", old1.upload_id).error().code,
            ErrorCode::kNoSuchUpload);
  EXPECT_EQ(layer_->get_upload("bkt", "dir/old2", old2.upload_id).error().code,
            ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(layer_->get_upload("bkt", "fresh", fresh.upload_id));
  EXPECT_TRUE(layer_->get_upload("other", "old3", in_other->upload_id));
  EXPECT_TRUE(complete(fresh, {{1, md5_hex("y"), {}}}));
  EXPECT_EQ(get("fresh").value(), "y");

  removed = layer_->cleanup_uploads(0);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 0u);
}

// ---- reads keep the version they chose (read leases)

TEST_F(ErasureSetTest, ReaderKeepsItsVersionWhileTheKeyIsOverwritten) {
  std::string first = random_data(3 * kMiB, 11);
  ASSERT_TRUE(put("k", first));
  std::string old_dir = object_dir("k");
  auto reader = layer_->open_object("bkt", "k");
  ASSERT_TRUE(reader) << reader.error().text();
  // The overwrite commits and settles while the read is open: its data must
  // stay until the reader is done with it.
  std::string second = random_data(2 * kMiB, 12);
  ASSERT_TRUE(put("k", second));
  EXPECT_TRUE(fs::exists(old_dir));
  auto got = read_all(**reader, std::nullopt, 256 * kKiB);
  ASSERT_TRUE(got) << got.error().text();
  EXPECT_TRUE(*got == first);
  reader->reset();
  // Released: the replaced data goes (on the drive's removal thread).
  for (int i = 0; i < 200 && fs::exists(old_dir); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(fs::exists(old_dir));
  EXPECT_TRUE(get("k").value() == second);
}

TEST_F(ErasureSetTest, VersionRemovedBetweenChoiceAndFirstReadIsChosenAgain) {
  // The race the read leases close: the reader has read the records (and so
  // chosen the old version) when an overwrite commits and removes that
  // version's data, before the reader opened a shard. It must then read the
  // new version, never fail.
  auto hooked = std::make_shared<HookedDrive>(drive_);
  ErasureSet set(std::vector<std::shared_ptr<storage::Drive>>{hooked}, ErasureSetOptions{});
  std::string first = random_data(2 * kMiB, 14), second = random_data(kMiB + 7, 15);
  ASSERT_TRUE(put("k", first));
  hooked->after_read_object = [&] {
    auto w = set.begin_put("bkt", "k", {});
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->write(bytes(second)));
    ASSERT_TRUE((*w)->commit(PutFinal{}));
  };
  auto reader = set.open_object("bkt", "k");
  ASSERT_TRUE(reader) << reader.error().text();
  EXPECT_EQ((*reader)->info().size, static_cast<int64_t>(second.size()));
  auto got = read_all(**reader, std::nullopt, 256 * kKiB);
  ASSERT_TRUE(got) << got.error().text();
  EXPECT_TRUE(*got == second);
}

TEST_F(ErasureSetTest, ReaderKeepsItsVersionWhileTheKeyIsDeleted) {
  std::string first = random_data(2 * kMiB, 13);
  ASSERT_TRUE(put("k", first));
  std::string old_dir = object_dir("k");
  auto reader = layer_->open_object("bkt", "k");
  ASSERT_TRUE(reader);
  ASSERT_TRUE(layer_->delete_object("bkt", "k"));
  auto got = read_all(**reader, std::nullopt, 64 * kKiB);
  ASSERT_TRUE(got) << got.error().text();
  EXPECT_TRUE(*got == first);
  EXPECT_EQ(get("k").error().code, ErrorCode::kNoSuchKey);
  reader->reset();
  for (int i = 0; i < 200 && fs::exists(old_dir); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(fs::exists(old_dir));
}

}  // namespace
}  // namespace silo::object
