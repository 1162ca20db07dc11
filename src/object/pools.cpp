#include "object/pools.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include "common/buffer.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/time.h"
#include "object/capacity.h"
#include "object/local_key_locks.h"
#include "object/object_lock.h"
#include "storage/versions.h"

namespace silo::object {

namespace {

std::vector<ErasureSet*> flatten(const std::vector<Pool>& pools) {
  std::vector<ErasureSet*> out;
  for (const auto& p : pools) {
    for (const auto& s : p.sets) out.push_back(s.get());
  }
  return out;
}

std::vector<Pool> one_pool(std::vector<std::unique_ptr<ErasureSet>> sets) {
  std::vector<Pool> pools(1);
  pools[0].sets = std::move(sets);
  return pools;
}

}  // namespace

// A write when there are several pools: the body goes to the pool chosen
// when it began; the commit takes the name's pool lock, checks the
// preconditions against the copy in whichever pool holds the name now, and
// removes the copies other pools keep once it is committed. The lock is
// not held while the body arrives: a writer waiting for it holds a thread
// of the blocking pool, which the body's own writes need.
class PoolWriter final : public ObjectWriter {
 public:
  PoolWriter(Pools& pools, std::string bucket, std::string key, size_t pool,
             WritePreconditions pre, std::unique_ptr<ObjectWriter> inner)
      : pools_(pools), bucket_(std::move(bucket)), key_(std::move(key)), pool_(pool),
        pre_(std::move(pre)), inner_(std::move(inner)) {}

  Status write(std::span<const uint8_t> data) override { return inner_->write(data); }
  Result<ObjectInfo> commit(const PutFinal& final) override {
    auto guard = pools_.pool_lock(bucket_, key_);
    if (!guard) return std::unexpected(guard.error());
    auto holders = pools_.locate(bucket_, key_);
    if (!holders) return std::unexpected(holders.error());
    PutFinal checked = final;
    auto pre = Pools::preconditions_in(*holders, pool_, pre_);
    if (!pre) return std::unexpected(pre.error());
    checked.preconditions = std::move(*pre);
    if (!guard->held()) return fail(ErrorCode::kLockLost);
    auto r = inner_->commit(checked);
    if (r) pools_.remove_other_copies(bucket_, key_, *holders, pool_);
    return r;
  }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }
  std::string md5_hex() override { return inner_->md5_hex(); }
  Status expect(uint64_t size) override { return inner_->expect(size); }

 private:
  Pools& pools_;
  std::string bucket_, key_;
  size_t pool_;
  WritePreconditions pre_;
  std::unique_ptr<ObjectWriter> inner_;
};

namespace {
NoBucketEvents no_bucket_events;
}  // namespace

Pools::Pools(std::vector<std::unique_ptr<ErasureSet>> sets, std::string deployment_id)
    : Pools(one_pool(std::move(sets)), std::move(deployment_id), PoolsOptions{}) {}

Pools::Pools(std::vector<Pool> pools, std::string deployment_id, PoolsOptions options)
    : pools_(std::move(pools)),
      flat_(flatten(pools_)),
      accepting_(pools_.size()),
      siphash_key_(md5_raw(deployment_id)),
      options_(std::move(options)),
      quotas_(flat_),
      configs_(flat_),
      events_(options_.events ? *options_.events : no_bucket_events) {
  for (auto& a : accepting_) a.store(true);
  if (!options_.pool_locks) options_.pool_locks = std::make_shared<LocalKeyLocks>();
}

Status Pools::set_bucket_quota(std::string_view bucket, std::optional<uint64_t> bytes) {
  {
    // The bucket's settings change one at a time: each change writes the
    // whole record.
    auto guard = pool_lock(bucket, "");
    if (!guard) return std::unexpected(guard.error());
    if (auto s = quotas_.set_quota(bucket, bytes); !s) return s;
  }
  events_.bucket_changed(bucket);
  return {};
}

Result<std::optional<std::string>> Pools::bucket_config(std::string_view bucket,
                                                        std::string_view name) {
  return configs_.get(bucket, name);
}

Status Pools::set_bucket_config(std::string_view bucket, std::string_view name,
                                std::optional<std::string_view> document) {
  {
    auto guard = pool_lock(bucket, "");
    if (!guard) return std::unexpected(guard.error());
    if (auto s = configs_.set(bucket, name, document); !s) return s;
  }
  events_.bucket_changed(bucket);
  return {};
}

