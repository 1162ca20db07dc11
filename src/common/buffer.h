// A growable byte buffer that does not zero what it allocates: hot paths fill
// it themselves, and zeroing (and faulting in) a 1 MiB stripe buffer for a
// 4 KiB object costs more than serving the object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace silo {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) { ensure(n); }
  // Makes room for at least n bytes; existing contents are not kept.
  void ensure(size_t n) {
    if (n <= capacity_) return;
    data_.reset(new uint8_t[n]);
    capacity_ = n;
  }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }
  std::span<uint8_t> span(size_t n) { return {data_.get(), n}; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

}  // namespace silo
