// Payload: the object data of a bench run, generated once and shared
// read-only by every worker, so no request allocates or fills a body. It is
// `size` random bytes plus 64 KiB of slack; object `id` is the window that
// starts at one of 8192 offsets chosen by a hash of the id, so neighbouring
// objects differ and a server that returns the wrong object fails the GET
// check, without holding one buffer per object.
//
// Thread-safe for concurrent reads after construction.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace silo::bench {

class Payload {
 public:
  explicit Payload(uint64_t size, uint64_t seed = 0x5110b3e4c4ull);

  uint64_t size() const { return size_; }
  // The bytes object `id` holds: size() bytes.
  std::span<const char> object(uint64_t id) const;

 private:
  uint64_t size_;
  std::vector<char> bytes_;
};

// Compares a streamed body with the bytes expected, piece by piece, without
// buffering it. Reset before each GET.
class BodyVerifier {
 public:
  void reset(std::span<const char> expected) {
    expected_ = expected;
    offset_ = 0;
    mismatch_ = false;
  }
  // Always true: a mismatch is noted, not aborted, so the connection stays usable.
  bool feed(std::string_view piece);
  // True when every byte matched and the body had exactly the expected length.
  bool ok() const { return !mismatch_ && offset_ == expected_.size(); }

 private:
  std::span<const char> expected_;
  uint64_t offset_ = 0;
  bool mismatch_ = false;
};

}  // namespace silo::bench