void Pools::forget_bucket(std::string_view bucket) {
  quotas_.forget(bucket);
  configs_.forget(bucket);
}

Result<std::unique_ptr<ObjectWriter>> Pools::admitted(ErasureSet& set, std::string_view bucket,
                                                      std::string_view key,
                                                      std::string storage_class,
                                                      std::optional<uint64_t> size,
                                                      std::unique_ptr<ObjectWriter> inner) {
  auto quota = quotas_.quota(bucket);
  if (!quota) return std::unexpected(quota.error());
  auto w = capacity_writer(set, std::string(key), std::move(storage_class), std::move(inner));
  if (*quota) w = quota_writer(quotas_, std::string(bucket), **quota, std::move(w));
  if (size) {
    if (auto s = w->expect(*size); !s) return std::unexpected(s.error());
  }
  return w;
}

size_t Pools::set_index(size_t p, std::string_view key) const {
  size_t sets = pools_[p].sets.size();
  if (sets == 1) return 0;
  // Fetched once: the lookup walks OpenSSL's provider tables.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t out_size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                         OSSL_PARAM_construct_end()};
  uint64_t h = 0;
  if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(siphash_key_.data()),
                   siphash_key_.size(), params) == 1) {
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    unsigned char out[8];
    size_t len = 0;
    EVP_MAC_final(ctx, out, &len, sizeof out);
    for (int i = 7; i >= 0; --i) h = h << 8 | out[i];
  }
  EVP_MAC_CTX_free(ctx);
  return static_cast<size_t>(h % sets);
}

size_t Pools::resolve_pending() {
  size_t n = 0;
  for (auto* s : flat_) n += s->resolve_pending();
  return n;
}

// ---- Choosing and finding pools

uint64_t Pools::pool_free(size_t p) const {
  uint64_t total = 0;
  for (const auto& set : pools_[p].sets) {
    auto room = set->room("", "", std::nullopt, false);
    if (!room.ok()) return 0;
    total += room.least_free * room.writable;
  }
  return total;
}

uint64_t Pools::pool_used(size_t p) {
  uint64_t used = 0;
  auto buckets = flat_[0]->list_buckets();
  if (!buckets) return 0;
  for (const auto& b : *buckets) {
    if (b.name == kSystemBucket) continue;
    for (auto& set : pools_[p].sets) {
      if (auto u = set->bucket_usage(b.name)) used += static_cast<uint64_t>(u->bytes);
    }
  }
  return used;
}

std::optional<size_t> Pools::choose_pool(const std::function<bool(size_t)>& eligible) const {
  std::vector<uint64_t> weights(pools_.size(), 0);
  uint64_t total = 0;
  std::optional<size_t> first;
  for (size_t p = 0; p < pools_.size(); ++p) {
    if (!accepting(p) || (eligible && !eligible(p))) continue;
    if (!first) first = p;
    // In units of 1 MiB, so that sums cannot overflow.
    weights[p] = pools_.size() == 1 ? 1 : pool_free(p) >> 20;
    total += weights[p];
  }
  if (total == 0) return first;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t pick = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
  for (size_t p = 0; p < pools_.size(); ++p) {
    if (pick < weights[p]) return p;
    pick -= weights[p];
  }
  return std::nullopt;
}

Result<std::vector<Pools::Holder>> Pools::locate(std::string_view bucket, std::string_view key) {
  std::vector<Holder> holders;
  for (size_t p = 0; p < pools_.size(); ++p) {
    auto info = set_for(p, key).head_object(bucket, key);
    if (info) {
      holders.push_back({p, std::move(*info)});
    } else if (info.error().code != ErrorCode::kNoSuchKey && !lacks_bucket(info.error(), p)) {
      return std::unexpected(info.error());
    }
  }
  std::stable_sort(holders.begin(), holders.end(), [](const Holder& a, const Holder& b) {
    return a.info.mod_time_ns > b.info.mod_time_ns;
  });
  return holders;
}

Result<LockGuard> Pools::pool_lock(std::string_view bucket, std::string_view key) {
  return options_.pool_locks->lock(Deadline::after(options_.lock_timeout), bucket, key);
}

Result<WritePreconditions> Pools::preconditions_in(const std::vector<Holder>& holders,
                                                   size_t pool, const WritePreconditions& pre) {
  // The object lives in the target pool, or nowhere: the set checks them.
  if (holders.empty() || holders.front().pool == pool) return pre;
  if (auto s = check_write_preconditions(pre, &holders.front().info); !s) {
    return std::unexpected(s.error());
  }
  return WritePreconditions{};
}

