/*
 * chopalloc.hpp: chop::memory_resource and chop::static_resource under the standard
 * std::pmr containers, in both modes; which hook each refusal reaches; equality.
 * Built twice by make check: as is (tests/test_pmr) and with -fno-exceptions
 * -fno-rtti (tests/test_pmr_noexcept), where the tests that need a throw or a
 * dynamic_cast are reported as skipped.  The default hooks, which abort, run in
 * child processes (fork) where there are any.
 * SPDX-License-Identifier: MIT
 */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory_resource>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chopalloc.hpp"
#include "tap.h"

#if defined(__unix__) || defined(__APPLE__)
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>
#define HAVE_FORK 1
#else
#define HAVE_FORK 0
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define HAVE_EXCEPTIONS 1
#else
#define HAVE_EXCEPTIONS 0
#endif
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
#define HAVE_RTTI 1
#else
#define HAVE_RTTI 0
#endif

/* The header's cast-free copies of the C macros. */
static_assert(chop::detail::min_block == CHOP_MIN_BLOCK_SIZE, "CHOP_MIN_BLOCK_SIZE");
static_assert(chop::detail::largest_block == CHOP_LARGEST_BLOCK_SIZE, "CHOP_LARGEST_BLOCK_SIZE");
static_assert(chop::detail::bitmap_words(16384) == CHOP_BITMAP_WORDS(16384) &&
                  chop::detail::bitmap_words(1000) == CHOP_BITMAP_WORDS(1000) &&
                  chop::detail::bitmap_words(8) == CHOP_BITMAP_WORDS(8),
              "CHOP_BITMAP_WORDS");

namespace {

/* 16 KiB, one block: builds whose largest block is smaller skip the program. */
constexpr std::size_t region_size = 16384;
alignas(region_size) unsigned char region[region_size];
std::uint64_t bitmap[CHOP_BITMAP_WORDS(region_size)];
/* A second heap, for is_equal. */
alignas(1024) unsigned char other_region[1024];
std::uint64_t other_bitmap[CHOP_BITMAP_WORDS(sizeof other_region)];

/* A resource that records what reaches its hooks instead of aborting. */
class recording_resource : public chop::memory_resource {
public:
    using chop::memory_resource::memory_resource;

    unsigned refused = 0, failed = 0;
    chop_status last_status = CHOP_OK;
    void *last_p = nullptr;
    std::size_t last_bytes = 0, last_alignment = 0;

protected:
    void on_allocation_failure(chop_status status, std::size_t bytes,
                               std::size_t alignment) override
    {
        ++failed;
        record(status, nullptr, bytes, alignment);
    }

