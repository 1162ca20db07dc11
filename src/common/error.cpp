#include "common/error.h"

namespace silo {
namespace {

struct ErrorInfo {
  std::string_view name;
  int status;
  std::string_view message;
};

ErrorInfo info(ErrorCode code) {
  using E = ErrorCode;
  switch (code) {
    case E::kInternalError:
      return {"InternalError", 500, "We encountered an internal error. Please try again."};
    case E::kAccessDenied:
      return {"AccessDenied", 403, "Access Denied"};
    case E::kBadDigest:
      return {"BadDigest", 400, "The Content-MD5 or checksum you specified did not match what we received."};
    case E::kBucketAlreadyExists:
      return {"BucketAlreadyExists", 409,
              "The requested bucket name is not available. The bucket namespace is shared by all "
              "users of the system. Please select a different name and try again."};
    case E::kBucketAlreadyOwnedByYou:
      return {"BucketAlreadyOwnedByYou", 409,
              "Your previous request to create the named bucket succeeded and you already own it."};
    case E::kBucketNotEmpty:
      return {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"};
    case E::kEntityTooLarge:
      return {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size."};
    case E::kEntityTooSmall:
      return {"EntityTooSmall", 400,
              "Your proposed upload is smaller than the minimum allowed object size."};
    case E::kIncompleteBody:
      return {"IncompleteBody", 400,
              "You did not provide the number of bytes specified by the Content-Length HTTP header"};
    case E::kInvalidAccessKeyId:
      return {"InvalidAccessKeyId", 403,
              "The AWS Access Key Id you provided does not exist in our records."};
    case E::kInvalidArgument:
      return {"InvalidArgument", 400, "Invalid Argument"};
    case E::kInvalidBucketName:
      return {"InvalidBucketName", 400, "The specified bucket is not valid."};
    case E::kInvalidDigest:
      return {"InvalidDigest", 400, "The Content-MD5 you specified is not valid."};
    case E::kInvalidPart:
      return {"InvalidPart", 400,
              "One or more of the specified parts could not be found.  The part may not have been "
              "uploaded, or the specified entity tag may not match the part's entity tag."};
    case E::kInvalidPartOrder:
      return {"InvalidPartOrder", 400,
              "The list of parts was not in ascending order. The parts list must be specified in "
              "order by part number."};
    case E::kInvalidRange:
      return {"InvalidRange", 416, "The requested range is not satisfiable"};
    case E::kInvalidRequest:
      return {"InvalidRequest", 400, "Invalid Request"};
    case E::kInvalidStorageClass:
      return {"InvalidStorageClass", 400, "The storage class you specified is not valid"};
    case E::kKeyTooLongError:
      return {"KeyTooLongError", 400, "Your key is too long"};
    case E::kMalformedXML:
      return {"MalformedXML", 400,
              "The XML you provided was not well-formed or did not validate against our published "
              "schema."};
    case E::kMetadataTooLarge:
      return {"MetadataTooLarge", 400,
              "Your metadata headers exceed the maximum allowed metadata size."};
    case E::kMethodNotAllowed:
      return {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."};
    case E::kMissingContentLength:
      return {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."};
    case E::kMissingSecurityHeader:
      return {"MissingSecurityHeader", 400, "Your request was missing a required header"};
    case E::kNoSuchBucket:
      return {"NoSuchBucket", 404, "The specified bucket does not exist"};
    case E::kNoSuchKey:
      return {"NoSuchKey", 404, "The specified key does not exist."};
    case E::kNoSuchUpload:
      return {"NoSuchUpload", 404,
              "The specified multipart upload does not exist. The upload ID may be invalid, or the "
              "upload may have been aborted or completed."};
    case E::kNotImplemented:
      return {"NotImplemented", 501,
              "A header you provided implies functionality that is not implemented"};
    case E::kNotModified:
      return {"NotModified", 304, "Not Modified"};
    case E::kPreconditionFailed:
      return {"PreconditionFailed", 412,
              "At least one of the pre-conditions you specified did not hold"};
    case E::kRequestTimeTooSkewed:
      return {"RequestTimeTooSkewed", 403,
              "The difference between the request time and the server's time is too large."};
    case E::kRequestTimeout:
      return {"RequestTimeout", 400,
              "Your socket connection to the server was not read from or written to within the "
              "timeout period."};
    case E::kSignatureDoesNotMatch:
      return {"SignatureDoesNotMatch", 403,
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method."};
    case E::kSlowDown:
      return {"SlowDown", 503, "Please reduce your request rate."};
    case E::kXAmzContentSHA256Mismatch:
      return {"XAmzContentSHA256Mismatch", 400,
              "The provided 'x-amz-content-sha256' header does not match what was computed."};
    case E::kAuthorizationHeaderMalformed:
      return {"AuthorizationHeaderMalformed", 400,
              "The authorization header you provided is invalid."};
    case E::kAuthorizationQueryParametersError:
      return {"AuthorizationQueryParametersError", 400,
              "Error parsing the X-Amz-Credential parameter."};
    case E::kExpiredToken:
      return {"AccessDenied", 403, "Request has expired"};
    case E::kMaxMessageLengthExceeded:
      return {"MaxMessageLengthExceeded", 400, "Your request was too big."};
    case E::kRequestHeaderSectionTooLarge:
      return {"RequestHeaderSectionTooLarge", 400,
              "Your request header section exceeds the maximum allowed size."};
    case E::kInvalidObjectName:
      return {"InvalidObjectName", 400, "Object name contains unsupported characters."};
    case E::kConditionalRequestConflict:
      return {"ConditionalRequestConflict", 409,
              "A conflicting conditional operation is currently in progress against this "
              "resource. Please try again."};
    case E::kServiceUnavailable:
      return {"ServiceUnavailable", 503, "Please reduce your request rate."};
    case E::kInvalidChunkSizeError:
      return {"InvalidChunkSizeError", 403,
              "Only the last chunk is allowed to have a size less than 8192 bytes"};
    case E::kMalformedTrailerError:
      return {"MalformedTrailerError", 400,
              "The request contained trailing data that was not well-formed or did not conform "
              "to our published schema."};
    case E::kUnexpectedContent:
      return {"UnexpectedContent", 400, "This request does not support content"};
    case E::kMissingRequestBodyError:
      return {"MissingRequestBodyError", 400, "Request Body is empty"};
    case E::kInvalidURI:
      return {"InvalidURI", 400, "Couldn't parse the specified URI."};
    case E::kTooManyParts:
      return {"InvalidArgument", 400, "Part number must be an integer between 1 and 10000, inclusive"};
    case E::kInvalidEncodingType:
      return {"InvalidArgument", 400, "Invalid Encoding Method specified in Request"};
    case E::kInvalidLocationConstraint:
      return {"InvalidLocationConstraint", 400, "The specified location-constraint is not valid"};
    case E::kIllegalLocationConstraintException:
      return {"IllegalLocationConstraintException", 400,
              "The location constraint is incompatible for the region specific endpoint this "
              "request was sent to."};
    case E::kUnsupportedArgument:
      return {"InvalidArgument", 400, "The argument is not supported."};
    case E::kNoSuchBucketPolicy:
      return {"NoSuchBucketPolicy", 404, "The bucket policy does not exist"};
    case E::kNoSuchTagSet:
      return {"NoSuchTagSet", 404, "The TagSet does not exist"};
    case E::kNoSuchCORSConfiguration:
      return {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"};
    case E::kNoSuchLifecycleConfiguration:
      return {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist"};
    case E::kServerSideEncryptionConfigurationNotFoundError:
      return {"ServerSideEncryptionConfigurationNotFoundError", 404,
              "The server side encryption configuration was not found"};
    case E::kObjectLockConfigurationNotFoundError:
      return {"ObjectLockConfigurationNotFoundError", 404,
              "Object Lock configuration does not exist for this bucket"};
    case E::kInvalidPolicyDocument:
      return {"InvalidPolicyDocument", 400,
              "The content of the form does not meet the conditions specified in the policy "
              "document."};
    case E::kMalformedPOSTRequest:
      return {"MalformedPOSTRequest", 400,
              "The body of your POST request is not well-formed multipart/form-data."};
    case E::kIncorrectNumberOfFilesInPostRequest:
      return {"IncorrectNumberOfFilesInPostRequest", 400,
              "POST requires exactly one file upload per request."};
    case E::kNoSuchObjectLockConfiguration:
      return {"NoSuchObjectLockConfiguration", 404,
              "The specified object does not have a ObjectLock configuration"};
    case E::kNoSuchWebsiteConfiguration:
      return {"NoSuchWebsiteConfiguration", 404,
              "The specified bucket does not have a website configuration"};
    case E::kReplicationConfigurationNotFoundError:
      return {"ReplicationConfigurationNotFoundError", 404,
              "The replication configuration was not found"};
    case E::kOwnershipControlsNotFoundError:
      return {"OwnershipControlsNotFoundError", 404,
              "The bucket ownership controls were not found"};
    case E::kNoSuchPublicAccessBlockConfiguration:
      return {"NoSuchPublicAccessBlockConfiguration", 404,
              "The public access block configuration was not found"};
    case E::kInvalidBucketState:
      return {"InvalidBucketState", 409, "The request is not valid with the current state of the bucket."};
    case E::kNoSuchVersion:
      return {"NoSuchVersion", 404,
              "The version ID specified in the request does not match an existing version."};
    case E::kInvalidToken:
      return {"InvalidToken", 400, "The provided token is malformed or otherwise invalid."};
    case E::kExpiredSessionToken:
      return {"ExpiredToken", 400, "The provided token has expired."};
    case E::kInvalidParameterValue:
      return {"InvalidParameterValue", 400, "An invalid or out-of-range value was supplied."};
    case E::kMalformedPolicyDocument:
      return {"MalformedPolicyDocument", 400, "The policy document is malformed."};
    case E::kInvalidAction:
      return {"InvalidAction", 400, "The action or operation requested is invalid."};
    case E::kNoSuchUser:
      return {"XSiloAdminNoSuchUser", 404, "The specified user does not exist."};
    case E::kNoSuchGroup:
      return {"XSiloAdminNoSuchGroup", 404, "The specified group does not exist."};
    case E::kNoSuchPolicy:
      return {"XSiloAdminNoSuchPolicy", 404, "The specified canned policy does not exist."};
    case E::kNoSuchAccessKey:
      return {"XSiloAdminNoSuchAccessKey", 404, "The specified access key does not exist."};
    case E::kGroupNotEmpty:
      return {"XSiloAdminGroupNotEmpty", 400,
              "The group is not empty: remove its members before the group."};
    case E::kAccessKeyExists:
      return {"XSiloAdminAccessKeyExists", 409, "The access key is already in use."};
    case E::kMalformedPolicy:
      return {"MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"};
    case E::kInvalidTag:
      return {"InvalidTag", 400, "The TagSet is not valid."};
    case E::kStorageFull:
      return {"StorageFull", 507,
              "Not enough free space is left on the drives to store this object. Delete objects "
              "or add capacity, then retry."};
    case E::kQuotaExceeded:
      return {"QuotaExceeded", 400,
              "This write would take the bucket past its quota. Delete objects or raise the "
              "quota, then retry."};
    case E::kWouldBlock:
      return {"InternalError", 500, "We encountered an internal error. Please try again."};
    case E::kDriveOffline:
      return {"SlowDown", 503, "A drive is offline. Please retry."};
    case E::kDriveTimeout:
      return {"SlowDown", 503, "A drive did not answer in time. Please retry."};
    case E::kInsufficientReadQuorum:
      return {"SlowDown", 503,
              "Not enough drives are online to read this object. Bring drives back online, "
              "then retry."};
    case E::kInsufficientWriteQuorum:
      return {"SlowDown", 503,
              "Not enough drives are online to write this object. Bring drives back online, "
              "then retry."};
    case E::kLockTimeout:
      return {"SlowDown", 503,
              "Another request is changing this object, or too few nodes answered. Please retry."};
    case E::kLockLost:
      return {"SlowDown", 503,
              "The lock on this object was lost before the change was written. Please retry."};
    case E::kInvalidPartNumber:
      return {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"};
    case E::kInvalidRetentionPeriod:
      return {"InvalidRetentionPeriod", 400,
              "Default retention period must be a positive integer value."};
    case E::kAccessForbidden:
      return {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed."};
    case E::kMalformedACLError:
      return {"MalformedACLError", 400,
              "The XML you provided was not well-formed or did not validate against our "
              "published schema"};
    case E::kUnresolvableGrantByEmailAddress:
      return {"UnresolvableGrantByEmailAddress", 400,
              "The email address you provided does not match any account on record."};
    case E::kAccessControlListNotSupported:
      return {"AccessControlListNotSupported", 400, "The bucket does not allow ACLs"};
    case E::kInvalidBucketAclWithObjectOwnership:
      return {"InvalidBucketAclWithObjectOwnership", 400,
              "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"};
    case E::kBucketNameUnavailable:
      return {"InvalidBucketName", 400, "The specified bucket is not valid."};
  }
  return {"InternalError", 500, "We encountered an internal error. Please try again."};
}

}  // namespace

std::string_view error_code_name(ErrorCode code) { return info(code).name; }
int error_http_status(ErrorCode code) { return info(code).status; }
std::string_view error_default_message(ErrorCode code) { return info(code).message; }

}  // namespace silo