Result<size_t> Pools::write_target(const std::vector<Holder>& holders,
                                   const WritePreconditions& pre) {
  const ObjectInfo* current = holders.empty() ? nullptr : &holders.front().info;
  // Early, so a refused write sends no body; checked again at the commit.
  if (auto s = check_write_preconditions(pre, current); !s) return std::unexpected(s.error());
  if (current && accepting(holders.front().pool)) return holders.front().pool;
  auto p = choose_pool();
  if (!p) return fail(ErrorCode::kServiceUnavailable, "no pool accepts new objects");
  return *p;
}

void Pools::remove_other_copies(std::string_view bucket, std::string_view key,
                                const std::vector<Holder>& holders, size_t keep) {
  for (const auto& h : holders) {
    if (h.pool == keep) continue;
    if (auto s = set_for(h.pool, key).delete_object(bucket, key); !s) {
      // Reads take the newest copy, and a decommission removes what is left.
      spdlog::warn("{}/{}: the older copy in pool {} was not removed: {}", bucket, key,
                   h.pool + 1, s.error().text());
    }
  }
}

bool Pools::lacks_bucket(const Error& e, size_t p) const {
  return p > 0 && e.code == ErrorCode::kNoSuchBucket;
}

bool Pools::repair_bucket(ErasureSet& set, std::string_view bucket) {
  auto b = flat_[0]->head_bucket(bucket);
  if (!b) return false;
  auto made = set.make_bucket(bucket, BucketOptions{b->location});
  if (made || made.error().code == ErrorCode::kBucketAlreadyOwnedByYou) {
    spdlog::info("bucket {}: created on a set of a pool that lacked it", bucket);
    return true;
  }
  return false;
}

size_t Pools::sync_buckets() {
  size_t created = 0;
  for (auto* s : flat_) {
    auto r = s->make_bucket(kSystemBucket);
    if (r) ++created;
  }
  if (single()) return created;
  // The first pool may not answer yet (its nodes still opening their
  // drives): a set found lacking a bucket later gets it when a request
  // finds it missing (repair_bucket).
  auto buckets = flat_[0]->list_buckets();
  if (!buckets) return created;
  for (const auto& b : *buckets) {
    for (auto* s : flat_) {
      if (!s->head_bucket(b.name) && s->make_bucket(b.name, BucketOptions{b.location})) ++created;
    }
  }
  return created;
}

Result<MoveOutcome> Pools::move_object(std::string_view bucket, std::string_view key,
                                       size_t from, std::optional<size_t> to, uint64_t* bytes) {
  auto guard = pool_lock(bucket, key);
  if (!guard) return std::unexpected(guard.error());
  auto holders = locate(bucket, key);
  if (!holders) return std::unexpected(holders.error());
  auto source = std::find_if(holders->begin(), holders->end(),
                             [from](const Holder& h) { return h.pool == from; });
  if (source == holders->end()) return MoveOutcome::kGone;
  ErasureSet& from_set = set_for(from, key);
  if (source != holders->begin()) {
    if (auto s = from_set.delete_object(bucket, key); !s) return std::unexpected(s.error());
    return MoveOutcome::kStaleRemoved;
  }
  if (!to) to = choose_pool([from](size_t p) { return p != from; });
  if (!to) return fail(ErrorCode::kServiceUnavailable, "no other pool accepts objects");
  const ObjectInfo& info = source->info;
  auto reader = from_set.open_object(bucket, key);
  if (!reader) return std::unexpected(reader.error());
  ErasureSet& target = set_for(*to, key);
  PutOptions o;
  o.meta = info.meta;
  o.storage_class = info.storage_class == "STANDARD" ? "" : info.storage_class;
  o.size = static_cast<uint64_t>(info.size);
  o.preserve = PutOptions::Preserved{info.etag, info.mod_time_ns, info.version_id};
  auto inner = target.begin_put(bucket, key, std::move(o));
  if (!inner) return std::unexpected(inner.error());
  // Capacity only: the bucket's usage does not change.
  auto writer = capacity_writer(target, std::string(key), info.storage_class, std::move(*inner));
  if (auto s = writer->expect(static_cast<uint64_t>(info.size)); !s) {
    return std::unexpected(s.error());
  }
  constexpr size_t kChunk = 1 << 20;
  Buffer buffer(kChunk);
  while (true) {
    auto n = (*reader)->read(buffer.span(kChunk));
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    if (auto s = writer->write(buffer.span(*n)); !s) return std::unexpected(s.error());
  }
  PutFinal final;
  final.checksums = info.checksums;
  if (!guard->held()) return fail(ErrorCode::kLockLost);
  if (auto c = writer->commit(final); !c) return std::unexpected(c.error());
  if (auto s = from_set.delete_object(bucket, key); !s) return std::unexpected(s.error());
  if (bytes) *bytes = static_cast<uint64_t>(info.size);
  return MoveOutcome::kMoved;
}

