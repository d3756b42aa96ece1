#include "policy/fixed_heap.h"
#include "policy/fixed_ring.h"
#include "policy/pid_table.h"

#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <random>

namespace scxx {
namespace {

TEST(FixedRing, WrapsAroundAndRefusesWhenFull) {
  FixedRing<int> ring(3);
  for (int round = 0; round < 5; ++round) { // pushes and pops cross the end
    EXPECT_TRUE(ring.push_back(round));
    EXPECT_TRUE(ring.push_back(round + 10));
    EXPECT_EQ(ring.pop_front(), round);
    EXPECT_EQ(ring.pop_front(), round + 10);
  }
  EXPECT_TRUE(ring.push_back(1));
  EXPECT_TRUE(ring.push_back(2));
  EXPECT_TRUE(ring.push_front(0));
  EXPECT_FALSE(ring.push_back(3));
  EXPECT_FALSE(ring.push_front(3));
  EXPECT_EQ(ring.size(), 3U);
  EXPECT_EQ(ring.pop_front(), 0);
  EXPECT_EQ(ring.pop_front(), 1);
  EXPECT_EQ(ring.pop_front(), 2);
  EXPECT_FALSE(ring.pop_front());
}

TEST(FixedMinHeap, PeekShowsTheSmallestWithoutTakingIt) {
  FixedMinHeap<int, std::less<>> heap(3);
  EXPECT_EQ(heap.peek(), nullptr);
  heap.push(5);
  heap.push(2);
  heap.push(9);
  ASSERT_NE(heap.peek(), nullptr);
  EXPECT_EQ(*heap.peek(), 2);
  EXPECT_EQ(heap.size(), 3U);
  EXPECT_EQ(heap.pop(), 2);
  EXPECT_EQ(*heap.peek(), 5);
}

TEST(FixedMinHeap, PopsInOrderAndRefusesWhenFull) {
  FixedMinHeap<int, std::less<>> heap(4);
  EXPECT_TRUE(heap.push(5));
  EXPECT_TRUE(heap.push(1));
  EXPECT_TRUE(heap.push(4));
  EXPECT_TRUE(heap.push(2));
  EXPECT_FALSE(heap.push(0));
  EXPECT_EQ(heap.pop(), 1);
  EXPECT_TRUE(heap.push(3));
  EXPECT_EQ(heap.pop(), 2);
  EXPECT_EQ(heap.pop(), 3);
  EXPECT_EQ(heap.pop(), 4);
  EXPECT_EQ(heap.pop(), 5);
  EXPECT_FALSE(heap.pop());
}

TEST(PidTable, RefusesNewPidsWhenFullAndReusesFreedSlots) {
  PidTable<uint64_t> table(2);
  bool inserted = false;
  *table.find_or_insert(1, inserted) = 10;
  EXPECT_TRUE(inserted);
  *table.find_or_insert(2, inserted) = 20;
  EXPECT_EQ(table.find_or_insert(3, inserted), nullptr);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(*table.find_or_insert(1, inserted), 10U); // known pids still found
  EXPECT_FALSE(inserted);
  EXPECT_TRUE(table.erase(1));
  EXPECT_FALSE(table.erase(1));
  ASSERT_NE(table.find_or_insert(3, inserted), nullptr);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(*table.find(3), 0U); // a new pid starts from V{}
  EXPECT_EQ(table.find(1), nullptr);
  EXPECT_EQ(table.size(), 2U);
}

// Random inserts and erases, checked against std::map, in a table small
// enough that probe clusters wrap around and erase has to shift entries.
TEST(PidTable, MatchesAReferenceMapUnderChurn) {
  PidTable<uint64_t> table(64);
  std::map<int32_t, uint64_t> reference;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> pid_dist(1, 200);
  for (int step = 0; step < 20000; ++step) {
    const int32_t pid = pid_dist(rng);
    if (rng() % 3 == 0) {
      EXPECT_EQ(table.erase(pid), reference.erase(pid) == 1);
    } else {
      bool inserted = false;
      uint64_t *value = table.find_or_insert(pid, inserted);
      if (reference.contains(pid)) {
        ASSERT_NE(value, nullptr);
        EXPECT_FALSE(inserted);
        EXPECT_EQ(*value, reference[pid]);
      } else if (reference.size() < 64) {
        ASSERT_NE(value, nullptr);
        EXPECT_TRUE(inserted);
        reference[pid] = 0;
      } else {
        EXPECT_EQ(value, nullptr);
        continue;
      }
      *value = static_cast<uint64_t>(step);
      reference[pid] = static_cast<uint64_t>(step);
    }
    ASSERT_EQ(table.size(), reference.size());
  }
  for (int32_t pid = 1; pid <= 200; ++pid) {
    const uint64_t *value = table.find(pid);
    ASSERT_EQ(value != nullptr, reference.contains(pid)) << pid;
    if (value != nullptr) {
      EXPECT_EQ(*value, reference[pid]);
    }
  }
}

} // namespace
} // namespace scxx
