#include "common/buffer.h"

#include <array>
#include <bit>
#include <mutex>
#include <vector>

namespace silo::buffer_pool {
namespace {

// Size classes are powers of two from kPooledMin up to kMaxPooled; bigger
// blocks are rare (huge parts of an EC stripe) and go straight to malloc.
constexpr size_t kMinShift = 16;  // 64 KiB
constexpr size_t kMaxShift = 24;  // 16 MiB
constexpr size_t kClasses = kMaxShift - kMinShift + 1;

struct Pool {
  std::mutex mu;
  std::array<std::vector<uint8_t*>, kClasses> free;
  size_t idle = 0;
};

Pool& pool() {
  // Leaked on purpose: buffers may be released by static destructors.
  static Pool* p = new Pool;
  return *p;
}

// The class index for a block of n bytes, or kClasses when not pooled.
size_t class_of(size_t n) {
  if (n < kPooledMin || n > (size_t{1} << kMaxShift)) return kClasses;
  return std::bit_width(n - 1) - kMinShift;
}

}  // namespace

uint8_t* acquire(size_t n, size_t* capacity) {
  size_t c = class_of(n);
  if (c == kClasses) {
    *capacity = n;
    return new uint8_t[n];
  }
  size_t size = size_t{1} << (c + kMinShift);
  *capacity = size;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    auto& list = p.free[c];
    if (!list.empty()) {
      uint8_t* block = list.back();
      list.pop_back();
      p.idle -= size;
      return block;
    }
  }
  return new uint8_t[size];
}

void release(uint8_t* block, size_t capacity) {
  size_t c = class_of(capacity);
  if (c != kClasses && (size_t{1} << (c + kMinShift)) == capacity) {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    if (p.idle + capacity <= kPoolIdleBytes) {
      p.free[c].push_back(block);
      p.idle += capacity;
      return;
    }
  }
  delete[] block;
}

void release_idle() {
  std::array<std::vector<uint8_t*>, kClasses> blocks;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    blocks.swap(p.free);
    p.idle = 0;
  }
  for (auto& list : blocks) {
    for (uint8_t* b : list) delete[] b;
  }
}

size_t idle_bytes() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  return p.idle;
}

}  // namespace silo::buffer_pool