// ---- Buckets

Status Pools::make_bucket(std::string_view bucket, const BucketOptions& options) {
  size_t exists = 0;
  for (auto* s : flat_) {
    auto r = s->make_bucket(bucket, options);
    if (!r) {
      if (r.error().code != ErrorCode::kBucketAlreadyOwnedByYou) return r;
      ++exists;
    }
  }
  if (exists == flat_.size()) return fail(ErrorCode::kBucketAlreadyOwnedByYou);
  quotas_.forget(bucket);
  configs_.forget(bucket);
  events_.bucket_changed(bucket);
  return {};
}

Result<BucketInfo> Pools::head_bucket(std::string_view bucket) {
  return flat_[0]->head_bucket(bucket);
}

Result<std::vector<BucketInfo>> Pools::list_buckets() {
  auto list = flat_[0]->list_buckets();
  if (list) std::erase_if(*list, [](const BucketInfo& b) { return b.name == kSystemBucket; });
  return list;
}

Status Pools::delete_bucket(std::string_view bucket) {
  if (auto b = head_bucket(bucket); !b) return std::unexpected(b.error());
  for (auto* s : flat_) {
    ListParams one;
    one.max_keys = 1;
    auto objects = s->list_objects(bucket, one);
    if (objects && !objects->objects.empty()) return fail(ErrorCode::kBucketNotEmpty);
    // Noncurrent versions and delete markers keep a bucket too.
    VersionListParams any;
    any.max_keys = 1;
    auto versions = s->list_versions(bucket, any);
    if (versions && !versions->versions.empty()) return fail(ErrorCode::kBucketNotEmpty);
  }
  for (auto* s : flat_) {
    auto r = s->delete_bucket(bucket);
    if (!r && r.error().code != ErrorCode::kNoSuchBucket) return r;
  }
  quotas_.forget(bucket);
  configs_.forget(bucket);
  events_.bucket_changed(bucket);
  return {};
}

// ---- Objects

Result<std::unique_ptr<ObjectWriter>> Pools::begin_put(std::string_view bucket,
                                                       std::string_view key, PutOptions options) {
  // Read before any byte is stored: a state that cannot be read fails the
  // write rather than risk dropping the version it replaces.
  if (!options.preserve) {
    // Versioning and object lock, read in one lookup.
    auto docs = configs_.get_all(bucket, {kVersioningConfig, kObjectLockConfig});
    if (!docs) return std::unexpected(docs.error());
    options.versioning = versioning_from((*docs)[0]);
    if (auto s = apply_lock_config((*docs)[1], options.meta); !s) {
      return std::unexpected(s.error());
    }
  }
  auto size = options.size;
  std::string storage_class = options.storage_class;
  if (single()) {
    ErasureSet& set = only_set_for(key);
    auto w = set.begin_put(bucket, key, std::move(options));
    if (!w) return w;
    return admitted(set, bucket, key, std::move(storage_class), size, std::move(*w));
  }
  auto holders = locate(bucket, key);
  if (!holders) return std::unexpected(holders.error());
  auto target = write_target(*holders, options.preconditions);
  if (!target) return std::unexpected(target.error());
  ErasureSet& set = set_for(*target, key);
  WritePreconditions pre = options.preconditions;
  auto w = set.begin_put(bucket, key, options);
  if (!w && lacks_bucket(w.error(), *target) && repair_bucket(set, bucket)) {
    w = set.begin_put(bucket, key, std::move(options));
  }
  if (!w) return w;
  auto admitted_writer = admitted(set, bucket, key, std::move(storage_class), size, std::move(*w));
  if (!admitted_writer) return admitted_writer;
  return std::make_unique<PoolWriter>(*this, std::string(bucket), std::string(key), *target,
                                      std::move(pre), std::move(*admitted_writer));
}

