// The additional checksum (x-amz-checksum-*) of a multipart object, by AWS's
// rules. An upload created with an algorithm records each part's checksum;
// completion derives the object's checksum from them without reading data
// again:
// - COMPOSITE (CRC32, CRC32C, SHA1, SHA256): the checksum of the concatenated
//   raw part checksums, reported as "<base64>-<parts>";
// - FULL_OBJECT (CRC32, CRC32C, CRC64NVME): the CRC of the whole object,
//   combined arithmetically from the part CRCs and sizes.
// CompleteMultipartUpload's own x-amz-checksum-<algo> header asserts that
// value (with or without the "-N" suffix for COMPOSITE); a mismatch is
// BadDigest and nothing is committed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "storage/record.h"

namespace silo::object {

// What a CompleteMultipartUpload request says about the object's checksum.
struct CompleteChecksum {
  std::string algorithm;  // "CRC32C", ...: from x-amz-checksum-<algo>; empty: none sent
  std::string value;      // that header's value, as sent
  std::string type;       // x-amz-checksum-type, as sent; empty: none sent
};

// The object's checksums ({"CRC32C", value}, {"type", "COMPOSITE"}) for an
// upload created with `algorithm` and `type` ("COMPOSITE"/"FULL_OBJECT");
// empty when the upload has no algorithm. InvalidPart when a part lacks its
// checksum.
Result<storage::KeyValues> multipart_object_checksum(std::string_view algorithm,
                                                     std::string_view type,
                                                     const std::vector<storage::PartInfo>& parts);

// Checks Complete's checksum headers against the upload and its parts, and
// returns the checksums to store with the object. An upload created without
// an algorithm still accepts a checksum header when every part carries that
// algorithm's checksum (the object then keeps it); otherwise the header
// cannot be verified and the request is refused with InvalidRequest.
Result<storage::KeyValues> complete_checksums(const storage::UploadRecord& upload,
                                              const std::vector<storage::PartInfo>& parts,
                                              const CompleteChecksum& asserted);

}  // namespace silo::object
