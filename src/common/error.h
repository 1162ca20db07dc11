// Errors are values. Every fallible call in Silo returns Result<T>; nothing
// throws across a module boundary. An Error carries the S3 error code it maps
// to, so the API layer turns any failure into the right status and XML body
// in one place (s3/errors.cpp) without knowing where it came from.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace silo {

// The S3 error codes Silo returns. Names match the <Code> element AWS sends.
enum class ErrorCode {
  kInternalError,
  kAccessDenied,
  kBadDigest,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kEntityTooLarge,
  kEntityTooSmall,
  kIncompleteBody,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidDigest,
  kInvalidPart,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidRequest,
  kInvalidStorageClass,
  kKeyTooLongError,
  kMalformedXML,
  kMetadataTooLarge,
  kMethodNotAllowed,
  kMissingContentLength,
  kMissingSecurityHeader,
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchUpload,
  kNotImplemented,
  kNotModified,
  kPreconditionFailed,
  kRequestTimeTooSkewed,
  kRequestTimeout,
  kSignatureDoesNotMatch,
  kSlowDown,
  kXAmzContentSHA256Mismatch,
  kAuthorizationHeaderMalformed,
  kAuthorizationQueryParametersError,
  kExpiredToken,
  kMaxMessageLengthExceeded,
  kRequestHeaderSectionTooLarge,
  kInvalidObjectName,
  kConditionalRequestConflict,
  kServiceUnavailable,
  kInvalidChunkSizeError,
  kMalformedTrailerError,
  kUnexpectedContent,
  kMissingRequestBodyError,
  kInvalidURI,
  kTooManyParts,
  kInvalidEncodingType,
  kInvalidLocationConstraint,
  kIllegalLocationConstraintException,
  kUnsupportedArgument,
  kNoSuchBucketPolicy,
  kNoSuchTagSet,
  kNoSuchCORSConfiguration,
  kNoSuchLifecycleConfiguration,
  kServerSideEncryptionConfigurationNotFoundError,
  kObjectLockConfigurationNotFoundError,
  kNoSuchObjectLockConfiguration,
  kInvalidPolicyDocument,
  kMalformedPOSTRequest,
  kIncorrectNumberOfFilesInPostRequest,
  kNoSuchWebsiteConfiguration,
  kReplicationConfigurationNotFoundError,
  kOwnershipControlsNotFoundError,
  kNoSuchPublicAccessBlockConfiguration,
  kInvalidBucketState,
  kBucketNameUnavailable,
  kInvalidPartNumber,
  kNoSuchVersion,
  kMalformedPolicy,
  kInvalidTag,
  kMalformedACLError,
  kAccessForbidden,  // a refused CORS preflight
  kInvalidRetentionPeriod,
  kUnresolvableGrantByEmailAddress,
  kAccessControlListNotSupported,
  kInvalidBucketAclWithObjectOwnership,
  // Temporary credentials (STS) and the admin API's IAM calls.
  kInvalidToken,
  kExpiredSessionToken,
  kInvalidParameterValue,
  kMalformedPolicyDocument,
  kInvalidAction,
  kNoSuchUser,
  kNoSuchGroup,
  kNoSuchPolicy,
  kNoSuchAccessKey,
  kGroupNotEmpty,
  kAccessKeyExists,
  // A write would leave a drive with less free space than its reserve (or
  // the filesystem said ENOSPC/EDQUOT): 507, never retried by SDKs. The
  // drive stays online and readable.
  kStorageFull,
  // A write would take a bucket past its quota: 400, never retried.
  kQuotaExceeded,
  // Silo-internal conditions that reach clients as 503 SlowDown.
  kDriveOffline,
  // A drive did not answer a call before its deadline (or the call started
  // after it); for quorum it counts as a failed drive.
  kDriveTimeout,
  kInsufficientReadQuorum,
  kInsufficientWriteQuorum,
  // A key's (or upload's) lock was not granted before its deadline: another
  // request holds it, or too few nodes answered (object/key_locks.h).
  kLockTimeout,
  // A distributed lock could no longer be confirmed on a quorum of nodes
  // before the change it guarded was written; nothing was written.
  kLockLost,
  // A memory-only lookup would have had to touch the disk; the caller retries
  // on a thread that may block. Never meant for clients.
  kWouldBlock,
};

// The <Code> string AWS uses for `code`.
std::string_view error_code_name(ErrorCode code);
// The HTTP status AWS returns with `code`.
int error_http_status(ErrorCode code);
// AWS's default human message for `code`.
std::string_view error_default_message(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternalError;
  std::string message;  // empty: the default message for `code`
  std::string resource; // optional: bucket or key the error concerns
  // The answer concerns a delete marker (a GET of a key whose current
  // version is one, or of a marker by its id): S3 names it in headers.
  bool delete_marker = false;
  std::string version_id;
  int64_t last_modified_ns = 0;  // the marker's time (Last-Modified)

  Error() = default;
  Error(ErrorCode c, std::string msg = {}) : code(c), message(std::move(msg)) {}

  std::string_view text() const {
    return message.empty() ? error_default_message(code) : std::string_view(message);
  }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string msg = {}) {
  return std::unexpected<Error>(Error(code, std::move(msg)));
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace silo
