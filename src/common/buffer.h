// A growable byte buffer that does not zero what it allocates: hot paths fill
// it themselves, and zeroing (and faulting in) a 1 MiB stripe buffer for a
// 4 KiB object costs more than serving the object.
//
// Large buffers (>= kPooledMin) come from a process-wide pool of recycled
// blocks: a 1 MiB PUT needs several 1 MiB buffers, and getting each from
// malloc means a fresh mmap, a page fault per 4 KiB and a munmap per request.
// The pool keeps at most kPoolIdleBytes idle, so memory goes back to the
// system once load drops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace silo {

namespace buffer_pool {
inline constexpr size_t kPooledMin = 64 * 1024;
inline constexpr size_t kPoolIdleBytes = 64u << 20;
// A block of at least n bytes; *capacity receives its real size.
uint8_t* acquire(size_t n, size_t* capacity);
void release(uint8_t* p, size_t capacity);
// Idle bytes held, for tests.
size_t idle_bytes();
// Frees every idle block (the server calls it when it has been idle).
void release_idle();
}  // namespace buffer_pool

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) { ensure(n); }
  ~Buffer() { reset(); }
  Buffer(Buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), capacity_(std::exchange(o.capacity_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // Makes room for at least n bytes; existing contents are not kept.
  void ensure(size_t n) {
    if (n <= capacity_) return;
    reset();
    data_ = buffer_pool::acquire(n, &capacity_);
  }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t capacity() const { return capacity_; }
  std::span<uint8_t> span(size_t n) { return {data_, n}; }
  std::span<const uint8_t> span(size_t n) const { return {data_, n}; }

 private:
  void reset() {
    if (data_) buffer_pool::release(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
  }
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace silo
