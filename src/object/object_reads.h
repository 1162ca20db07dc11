// ObjectReads: the read path of one erasure set. It reads the records of a
// key from every drive, chooses the version quorum agrees on (quorum.h) and
// opens a reader that decodes it stripe by stripe (shard_set.h), reading
// the first stripe before it returns, so an unreadable object fails with a
// status rather than a cut stream. Anything damaged it meets (a drive
// without the record, a drive that errors, a bad block, a remnant on a
// minority of drives) is reported to the healer.
// Thread-safe; every method may block on disk except the *_cached ones.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "object/object_layer.h"
#include "object/set_context.h"

namespace silo::object {

class ObjectReads {
 public:
  explicit ObjectReads(SetContext& set) : set_(set) {}

  // The records of bucket/key on every drive (errors per drive), from
  // memory where a drive has them and from disk, in parallel, elsewhere; a
  // drive that does not answer within the drive timeout gives kDriveTimeout.
  std::vector<Result<storage::ObjectRecord>> read_all(std::string_view bucket,
                                                      std::string_view key, bool with_data);
  // The same from memory only, on this thread; nullopt when any drive would
  // need its disk.
  std::optional<std::vector<Result<storage::ObjectRecord>>> read_all_cached(
      std::string_view bucket, std::string_view key, bool with_data);

  // The records of version `version_id` of bucket/key on every drive.
  std::vector<Result<storage::ObjectRecord>> read_version_all(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view version_id,
                                                              bool with_data);

  // head and open fail with NoSuchKey (Error::delete_marker) when the
  // current version is a delete marker; the *_version forms with
  // MethodNotAllowed when the version asked for is one.
  Result<ObjectInfo> head(std::string_view bucket, std::string_view key);
  Result<ObjectInfo> head_version(std::string_view bucket, std::string_view key,
                                  std::string_view version_id);
  Result<std::unique_ptr<ObjectReader>> open_version(std::string_view bucket,
                                                     std::string_view key,
                                                     std::string_view version_id);
  Result<std::unique_ptr<ObjectReader>> open(std::string_view bucket, std::string_view key);
  // From memory only (see ObjectLayer): kWouldBlock for anything but a
  // clear answer, and for objects whose data is not inline.
  Result<ObjectInfo> head_cached(std::string_view bucket, std::string_view key);
  Result<std::unique_ptr<ObjectReader>> open_cached(std::string_view bucket,
                                                    std::string_view key);

 private:
  // A reader of the version records[q] holds, told which drives agree, with
  // a read lease on its data on each of them (storage::DataLease). With
  // `must_lease`, fails with kNoSuchKey when fewer than k drives still have
  // that data (the version was replaced since the records were read).
  Result<std::unique_ptr<ObjectReader>> reader_for(
      std::string_view bucket, std::string_view key,
      std::vector<Result<storage::ObjectRecord>>& records, size_t q, bool must_lease);
  // The error for a key no version of which reached its read quorum.
  Error no_quorum(std::string_view bucket, std::string_view key,
                  const std::vector<Result<storage::ObjectRecord>>& records);

  SetContext& set_;
};

}  // namespace silo::object
