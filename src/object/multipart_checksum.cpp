#include "object/multipart_checksum.h"

#include <utility>

#include "common/checksum.h"
#include "common/hash.h"
#include "common/strings.h"

namespace silo::object {

namespace {

std::string_view find_value(const storage::KeyValues& kv, std::string_view name) {
  for (const auto& [k, v] : kv) {
    if (k == name) return v;
  }
  return {};
}

// CRC64NVME uploads are always FULL_OBJECT; the others default to COMPOSITE.
std::string_view default_type(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::kCrc64Nvme ? "FULL_OBJECT" : "COMPOSITE";
}

// Whether `asserted` (a header value) states `stored` (a computed value).
// A composite value may be sent without its "-<parts>" suffix, as minio-go
// does.
bool states(std::string_view asserted, std::string_view stored) {
  if (asserted == stored) return true;
  auto dash = stored.rfind('-');
  return dash != std::string_view::npos && asserted == stored.substr(0, dash);
}

}  // namespace

Result<storage::KeyValues> multipart_object_checksum(std::string_view algorithm,
                                                     std::string_view type,
                                                     const std::vector<storage::PartInfo>& parts) {
  storage::KeyValues out;
  if (algorithm.empty()) return out;
  auto algo = parse_checksum_algorithm(algorithm);
  if (!algo) return out;
  std::string name(checksum_name(*algo));
  std::vector<std::string> raws;
  std::vector<std::pair<std::string, uint64_t>> sized;
  for (const auto& p : parts) {
    auto value = find_value(p.checksums, name);
    auto raw = decode_checksum_base64(*algo, value);
    if (value.empty() || !raw) {
      return fail(ErrorCode::kInvalidPart,
                  "Part " + std::to_string(p.number) + " was uploaded without a " + name +
                      " checksum. Upload it again with x-amz-checksum-" + to_lower(name) + ".");
    }
    sized.emplace_back(*raw, static_cast<uint64_t>(p.size));
    raws.push_back(std::move(*raw));
  }
  std::string_view effective = type.empty() ? default_type(*algo) : type;
  if (effective == "FULL_OBJECT") {
    auto full = full_object_crc_raw(*algo, sized);
    if (!full) {
      return fail(ErrorCode::kInvalidRequest, "The FULL_OBJECT checksum type cannot be used with the " + name + " checksum algorithm.");
    }
    out.emplace_back(name, base64_encode(*full));
  } else {
    out.emplace_back(name, composite_checksum_base64(*algo, raws));
  }
  out.emplace_back("type", std::string(effective));
  return out;
}

Result<storage::KeyValues> complete_checksums(const storage::UploadRecord& upload,
                                              const std::vector<storage::PartInfo>& parts,
                                              const CompleteChecksum& asserted) {
  const std::string& mode = upload.checksum_type;
  if (!asserted.type.empty()) {
    if (upload.checksum_algorithm.empty()) {
      return fail(ErrorCode::kInvalidRequest,
                  "The upload was not created with a checksum mode. The complete request must "
                  "not include a x-amz-checksum-type header.");
    }
    if (asserted.type != mode) {
      return fail(ErrorCode::kInvalidRequest,
                  "The upload was created using the " + mode +
                      " checksum mode. The complete request must use the same checksum mode.");
    }
  }
  auto computed = multipart_object_checksum(upload.checksum_algorithm, mode, parts);
  if (!computed) return computed;
  if (asserted.algorithm.empty()) return computed;

  auto algo = parse_checksum_algorithm(asserted.algorithm);
  if (!algo) {
    return fail(ErrorCode::kInvalidRequest,
                "The algorithm type you specified in x-amz-checksum- header is invalid.");
  }
  std::string name(checksum_name(*algo));
  std::string header = "x-amz-checksum-" + to_lower(name);
  std::string_view digest = asserted.value;
  if (auto dash = digest.rfind('-'); dash != std::string_view::npos) digest = digest.substr(0, dash);
  if (!decode_checksum_base64(*algo, digest)) {
    return fail(ErrorCode::kInvalidRequest, "Value for " + header + " header is invalid.");
  }
  auto mismatch = [&] {
    return fail(ErrorCode::kBadDigest,
                "The " + name + " you specified did not match the calculated checksum.");
  };
  if (!upload.checksum_algorithm.empty()) {
    if (upload.checksum_algorithm != name) {
      return fail(ErrorCode::kInvalidRequest,
                  "The upload was created using the " + upload.checksum_algorithm +
                      " checksum algorithm. The complete request must use the same algorithm, "
                      "not " + name + ".");
    }
    if (!states(asserted.value, find_value(*computed, name))) return mismatch();
    return computed;
  }
  // No algorithm at creation: verify against the parts' own checksums, if
  // they all carry this algorithm, in either form the client may mean.
  for (const auto& p : parts) {
    if (find_value(p.checksums, name).empty()) {
      return fail(ErrorCode::kInvalidRequest,
                  "The upload was not created with a checksum algorithm and part " +
                      std::to_string(p.number) + " carries no " + name + " checksum, so " +
                      header + " cannot be verified. Create the upload with "
                      "x-amz-checksum-algorithm: " + name + ".");
    }
  }
  std::vector<std::string_view> types{default_type(*algo)};
  if (checksum_is_crc(*algo) && *algo != ChecksumAlgorithm::kCrc64Nvme) types.push_back("FULL_OBJECT");
  for (auto type : types) {
    auto candidate = multipart_object_checksum(name, type, parts);
    if (!candidate) return candidate;
    if (states(asserted.value, find_value(*candidate, name))) return candidate;
  }
  return mismatch();
}

}  // namespace silo::object
