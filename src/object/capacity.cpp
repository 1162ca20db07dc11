#include "object/capacity.h"

#include <algorithm>

#include "common/units.h"
#include "erasure/bitrot.h"
#include "object/erasure_set.h"
#include "object/placement.h"
#include "object/quorum.h"

namespace silo::object {

uint64_t bytes_per_drive(uint64_t size, uint32_t k, uint32_t block_size) {
  if (k == 0) return size;
  return erasure::framed_size(shard_file_size(size, block_size, k),
                              shard_block_size(block_size, k));
}

SetRoom set_room(const SetContext& set, std::string_view key, std::string_view storage_class,
                 std::optional<uint64_t> size, bool refresh) {
  auto layout = layout_for(set, key, storage_class);
  SetRoom room;
  room.needed = write_quorum(layout);
  room.per_drive = size ? bytes_per_drive(*size, layout.data_blocks, layout.block_size) : 0;
  room.least_free = UINT64_MAX;
  Deadline deadline = set.deadline();
  for (size_t j = 0; j < set.size(); ++j) {
    storage::Drive& drive = set.drive(j);
    if (!drive.online()) continue;
    ++room.online;
    auto d = drive.disk_info(deadline, refresh);
    if (!d) {
      // A drive that cannot tell now (a remote one that answered late) gets
      // its shard and refuses it itself if it must: a late answer is no
      // reason to call the set full.
      ++room.writable;
      continue;
    }
    // Of unknown size, a write needs more than the last bytes above the
    // reserve: a full drive (within a MiB of it) refuses it, as it does.
    if (size ? d->room_for(room.per_drive) : !d->full()) {
      ++room.writable;
      room.least_free = std::min(room.least_free, d->free - d->reserve - room.per_drive);
    } else {
      room.full.emplace_back(drive.endpoint(), *d);
    }
  }
  if (room.least_free == UINT64_MAX) room.least_free = 0;
  return room;
}

Error storage_full_error(const SetRoom& room, std::optional<uint64_t> size,
                         std::string_view action) {
  std::string text = "Not enough free space to " + std::string(action);
  if (size) text += " (" + format_size(*size) + ")";
  text += ": ";
  constexpr size_t kNamed = 4;
  for (size_t i = 0; i < room.full.size() && i < kNamed; ++i) {
    const auto& [where, d] = room.full[i];
    if (i > 0) text += "; ";
    text += "drive " + where + " has " + format_size(d.free) + " free of " +
            format_size(d.total) +
            (!d.full() ? ", with a reserve of "
                       : d.free < d.reserve ? ", below its reserve of " : ", at its reserve of ") +
            format_size(d.reserve);
  }
  if (room.full.size() > kNamed) {
    text += "; and " + std::to_string(room.full.size() - kNamed) + " more drives";
  }
  text += ". " + std::to_string(room.writable) + " of the " + std::to_string(room.needed) +
          " drives a write needs have room. Delete objects or add capacity: writes resume by "
          "themselves once space is free (the reserve is set with silo server --min-free).";
  return Error(ErrorCode::kStorageFull, std::move(text));
}

namespace {

class CapacityWriter final : public ObjectWriter {
 public:
  CapacityWriter(ErasureSet& set, std::string key, std::string storage_class,
                 std::unique_ptr<ObjectWriter> inner)
      : set_(set), key_(std::move(key)), storage_class_(std::move(storage_class)),
        inner_(std::move(inner)) {}

  Status write(std::span<const uint8_t> data) override {
    auto s = inner_->write(data);
    if (!s) return fail(explain(s.error()));
    return s;
  }
  Result<ObjectInfo> commit(const PutFinal& final) override {
    auto r = inner_->commit(final);
    if (!r) return fail(explain(r.error()));
    return r;
  }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }
  std::string md5_hex() override { return inner_->md5_hex(); }
  Status expect(uint64_t size) override {
    expected_ = size;
    auto room = set_.room(key_, storage_class_, size, false);
    if (room.out_of_space()) return fail(storage_full_error(room, size));
    return inner_->expect(size);
  }

 private:
  // A quorum lost while drives refused to enter their reserve is a full
  // set, not an offline one.
  Error explain(Error e) {
    if (e.code != ErrorCode::kInsufficientWriteQuorum && e.code != ErrorCode::kStorageFull) {
      return e;
    }
    // The rest of the write, at least: what a drive refused to take.
    uint64_t rest = expected_ ? *expected_ : bytes_written() + (1 << 20);
    auto room = set_.room(key_, storage_class_, rest, true);
    if (!room.out_of_space()) return e;
    return storage_full_error(room, expected_);
  }

  ErasureSet& set_;
  std::string key_, storage_class_;
  std::unique_ptr<ObjectWriter> inner_;
  std::optional<uint64_t> expected_;
};

}  // namespace

std::unique_ptr<ObjectWriter> capacity_writer(ErasureSet& set, std::string key,
                                              std::string storage_class,
                                              std::unique_ptr<ObjectWriter> inner) {
  return std::make_unique<CapacityWriter>(set, std::move(key), std::move(storage_class),
                                          std::move(inner));
}

}  // namespace silo::object