    void on_refused_free(chop_status status, void *p, std::size_t bytes,
                         std::size_t alignment) noexcept override
    {
        ++refused;
        record(status, p, bytes, alignment);
    }

private:
    void record(chop_status status, void *p, std::size_t bytes, std::size_t alignment)
    {
        last_status = status;
        last_p = p;
        last_bytes = bytes;
        last_alignment = alignment;
    }
};

bool in_region(const void *p, std::size_t len = 1)
{
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const auto lo = reinterpret_cast<std::uintptr_t>(region);
    return a >= lo && a - lo <= region_size && len <= region_size - (a - lo);
}

/* The heap is back to what chop_init() made of it: nothing live, one free block. */
void is_empty(const chop_heap &heap, const char *what)
{
    chop_stats s;
    chop_get_stats(&heap, &s);
    tap_is_size(s.live_allocations, 0, "%s: no live allocation is left", what);
    tap_is_size(s.free_bytes, s.managed_bytes, "%s: every byte is free again", what);
    tap_is_size(s.largest_free_block, region_size, "%s: the buddies merged into one block", what);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: chop_check", what);
}

/* Everything but failed_requests (which a refused allocation counts). */
bool same_use(const chop_stats &a, const chop_stats &b)
{
    for (std::size_t k = 0; k < CHOPALLOC_MAX_ORDER; ++k) {
        if (a.free_blocks[k] != b.free_blocks[k]) {
            return false;
        }
    }
    return a.managed_bytes == b.managed_bytes && a.free_bytes == b.free_bytes &&
           a.allocated_bytes == b.allocated_bytes &&
           a.largest_free_block == b.largest_free_block &&
           a.live_allocations == b.live_allocations &&
           a.peak_allocated_bytes == b.peak_allocated_bytes;
}

struct alignas(64) line {
    unsigned char bytes[64];
};

void containers(chop_heap &heap, const char *mode)
{
    recording_resource res(heap);

    {
        std::pmr::vector<int> v(&res);
        for (int i = 0; i < 1000; ++i) {
            v.push_back(i);
        }
        tap_ok(in_region(v.data(), v.capacity() * sizeof(int)),
               "%s: pmr::vector's elements lie in the heap's region", mode);
        tap_ok(res.stats().live_allocations == 1, "%s: one live block, the vector's", mode);
        bool ok = true;
        for (int i = 0; i < 1000; ++i) {
            ok = ok && v[static_cast<std::size_t>(i)] == i;
        }
        tap_ok(ok, "%s: pmr::vector kept its 1000 elements through its growth", mode);
    }
    is_empty(heap, "pmr::vector destroyed");

    {
        std::pmr::string s("a string much too long for the small-string buffer", &res);
        s += s;
        tap_ok(in_region(s.data(), s.capacity() + 1), "%s: pmr::string's characters lie in the region", mode);
        tap_ok(s.size() == 100 && s.compare(50, 8, "a string") == 0, "%s: pmr::string appends", mode);
    }
    is_empty(heap, "pmr::string destroyed");

    {
        std::pmr::map<int, std::pmr::string> m(&res);
        for (int i = 0; i < 20; ++i) {
            m.emplace(i, "a value long enough to need a block of its own, number " + std::to_string(i));
        }
        bool inside = true;
        for (const auto &kv : m) {
            inside = inside && in_region(&kv, sizeof kv) && in_region(kv.second.data());
        }
        tap_ok(inside, "%s: pmr::map's nodes and the strings in them lie in the region", mode);
        tap_ok(m.at(17).get_allocator().resource() == &res,
               "%s: the map passed its resource on to its strings", mode);

        std::pmr::unordered_map<int, int> u(&res);
        for (int i = 0; i < 100; ++i) {
            u[i] = i * i;
        }
        bool right = u.size() == 100;
        for (int i = 0; i < 100; ++i) {
            right = right && u.at(i) == i * i;
        }
        tap_ok(right && in_region(&*u.find(7)), "%s: pmr::unordered_map, in the region", mode);
        m.clear();
        tap_ok(res.stats().live_allocations > 0, "%s: the unordered_map is still live", mode);
    }
    is_empty(heap, "pmr::map and pmr::unordered_map destroyed");

    {
        std::pmr::monotonic_buffer_resource mono(&res);
        std::pmr::vector<std::pmr::string> v(&mono);
        for (int i = 0; i < 40; ++i) {
            v.emplace_back("monotonic buffers upstreamed to chopalloc, string " + std::to_string(i));
        }
        tap_ok(in_region(v.data()) && in_region(v.back().data()),
               "%s: monotonic_buffer_resource's buffers come from the heap", mode);
        const std::size_t live = res.stats().live_allocations;
        tap_ok(live > 0, "%s: the monotonic resource holds %zu buffers", mode, live);
        v.clear();
        v.shrink_to_fit();
        tap_is_size(res.stats().live_allocations, live, "%s: freeing into it returns nothing upstream", mode);
        mono.release();
        tap_is_size(res.stats().live_allocations, 0, "%s: release() returns every buffer", mode);
    }
    is_empty(heap, "monotonic_buffer_resource destroyed");

    {
        std::pmr::polymorphic_allocator<line> alloc(&res);
        line *l = alloc.allocate(3);
        tap_ok(in_region(l, 3 * sizeof(line)) && reinterpret_cast<std::uintptr_t>(l) % 64 == 0,
               "%s: polymorphic_allocator<alignas(64) T>: in the region, 64-byte aligned", mode);
        std::pmr::vector<line> lines(5, line{}, &res);
        tap_ok(reinterpret_cast<std::uintptr_t>(lines.data()) % 64 == 0,
               "%s: pmr::vector of an over-aligned type, aligned", mode);
        void *p = res.allocate(100, 1024);
        tap_ok(in_region(p, 100) && reinterpret_cast<std::uintptr_t>(p) % 1024 == 0,
               "%s: allocate(100, 1024): aligned to 1024", mode);
        void *z1 = res.allocate(0, 1);
        void *z2 = res.allocate(0, 1);
        tap_ok(z1 != nullptr && z2 != nullptr && z1 != z2 && in_region(z1) && in_region(z2),
               "%s: allocate(0) gives distinct blocks", mode);
        res.deallocate(z2, 0, 1);
        res.deallocate(z1, 0, 1);
        res.deallocate(p, 100, 1024);
        alloc.deallocate(l, 3);
        tap_is_int(res.refused, 0, "%s: no free was refused", mode);
    }
    is_empty(heap, "polymorphic_allocator's blocks freed");
}

void failures(chop_heap &heap, const char *mode)
{
    recording_resource res(heap);
    void *half = res.allocate(region_size / 2, 8);
    const chop_stats before = res.stats();

#if HAVE_EXCEPTIONS
    bool threw = false;
    try {
        static_cast<void>(res.allocate(region_size, 8));
    } catch (const std::bad_alloc &) {
        threw = true;
    }
    tap_ok(threw, "%s: allocate() beyond the free memory throws std::bad_alloc", mode);
    tap_is_status(res.last_status, CHOP_ERR_OUT_OF_MEMORY, "%s: on_allocation_failure got the status", mode);
    tap_ok(res.failed == 1 && res.last_bytes == region_size && res.last_alignment == 8,
           "%s: and the size and alignment asked for", mode);
    chop_stats after = res.stats();
    tap_ok(same_use(before, after) && after.failed_requests == before.failed_requests + 1,
           "%s: the heap is unchanged (one more failed request)", mode);

    threw = false;
    try {
        std::pmr::vector<char> big(&res);
        big.resize(region_size);
    } catch (const std::bad_alloc &) {
        threw = true;
    }
    tap_ok(threw, "%s: a pmr::vector too large for the heap throws std::bad_alloc", mode);

    if (CHOP_LARGEST_BLOCK_SIZE <= SIZE_MAX / 2) {
        threw = false;
        try {
            static_cast<void>(res.allocate(8, CHOP_LARGEST_BLOCK_SIZE * 2));
        } catch (const std::bad_alloc &) {
            threw = true;
        }
        tap_ok(threw && res.last_status == CHOP_ERR_TOO_LARGE,
               "%s: an alignment above the largest block: CHOP_ERR_TOO_LARGE, bad_alloc", mode);
    } else {
        tap_skip(1, "the largest block is half the address space");
    }
    after = res.stats();
    tap_ok(same_use(before, after), "%s: the heap is still unchanged", mode);
#else
    tap_skip(7, "built without exceptions: a refused allocation calls std::abort()");
#endif

    /* Refused frees: each reaches on_refused_free() and changes nothing. */
    void *p = res.allocate(64, 8);
    const chop_stats live = res.stats();
    res.deallocate(p, 128, 8);
    tap_is_status(res.last_status, CHOP_ERR_SIZE_MISMATCH,
                  "%s: deallocate() with the wrong size reaches on_refused_free", mode);
    tap_ok(res.refused == 1 && res.last_p == p && res.last_bytes == 128 && res.last_alignment == 8,
           "%s: with the pointer, size and alignment given", mode);
    tap_ok(same_use(live, res.stats()), "%s: the block stays allocated", mode);
    res.deallocate(p, 64, 8);
    tap_is_int(res.refused, 1, "%s: the right size frees it", mode);
    res.deallocate(p, 64, 8);
    tap_is_status(res.last_status, CHOP_ERR_DOUBLE_FREE, "%s: a double free reaches the hook", mode);
    unsigned char outside[64];
    res.deallocate(outside, sizeof outside, 1);
    tap_is_status(res.last_status, CHOP_ERR_OUTSIDE_HEAP, "%s: a pointer from elsewhere reaches the hook", mode);
    tap_ok(res.refused == 3 && same_use(before, res.stats()), "%s: three refusals, heap unchanged", mode);

    res.deallocate(half, region_size / 2, 8);
    is_empty(heap, "after the refusals");
}

void equality(chop_heap &heap, chop_heap &other, const char *mode)
{
    chop::memory_resource a(heap);
    chop::memory_resource b(heap);
    chop::memory_resource c(other);
    recording_resource d(heap);

    tap_ok(a == a && a.is_equal(a), "%s: a resource is equal to itself", mode);
    tap_ok(!(a == c), "%s: resources over different heaps differ", mode);
    tap_ok(!(a == *std::pmr::new_delete_resource()) && !(*std::pmr::new_delete_resource() == a),
           "%s: chopalloc and new_delete_resource differ", mode);
#if HAVE_RTTI
    tap_ok(a == b && b == a && a == d && d == a,
           "%s: resources over the same heap are equal, derived ones too", mode);
    std::pmr::vector<int> v1({1, 2, 3, 4}, &a);
    const int *data = v1.data();
    std::pmr::vector<int> v2(std::move(v1), &b);
    tap_ok(v2.data() == data, "%s: a move between equal resources takes the block", mode);
#else
    tap_ok(!(a == b), "%s: without RTTI only the same object is equal", mode);
    tap_skip(1, "built without RTTI: resources over the same heap are not equal");
#endif
    std::pmr::vector<int> v3({5, 6, 7}, &a);
    const int *data3 = v3.data();
    std::pmr::vector<int> v4(std::move(v3), &c);
    tap_ok(v4.data() != data3 && v4.size() == 3 && v4[2] == 7,
           "%s: a move to an unequal resource copies", mode);
}

void run_mode(bool with_bitmap)
{
    const char *mode = with_bitmap ? "bitmap" : "free-list";
    chop_heap heap, other;
    chop_status st = chop_init(&heap, region, sizeof region, with_bitmap ? bitmap : nullptr,
                               with_bitmap ? CHOP_BITMAP_WORDS(sizeof region) : 0);
    tap_is_status(st, CHOP_OK, "%s: chop_init", mode);
    /* The second heap is a vehicle: free-list mode where the build has it. */
    st = chop_init(&other, other_region, sizeof other_region,
                   CHOPALLOC_HAVE_FREE_LIST ? nullptr : other_bitmap,
                   CHOPALLOC_HAVE_FREE_LIST ? 0 : CHOP_BITMAP_WORDS(sizeof other_region));
    tap_is_status(st, CHOP_OK, "%s: chop_init of a second heap", mode);
    containers(heap, mode);
    failures(heap, mode);
    equality(heap, other, mode);
    is_empty(heap, "at the end");
}

template <std::size_t Bytes, chop::mode Mode>
void static_resources(const char *mode)
{
    chop::static_resource<Bytes, Mode> pool;
    const chop_stats fresh = pool.stats();
    tap_ok(reinterpret_cast<std::uintptr_t>(pool.region()) % Bytes == 0 && fresh.unusable_bytes == 0 &&
               fresh.largest_free_block == Bytes && pool.region_size() == Bytes,
           "static_resource<%zu> (%s): one free block over an aligned region", Bytes, mode);
    {
        std::pmr::vector<int> v(&pool);
        v.assign(100, 7);
        const auto lo = reinterpret_cast<std::uintptr_t>(pool.region());
        const auto at = reinterpret_cast<std::uintptr_t>(v.data());
        tap_ok(at >= lo && at - lo < Bytes && v[99] == 7,
               "static_resource<%zu> (%s): a pmr::vector in its region", Bytes, mode);
        tap_ok(pool.stats().live_allocations == 1 && pool.check() == CHOP_OK,
               "static_resource<%zu> (%s): one live block, heap consistent", Bytes, mode);
    }
    const chop_stats after = pool.stats();
    tap_ok(after.live_allocations == 0 && after.free_bytes == Bytes &&
               after.largest_free_block == Bytes && pool.check() == CHOP_OK,
           "static_resource<%zu> (%s): empty again", Bytes, mode);
}

/* The mode of resources that are vehicles, not the subject: free-list where it is built,
 * as it needs no bitmap. */
constexpr chop::mode vehicle_mode =
    CHOPALLOC_HAVE_FREE_LIST ? chop::mode::free_list : chop::mode::bitmap;

/* A static_resource with hooks of its own. */
class counting_pool : public chop::static_resource<1024, vehicle_mode> {
public:
    unsigned refused = 0;

protected:
    void on_refused_free(chop_status, void *, std::size_t, std::size_t) noexcept override
    {
        ++refused;
    }
};

#if HAVE_FORK
/* Whether f() ends a child process with SIGABRT. */
template <typename F>
bool aborts(F f)
{
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        f();
        _exit(0);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
           WTERMSIG(status) == SIGABRT;
}
#endif

/* The default hooks, in a child process. */
void defaults()
{
#if HAVE_FORK
    tap_ok(aborts([] {
               chop::static_resource<256, vehicle_mode> pool;
               int x = 0;
               pool.deallocate(&x, sizeof x, alignof(int));
           }),
           "the default on_refused_free() aborts");
#if HAVE_EXCEPTIONS
    tap_ok(aborts([] {
               chop::static_resource<256, vehicle_mode> pool;
               try {
                   static_cast<void>(pool.allocate(512, 1));
               } catch (const std::bad_alloc &) {
                   std::abort();
               }
           }),
           "a refused allocation throws std::bad_alloc");
#else
    tap_ok(aborts([] {
               chop::static_resource<256, vehicle_mode> pool;
               static_cast<void>(pool.allocate(512, 1));
           }),
           "without exceptions, a refused allocation aborts");
#endif
#else
    tap_skip(2, "no fork(): the default hooks, which abort, are not tested");
#endif
}

} // namespace