Result<ObjectInfo> Pools::head_object(std::string_view bucket, std::string_view key) {
  if (single()) return only_set_for(key).head_object(bucket, key);
  auto holders = locate(bucket, key);
  if (!holders) return std::unexpected(holders.error());
  if (holders->empty()) return fail(ErrorCode::kNoSuchKey);
  return std::move(holders->front().info);
}

Result<ObjectInfo> Pools::head_object_cached(std::string_view bucket, std::string_view key) {
  if (!single()) return fail(ErrorCode::kWouldBlock);
  return only_set_for(key).head_object_cached(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> Pools::open_object_cached(std::string_view bucket,
                                                                std::string_view key) {
  if (!single()) return fail(ErrorCode::kWouldBlock);
  return only_set_for(key).open_object_cached(bucket, key);
}

Result<std::unique_ptr<ObjectReader>> Pools::open_object(std::string_view bucket,
                                                         std::string_view key) {
  if (single()) return only_set_for(key).open_object(bucket, key);
  // The newest of the copies (usually the only one).
  std::unique_ptr<ObjectReader> best;
  for (size_t p = 0; p < pools_.size(); ++p) {
    auto r = set_for(p, key).open_object(bucket, key);
    if (!r) {
      if (r.error().code == ErrorCode::kNoSuchKey || lacks_bucket(r.error(), p)) continue;
      return r;
    }
    if (!best || (*r)->info().mod_time_ns > best->info().mod_time_ns) best = std::move(*r);
  }
  if (!best) return fail(ErrorCode::kNoSuchKey);
  return best;
}

Status Pools::delete_object(std::string_view bucket, std::string_view key,
                            const WritePreconditions& pre) {
  if (!single()) {
    auto guard = pool_lock(bucket, key);
    if (!guard) return std::unexpected(guard.error());
    auto holders = locate(bucket, key);
    if (!holders) return std::unexpected(holders.error());
    // Under the pool lock no copy can change: the newest one decides.
    if (auto s = check_write_preconditions(pre, holders->empty() ? nullptr : &holders->front().info);
        !s) {
      return s;
    }
    for (const auto& h : *holders) {
      if (auto s = set_for(h.pool, key).delete_object(bucket, key); !s) return s;
    }
    return {};
  }
  ErasureSet& set = only_set_for(key);
  auto s = set.delete_object(bucket, key, pre);
  if (!s && s.error().code == ErrorCode::kInsufficientWriteQuorum) {
    // Deletes need no room beyond a few bytes of log; drives that cannot
    // find even those are full past their reserve (from outside Silo).
    auto room = set.room(key, {}, 0, true);
    if (room.out_of_space()) {
      return fail(storage_full_error(room, std::nullopt, "record this delete"));
    }
  }
  return s;
}

Status Pools::apply_object_lock(std::string_view bucket, KeyValues& meta) {
  auto doc = configs_.get(bucket, kObjectLockConfig);
  if (!doc) return std::unexpected(doc.error());
  return apply_lock_config(*doc, meta);
}

Status Pools::apply_lock_config(const std::optional<std::string>& doc, KeyValues& meta) {
  std::optional<LockConfig> config;
  if (doc) config = decode_lock_config(*doc);
  if (!config) {
    if (has_lock(meta)) {
      return fail(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
    }
    return {};
  }
  apply_default_retention(meta, *config, now_ns());
  return {};
}

Result<Versioning> Pools::versioning(std::string_view bucket) {
  auto doc = configs_.get(bucket, kVersioningConfig);
  if (!doc) return std::unexpected(doc.error());
  return versioning_from(*doc);
}

Result<ObjectInfo> Pools::head_version(std::string_view bucket, std::string_view key,
                                       std::string_view version_id) {
  if (single()) return only_set_for(key).head_version(bucket, key, version_id);
  Result<ObjectInfo> found = fail(ErrorCode::kNoSuchVersion);
  for (size_t p = 0; p < pools_.size(); ++p) {
    auto r = set_for(p, key).head_version(bucket, key, version_id);
    if (r || (r.error().code != ErrorCode::kNoSuchVersion && !lacks_bucket(r.error(), p))) {
      return r;
    }
  }
  return found;
}

Result<std::unique_ptr<ObjectReader>> Pools::open_version(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view version_id) {
  if (single()) return only_set_for(key).open_version(bucket, key, version_id);
  for (size_t p = 0; p < pools_.size(); ++p) {
    auto r = set_for(p, key).open_version(bucket, key, version_id);
    if (r || (r.error().code != ErrorCode::kNoSuchVersion && !lacks_bucket(r.error(), p))) {
      return r;
    }
  }
  return fail(ErrorCode::kNoSuchVersion);
}

Result<DeleteResult> Pools::delete_versioned(std::string_view bucket, std::string_view key,
                                             const DeleteOptions& options) {
  DeleteOptions o = options;
  auto state = versioning(bucket);
  if (!state) return std::unexpected(state.error());
  o.versioning = *state;
  if (!o.version_id && o.versioning == Versioning::kUnversioned) {
    if (auto s = delete_object(bucket, key, o.preconditions); !s) return std::unexpected(s.error());
    return DeleteResult{};
  }
  if (single()) return only_set_for(key).delete_versioned(bucket, key, o);
  auto guard = pool_lock(bucket, key);
  if (!guard) return std::unexpected(guard.error());
  if (o.version_id) {
    // The version lives in one pool; removing it where it is not is a no-op.
    std::optional<DeleteResult> result;
    for (size_t p = 0; p < pools_.size(); ++p) {
      auto r = set_for(p, key).delete_versioned(bucket, key, o);
      if (!r) {
        if (lacks_bucket(r.error(), p)) continue;
        return r;
      }
      if (!result || r->delete_marker) result = *r;
    }
    return *result;
  }
  auto holders = locate(bucket, key);
  if (!holders) return std::unexpected(holders.error());
  size_t pool = 0;
  if (!holders->empty()) {
    pool = holders->front().pool;
  } else if (auto p = choose_pool()) {
    pool = *p;
  }
  return set_for(pool, key).delete_versioned(bucket, key, o);
}

Result<VersionListing> Pools::list_versions(std::string_view bucket,
                                            const VersionListParams& params) {
  if (flat_.size() == 1) return flat_[0]->list_versions(bucket, params);
  // As list_objects: each set lists up to max_keys entries and the first
  // max_keys of their union, in (key, newest first) order, are the answer.
  struct Entry {
    std::string key, token;
    std::optional<ObjectInfo> version;  // nullopt: a common prefix
  };
  std::vector<Entry> all;
  bool any_truncated = false;
  for (size_t i = 0; i < flat_.size(); ++i) {
    auto r = flat_[i]->list_versions(bucket, params);
    if (!r && i >= pools_[0].sets.size() && r.error().code == ErrorCode::kNoSuchBucket) continue;
    if (!r) return r;
    any_truncated = any_truncated || r->truncated;
    for (auto& v : r->versions) {
      storage::ObjectRecord probe;
      probe.version_id = v.version_id;
      probe.mod_time_ns = v.mod_time_ns;
      std::string token = storage::version_token(probe);
      std::string k = v.key;
      all.push_back(Entry{std::move(k), std::move(token), std::move(v)});
    }
    for (auto& cp : r->common_prefixes) all.push_back(Entry{cp, {}, std::nullopt});
  }
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : a.token < b.token;
  });
  VersionListing out;
  size_t count = 0;
  std::string last_prefix;
  for (auto& e : all) {
    if (!e.version) {
      if (e.key == last_prefix) continue;  // the same prefix from several sets
      last_prefix = e.key;
    }
    if (count == params.max_keys) {
      out.truncated = true;
      break;
    }
    out.next_key_marker = e.key;
    if (e.version) {
      out.next_version_marker = e.version->version_id.empty() ? "null" : e.version->version_id;
      out.versions.push_back(std::move(*e.version));
    } else {
      out.next_version_marker.clear();
      out.common_prefixes.push_back(e.key);
    }
    ++count;
  }
  out.truncated = out.truncated || (any_truncated && count == params.max_keys);
  if (!out.truncated) {
    out.next_key_marker.clear();
    out.next_version_marker.clear();
  }
  return out;
}

Result<ObjectInfo> Pools::update_object_meta(std::string_view bucket, std::string_view key,
                                             const MetaEdit& edit,
                                             const std::string* version_id) {
  if (single()) return only_set_for(key).update_object_meta(bucket, key, edit, version_id);
  // Under the pool lock, so a move between pools cannot copy the old metadata.
  auto guard = pool_lock(bucket, key);
  if (!guard) return std::unexpected(guard.error());
  if (version_id) {
    for (size_t p = 0; p < pools_.size(); ++p) {
      auto r = set_for(p, key).update_object_meta(bucket, key, edit, version_id);
      if (r || (r.error().code != ErrorCode::kNoSuchVersion && !lacks_bucket(r.error(), p))) {
        return r;
      }
    }
    return fail(ErrorCode::kNoSuchVersion);
  }
  auto holders = locate(bucket, key);
  if (!holders) return std::unexpected(holders.error());
  if (holders->empty()) return fail(ErrorCode::kNoSuchKey);
  return set_for(holders->front().pool, key).update_object_meta(bucket, key, edit);
}

Result<ListResult> Pools::list_objects(std::string_view bucket, const ListParams& params) {
  if (flat_.size() == 1) return flat_[0]->list_objects(bucket, params);
  // Each set lists up to max_keys entries; the first max_keys of their union
  // are the first max_keys overall. A key in two pools (while it moves) is
  // listed once, as its newest copy.
  std::map<std::string, std::optional<ObjectInfo>> merged;  // key or common prefix
  bool any_truncated = false;
  for (size_t i = 0; i < flat_.size(); ++i) {
    auto* s = flat_[i];
    auto r = s->list_objects(bucket, params);
    if (!r && i >= pools_[0].sets.size() && r.error().code == ErrorCode::kNoSuchBucket &&
        repair_bucket(*s, bucket)) {
      continue;  // a pool that lacked the bucket holds none of its objects
    }
    if (!r) return r;
    any_truncated = any_truncated || r->truncated;
    for (auto& o : r->objects) {
      auto [it, added] = merged.emplace(o.key, std::nullopt);
      if (added || (it->second && it->second->mod_time_ns < o.mod_time_ns)) {
        it->second = std::move(o);
      }
    }
    for (auto& p : r->common_prefixes) merged.emplace(p, std::nullopt);
  }
  ListResult out;
  size_t count = 0;
  for (auto& [name, object] : merged) {
    if (count == params.max_keys) {
      out.truncated = true;
      break;
    }
    if (object) out.objects.push_back(std::move(*object));
    else out.common_prefixes.push_back(name);
    out.next_marker = name;
    ++count;
  }
  out.truncated = out.truncated || (any_truncated && count == params.max_keys);
  if (!out.truncated) out.next_marker.clear();
  return out;
}

// ---- Multipart uploads: an upload lives in the pool chosen when it began.

Result<size_t> Pools::upload_pool(std::string_view bucket, std::string_view key,
                                  std::string_view upload_id) {
  if (single()) return 0;
  Result<size_t> found = fail(ErrorCode::kNoSuchUpload);
  for (size_t p = 0; p < pools_.size(); ++p) {
    auto u = set_for(p, key).get_upload(bucket, key, upload_id);
    if (u) return p;
    if (u.error().code != ErrorCode::kNoSuchUpload && !lacks_bucket(u.error(), p)) {
      found = std::unexpected(u.error());
    }
  }
  return found;
}

Result<UploadInfo> Pools::create_upload(std::string_view bucket, std::string_view key,
                                        PutOptions options, std::string checksum_algorithm,
                                        std::string checksum_type) {
  if (auto s = apply_object_lock(bucket, options.meta); !s) return std::unexpected(s.error());
  size_t pool = 0;
  if (!single()) {
    // Where the object is now, if that pool still takes objects.
    auto holders = locate(bucket, key);
    if (!holders) return std::unexpected(holders.error());
    auto target = write_target(*holders, WritePreconditions{});
    if (!target) return std::unexpected(target.error());
    pool = *target;
  }
  ErasureSet& set = set_for(pool, key);
  auto u = set.create_upload(bucket, key, options, checksum_algorithm, checksum_type);
  if (!u && lacks_bucket(u.error(), pool) && repair_bucket(set, bucket)) {
    u = set.create_upload(bucket, key, std::move(options), std::move(checksum_algorithm),
                          std::move(checksum_type));
  }
  return u;
}

Result<UploadInfo> Pools::get_upload(std::string_view bucket, std::string_view key,
                                     std::string_view upload_id) {
  auto p = upload_pool(bucket, key, upload_id);
  if (!p) return std::unexpected(p.error());
  return set_for(*p, key).get_upload(bucket, key, upload_id);
}

Result<std::unique_ptr<ObjectWriter>> Pools::begin_part(std::string_view bucket,
                                                        std::string_view key,
                                                        std::string_view upload_id,
                                                        uint32_t part_number) {
  auto p = upload_pool(bucket, key, upload_id);
  if (!p) return std::unexpected(p.error());
  ErasureSet& set = set_for(*p, key);
  auto w = set.begin_part(bucket, key, upload_id, part_number);
  if (!w) return w;
  return admitted(set, bucket, key, {}, std::nullopt, std::move(*w));
}

Result<PartListing> Pools::list_parts(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id, uint32_t marker,
                                      size_t max_parts) {
  auto p = upload_pool(bucket, key, upload_id);
  if (!p) return std::unexpected(p.error());
  return set_for(*p, key).list_parts(bucket, key, upload_id, marker, max_parts);
}

Result<ObjectInfo> Pools::complete_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id,
                                          const std::vector<CompletePart>& parts,
                                          const CompleteOptions& options) {
  auto pool = upload_pool(bucket, key, upload_id);
  if (!pool) return std::unexpected(pool.error());
  ErasureSet& set = set_for(*pool, key);
  LockGuard guard;
  std::vector<Holder> holders;
  CompleteOptions checked = options;
  auto state = versioning(bucket);
  if (!state) return std::unexpected(state.error());
  checked.versioning = *state;
  if (!single()) {
    auto g = pool_lock(bucket, key);
    if (!g) return std::unexpected(g.error());
    guard = std::move(*g);
    auto h = locate(bucket, key);
    if (!h) return std::unexpected(h.error());
    holders = std::move(*h);
    auto pre = preconditions_in(holders, *pool, options.preconditions);
    if (!pre) return std::unexpected(pre.error());
    checked.preconditions = std::move(*pre);
  }
  auto finish = [&]() -> Result<ObjectInfo> {
    auto quota = quotas_.quota(bucket);
    if (!quota) return std::unexpected(quota.error());
    if (!*quota) return set.complete_upload(bucket, key, upload_id, parts, checked);
    // The parts were admitted one by one; the object they make must fit too.
    auto stored = set.list_parts(bucket, key, upload_id, 0, 10000);
    if (!stored) return std::unexpected(stored.error());
    uint64_t size = 0;
    for (const auto& want : parts) {
      for (const auto& p : stored->parts) {
        if (p.number == want.number) size += static_cast<uint64_t>(p.size);
      }
    }
    if (auto s = quotas_.claim(bucket, **quota, size); !s) return std::unexpected(s.error());
    auto r = set.complete_upload(bucket, key, upload_id, parts, checked);
    quotas_.release(bucket, size);
    return r;
  };
  auto r = finish();
  if (r && !single()) remove_other_copies(bucket, key, holders, *pool);
  return r;
}

