#include "client/multipart.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "client/interrupt.h"
#include "common/hash.h"

namespace silo::client {
namespace {

// The first error of many threads.
struct FirstError {
  std::mutex mu;
  std::optional<S3Error> error;
  std::atomic<bool> set{false};
  void record(S3Error e) {
    std::lock_guard lock(mu);
    if (!error) error = std::move(e);
    set = true;
  }
};

S3Result<std::string> start_upload(Session& s, S3Client& c, const ObjectRef& dst,
                                   const HeaderList& headers) {
  return with_retry(s.retry(), [&] { return c.create_multipart_upload(dst.bucket, dst.key, {headers}); });
}

S3Result<TransferResult> finish_upload(Session& s, S3Client& c, const ObjectRef& dst,
                                       const std::string& id, std::vector<CompletedPart>& parts,
                                       FirstError& failure, uint64_t size) {
  if (failure.set) {
    (void)c.abort_multipart_upload(dst.bucket, dst.key, id);
    return std::unexpected(*failure.error);
  }
  auto done = with_retry(s.retry(), [&] { return c.complete_multipart_upload(dst.bucket, dst.key, id, parts); });
  if (!done) {
    (void)c.abort_multipart_upload(dst.bucket, dst.key, id);
    return std::unexpected(done.error());
  }
  return TransferResult{size, done->etag, true, false};
}

}  // namespace

bool is_md5_etag(std::string_view etag) {
  return etag.size() == 32 && etag.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

S3Error digest_mismatch(std::string_view what) {
  return S3Error{0, "BadDigest", std::string(what) + ": the MD5 of the data does not match the ETag", {}};
}

S3Result<std::string> upload_part_checked(S3Client& c, const MultipartPart& part,
                                          std::span<const char> body) {
  auto etag = c.upload_part(part.bucket, part.key, part.upload_id, part.number, body);
  if (etag && is_md5_etag(*etag) &&
      *etag != hex_encode(md5_raw(std::string_view(body.data(), body.size())))) {
    return std::unexpected(digest_mismatch("part " + std::to_string(part.number)));
  }
  return etag;
}

S3Result<TransferResult> run_multipart(Session& s, const ObjectRef& dst, uint64_t size,
                                       const HeaderList& headers, const PartSender& send) {
  auto client = s.client(dst.alias);
  if (!client) return std::unexpected(client.error());
  auto id = start_upload(s, **client, dst, headers);
  if (!id) return std::unexpected(id.error());
  uint64_t part_size = choose_part_size(size, s.part_size());
  size_t count = static_cast<size_t>((size + part_size - 1) / part_size);
  std::vector<CompletedPart> parts(count);
  FirstError failure;
  run_parallel(s.options().parallel, count, [&](size_t i) {
    if (failure.set) return;
    auto c = s.client(dst.alias);
    if (!c) return failure.record(c.error());
    uint64_t offset = i * part_size;
    MultipartPart part{dst.bucket, dst.key, *id, static_cast<int>(i + 1), offset,
                       std::min(part_size, size - offset)};
    Session::Slot slot(s);
    auto etag = with_retry(s.retry(), [&] { return send(**c, part); });
    if (!etag) return failure.record(etag.error());
    parts[i] = CompletedPart{part.number, std::move(*etag)};
  });
  return finish_upload(s, **client, dst, *id, parts, failure, size);
}

namespace {

// Reads up to `n` bytes (fewer only at end of input).
S3Result<std::string> read_block(int fd, uint64_t n) {
  std::string buf(n, '\0');
  size_t got = 0;
  while (got < n) {
    // Wait in short polls: a producer that never writes must not keep an
    // interrupted `silo pipe` alive (reads restart after signals).
    struct pollfd p {fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 200);
    if (interrupted()) return std::unexpected(S3Error{0, "aborted", "interrupted", {}});
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    ssize_t r = ::read(fd, buf.data() + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return std::unexpected(local_error(std::string("read: ") + std::strerror(errno)));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf.resize(got);
  return buf;
}

}  // namespace

S3Result<TransferResult> upload_stream(Session& s, int fd, const ObjectRef& dst, HeaderList headers) {
  auto client = s.client(dst.alias);
  if (!client) return std::unexpected(client.error());
  uint64_t part_size = choose_part_size(0, s.part_size());
  auto first = read_block(fd, part_size);
  if (!first) return std::unexpected(first.error());
  if (first->size() < part_size) {  // all of it fits in one PUT
    Session::Slot slot(s);
    auto r = with_retry(s.retry(), [&] { return (*client)->put_object(dst.bucket, dst.key, *first, {headers}); });
    if (!r) return std::unexpected(r.error());
    return TransferResult{first->size(), r->etag, false, false};
  }
  auto id = start_upload(s, **client, dst, headers);
  if (!id) return std::unexpected(id.error());
  // Bounded pipeline: a part buffer exists only while at most --parallel are in flight.
  std::counting_semaphore<4096> in_flight(std::clamp(s.options().parallel, 1, 4096));
  std::vector<std::thread> senders;
  std::vector<CompletedPart> parts;
  std::mutex parts_mu;
  FirstError failure;
  uint64_t total = 0;
  std::string block = std::move(*first);
  for (int number = 1; !block.empty() && !failure.set && !interrupted(); ++number) {
    total += block.size();
    s.out().add_total(block.size());
    in_flight.acquire();
    {
      std::lock_guard lock(parts_mu);
      parts.push_back({number, {}});
    }
    senders.emplace_back([&, number, body = std::move(block)] {
      auto c = s.client(dst.alias);
      auto etag = c ? with_retry(s.retry(), [&] {
        Session::Slot slot(s);
        return upload_part_checked(**c, MultipartPart{dst.bucket, dst.key, *id, number, 0, body.size()},
                                   body);
      }) : S3Result<std::string>(std::unexpected(c.error()));
      if (!etag) failure.record(etag.error());
      else {
        std::lock_guard lock(parts_mu);
        parts[static_cast<size_t>(number - 1)].etag = std::move(*etag);
      }
      in_flight.release();
    });
    auto next = read_block(fd, part_size);
    if (!next) failure.record(next.error());
    block = next ? std::move(*next) : std::string();
  }
  for (auto& t : senders) t.join();
  return finish_upload(s, **client, dst, *id, parts, failure, total);
}

}  // namespace silo::client
