#include "object/quota.h"

#include <algorithm>

#include "common/units.h"

namespace silo::object {

namespace {

// How long a quota read from the bucket records is trusted.
constexpr auto kQuotaTtl = std::chrono::seconds(5);
// Writes of unknown size claim their bytes in steps of this much.
constexpr uint64_t kClaimStep = 8 << 20;

}  // namespace

Error quota_exceeded_error(std::string_view bucket, uint64_t quota, uint64_t used,
                           uint64_t wanted) {
  uint64_t left = used < quota ? quota - used : 0;
  return Error(ErrorCode::kQuotaExceeded,
               "Bucket " + std::string(bucket) + " has a quota of " + format_size(quota) + ": " +
                   format_size(used) + " used or being written, " + format_size(left) +
                   " left, and this write needs " + format_size(wanted) +
                   ". Delete objects or raise the quota (silo quota set), then retry.");
}

BucketQuotas::BucketQuotas(std::vector<ErasureSet*> sets) : sets_(std::move(sets)) {}

Result<std::optional<uint64_t>> BucketQuotas::quota(std::string_view bucket) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(bucket);
    if (it != entries_.end() && now - it->second.read_at < kQuotaTtl) return it->second.quota;
  }
  auto quota = sets_.front()->bucket_quota(bucket);
  if (!quota) return quota;
  std::lock_guard lock(mu_);
  auto& e = entries_[std::string(bucket)];
  e.quota = *quota;
  e.read_at = now;
  return quota;
}

Status BucketQuotas::set_quota(std::string_view bucket, std::optional<uint64_t> bytes) {
  for (ErasureSet* set : sets_) {
    if (auto s = set->set_bucket_quota(bucket, bytes); !s) return s;
  }
  std::lock_guard lock(mu_);
  auto& e = entries_[std::string(bucket)];
  e.quota = bytes;
  e.read_at = std::chrono::steady_clock::now();
  return {};
}

Result<storage::BucketUsage> BucketQuotas::usage(std::string_view bucket) {
  storage::BucketUsage total;
  for (ErasureSet* set : sets_) {
    auto u = set->bucket_usage(bucket);
    if (!u) return std::unexpected(u.error());
    total.objects += u->objects;
    total.bytes += u->bytes;
  }
  return total;
}

Status BucketQuotas::claim(std::string_view bucket, uint64_t quota, uint64_t bytes) {
  std::lock_guard serial(claim_mu_);
  uint64_t in_flight = 0;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(bucket);
    if (it != entries_.end()) in_flight = it->second.in_flight;
  }
  auto u = usage(bucket);
  if (!u) return std::unexpected(u.error());
  uint64_t used = static_cast<uint64_t>(std::max<int64_t>(u->bytes, 0)) + in_flight;
  if (used + bytes > quota) return fail(quota_exceeded_error(bucket, quota, used, bytes));
  std::lock_guard lock(mu_);
  entries_[std::string(bucket)].in_flight += bytes;
  return {};
}

void BucketQuotas::release(std::string_view bucket, uint64_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mu_);
  auto it = entries_.find(bucket);
  if (it != entries_.end()) it->second.in_flight -= std::min(it->second.in_flight, bytes);
}

void BucketQuotas::forget(std::string_view bucket) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(bucket);
  if (it != entries_.end()) it->second.read_at = {};
}

namespace {

class QuotaWriter final : public ObjectWriter {
 public:
  QuotaWriter(BucketQuotas& quotas, std::string bucket, uint64_t quota,
              std::unique_ptr<ObjectWriter> inner)
      : quotas_(quotas), bucket_(std::move(bucket)), quota_(quota), inner_(std::move(inner)) {}
  ~QuotaWriter() override { quotas_.release(bucket_, claimed_); }

  Status write(std::span<const uint8_t> data) override {
    uint64_t needed = inner_->bytes_written() + data.size();
    if (needed > claimed_) {
      uint64_t more = needed - claimed_;
      // Unannounced: claim ahead in steps, or just what is needed when a
      // step no longer fits.
      bool stepped = !announced_ && more < kClaimStep && claim(kClaimStep).has_value();
      if (!stepped) {
        if (auto s = claim(more); !s) return s;
      }
    }
    return inner_->write(data);
  }
  Result<ObjectInfo> commit(const PutFinal& final) override {
    auto r = inner_->commit(final);
    // Committed, the object is in the counters; abandoned, it never will be.
    quotas_.release(bucket_, claimed_);
    claimed_ = 0;
    return r;
  }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }
  std::string md5_hex() override { return inner_->md5_hex(); }
  Status expect(uint64_t size) override {
    announced_ = true;
    if (size > claimed_) {
      if (auto s = claim(size - claimed_); !s) return s;
    }
    return inner_->expect(size);
  }

 private:
  Status claim(uint64_t bytes) {
    if (auto s = quotas_.claim(bucket_, quota_, bytes); !s) return s;
    claimed_ += bytes;
    return {};
  }

  BucketQuotas& quotas_;
  std::string bucket_;
  uint64_t quota_;
  std::unique_ptr<ObjectWriter> inner_;
  uint64_t claimed_ = 0;
  bool announced_ = false;
};

}  // namespace

std::unique_ptr<ObjectWriter> quota_writer(BucketQuotas& quotas, std::string bucket,
                                           uint64_t quota, std::unique_ptr<ObjectWriter> inner) {
  return std::make_unique<QuotaWriter>(quotas, std::move(bucket), quota, std::move(inner));
}

}  // namespace silo::object