Status Pools::abort_upload(std::string_view bucket, std::string_view key,
                           std::string_view upload_id) {
  auto p = upload_pool(bucket, key, upload_id);
  if (!p) return std::unexpected(p.error());
  return set_for(*p, key).abort_upload(bucket, key, upload_id);
}

Result<UploadListing> Pools::list_uploads(std::string_view bucket,
                                          const UploadListParams& params) {
  if (flat_.size() == 1) return flat_[0]->list_uploads(bucket, params);
  std::map<std::string, std::optional<UploadInfo>> merged;
  bool any_truncated = false;
  for (size_t i = 0; i < flat_.size(); ++i) {
    auto* s = flat_[i];
    auto r = s->list_uploads(bucket, params);
    if (!r && i >= pools_[0].sets.size() && r.error().code == ErrorCode::kNoSuchBucket &&
        repair_bucket(*s, bucket)) {
      continue;
    }
    if (!r) return r;
    any_truncated = any_truncated || r->truncated;
    for (auto& u : r->uploads) merged.emplace(u.key + std::string(1, '\0') + u.upload_id, std::move(u));
    for (auto& p : r->common_prefixes) merged.emplace(p, std::nullopt);
  }
  UploadListing out;
  size_t count = 0;
  for (auto& [name, upload] : merged) {
    if (count == params.max_uploads) {
      out.truncated = true;
      break;
    }
    if (upload) {
      out.next_key_marker = upload->key;
      out.next_upload_id_marker = upload->upload_id;
      out.uploads.push_back(std::move(*upload));
    } else {
      out.next_key_marker = name;
      out.next_upload_id_marker.clear();
      out.common_prefixes.push_back(name);
    }
    ++count;
  }
  out.truncated = out.truncated || (any_truncated && count == params.max_uploads);
  return out;
}

Result<size_t> Pools::cleanup_uploads(int64_t older_than_ns) {
  size_t total = 0;
  for (auto* s : flat_) {
    auto n = s->cleanup_uploads(older_than_ns);
    if (n) total += *n;
  }
  return total;
}

}  // namespace silo::object