int main()
{
    if (chop::detail::largest_block < region_size) {
        /* The containers' scenes grow one block to 8 KiB and expect the region whole. */
        std::printf("1..0 # SKIP the test needs %zu-byte blocks; this build's largest is %zu "
                    "(--with-max-order=15 or more)\n",
                    region_size, static_cast<std::size_t>(chop::detail::largest_block));
        return 0;
    }
    if (CHOPALLOC_HAVE_BITMAP) {
        run_mode(true);
    } else {
        tap_skip(1, "bitmap mode: library built with --disable-bitmap");
    }
    if (CHOPALLOC_HAVE_FREE_LIST) {
        run_mode(false);
    } else {
        tap_skip(1, "free-list mode: library built with --disable-free-list");
    }

#if CHOPALLOC_HAVE_BITMAP
    static_resources<4096, chop::mode::bitmap>("bitmap");
#else
    tap_skip(4, "static_resource in bitmap mode: library built with --disable-bitmap");
#endif
#if CHOPALLOC_HAVE_FREE_LIST
    static_resources<4096, chop::mode::free_list>("free-list");
#else
    tap_skip(4, "static_resource in free-list mode: library built with --disable-free-list");
#endif
    static_resources<512, chop::default_mode>("default mode");

    counting_pool pool;
    int x = 0;
    pool.deallocate(&x, sizeof x, alignof(int));
    tap_is_int(pool.refused, 1, "a static_resource's own on_refused_free() is called");
    defaults();
    return tap_done();
}
