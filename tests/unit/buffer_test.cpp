#include "common/buffer.h"

#include <gtest/gtest.h>

#include <cstring>

namespace silo {
namespace {

TEST(Buffer, SmallBuffersAreExactAndNotPooled) {
  size_t idle = buffer_pool::idle_bytes();
  {
    Buffer b(100);
    EXPECT_EQ(b.capacity(), 100u);
    std::memset(b.data(), 7, 100);
  }
  EXPECT_EQ(buffer_pool::idle_bytes(), idle);
}

TEST(Buffer, LargeBuffersAreRecycled) {
  uint8_t* first = nullptr;
  {
    Buffer b(1 << 20);
    EXPECT_EQ(b.capacity(), size_t{1} << 20);
    first = b.data();
  }
  EXPECT_GE(buffer_pool::idle_bytes(), size_t{1} << 20);
  Buffer again((1 << 20) - 5);  // same size class
  EXPECT_EQ(again.data(), first);
}

TEST(Buffer, CapacityRoundsUpToTheSizeClass) {
  Buffer b((1 << 20) + 1);
  EXPECT_EQ(b.capacity(), size_t{2} << 20);
  b.ensure(100);  // already big enough: same block
  EXPECT_EQ(b.capacity(), size_t{2} << 20);
}

TEST(Buffer, MoveTransfersOwnership) {
  Buffer a(1 << 17);
  uint8_t* p = a.data();
  Buffer b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.capacity(), 0u);
  Buffer c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
}

TEST(Buffer, IdleMemoryIsCapped) {
  {
    std::vector<Buffer> many;
    for (int i = 0; i < 40; ++i) many.emplace_back(4 << 20);  // 160 MiB in use
  }
  EXPECT_LE(buffer_pool::idle_bytes(), buffer_pool::kPoolIdleBytes);
}

TEST(Buffer, HugeBuffersBypassThePool) {
  size_t idle = buffer_pool::idle_bytes();
  { Buffer b(32u << 20); EXPECT_EQ(b.capacity(), 32u << 20); }
  EXPECT_EQ(buffer_pool::idle_bytes(), idle);
}

}  // namespace
}  // namespace silo

namespace silo {
namespace {

TEST(Buffer, ReleaseIdleEmptiesThePool) {
  { Buffer b(1 << 20); }
  EXPECT_GT(buffer_pool::idle_bytes(), 0u);
  buffer_pool::release_idle();
  EXPECT_EQ(buffer_pool::idle_bytes(), 0u);
  Buffer again(1 << 20);  // the pool still works afterwards
  EXPECT_EQ(again.capacity(), size_t{1} << 20);
}

}  // namespace
}  // namespace silo
