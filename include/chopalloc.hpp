/*
 * chopalloc — a deterministic buddy allocator for embedded and bare-metal systems.
 * SPDX-License-Identifier: MIT
 */
/**
 * @file chopalloc.hpp
 * @brief C++17 interface: a `std::pmr::memory_resource` over a chopalloc heap.
 *
 * Header-only: it adds nothing to the library, which stays C (linking it needs
 * no C++ runtime).  chop::memory_resource lends a heap the caller built with
 * chop_init() to every `std::pmr` container; chop::static_resource owns a region,
 * its bitmap and its heap, so that one line gives a container a heap of its own:
 *
 * @code{.cpp}
 * #include <chopalloc.hpp>
 * #include <vector>
 *
 * chop::static_resource<4096> pool;
 * std::pmr::vector<int> v(&pool);
 * @endcode
 *
 * Each allocation is chop_try_allocate() with the size and alignment the container
 * asks for, each deallocation chop_try_deallocate() with the same two, which
 * chopalloc validates.  What happens when either is refused is decided by two
 * virtual hooks: chop::memory_resource::on_allocation_failure() and
 * chop::memory_resource::on_refused_free().  The header builds with
 * `-fno-exceptions` and with `-fno-rtti`.
 */
#ifndef CHOPALLOC_HPP
#define CHOPALLOC_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "chopalloc.hpp needs C++17 (std::pmr::memory_resource): compile with -std=c++17 or later; C code includes chopalloc.h"
#endif
#if defined(__has_include)
#if !__has_include(<memory_resource>)
#error "chopalloc.hpp needs <memory_resource>, which this C++ library lacks (libstdc++ has it from GCC 9, libc++ from LLVM 16)"
#endif
#endif

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory_resource>
#include <new>

#include "chopalloc.h"

/** @brief chopalloc's C++ interface (chopalloc.hpp). */
namespace chop {

/** @cond CHOP_PRIVATE */
namespace detail {
/* CHOP_MIN_BLOCK_SIZE, CHOP_LARGEST_BLOCK_SIZE and CHOP_BITMAP_WORDS() without their
 * C casts, so that code built with -Wold-style-cast -Werror can include this header
 * (tests/test_pmr.cpp checks that they agree with the macros). */
constexpr std::size_t min_block = std::size_t{1} << CHOP_MIN_ORDER;
constexpr std::size_t largest_block = std::size_t{1} << (CHOPALLOC_MAX_ORDER - 1);
constexpr std::size_t bitmap_words(std::size_t size) noexcept
{
    return (size / min_block * 2u + 63u) / 64u;
}

/* The largest power of two not above n (n > 0), capped at the largest block. */
constexpr std::size_t region_align(std::size_t n) noexcept
{
    std::size_t a = 1;
    while (a <= n / 2 && a < largest_block) {
        a *= 2;
    }
    return a;
}
} // namespace detail
/** @endcond */

/**
 * @brief A `std::pmr::memory_resource` that allocates from a chopalloc heap.
 *
 * Non-owning: it holds a reference to a heap the caller built with chop_init()
 * (in either mode) and that must outlive it and every allocation made through it.
 * It adds no state and no lock of its own: a heap shared between threads needs
 * chop_set_lock(), which then covers every call made here.
 *
 * allocate(bytes, alignment) is chop_try_allocate() of `bytes` (1 when `bytes` is
 * 0, so that every allocation is a distinct block) aligned to `alignment`;
 * deallocate() frees with chop_try_deallocate() and the same two values.  Both are
 * deterministic: O(#CHOPALLOC_MAX_ORDER), or O(free blocks) for a free in
 * free-list mode.  allocate() never returns a null pointer, as `std::pmr`
 * requires: a refusal calls on_allocation_failure() and then throws
 * `std::bad_alloc` (std::abort() when exceptions are disabled).  A refused free
 * calls on_refused_free(), which aborts unless a derived class decides otherwise.
 *
 * Copies refer to the same heap and compare equal.
 */
class memory_resource : public std::pmr::memory_resource {
public:
    /**
     * @brief A resource over @p heap.
     * @param heap An initialised heap (chop_init()), which must outlive the
     *             resource and every block allocated through it.
     */
    explicit memory_resource(chop_heap &heap) noexcept : heap_(&heap) {}

    /** @brief The heap this resource allocates from. */
    chop_heap &heap() const noexcept { return *heap_; }

    /** @brief chop_get_stats() of the heap. */
    chop_stats stats() const noexcept
    {
        chop_stats s;
        chop_get_stats(heap_, &s);
        return s;
    }

    /** @brief chop_check() of the heap: #CHOP_OK or #CHOP_ERR_CORRUPTED. */
    chop_status check() const noexcept { return chop_check(heap_); }

protected:
    /**
     * @brief Called when an allocation is refused, before allocate() fails.
     *
     * The heap is unchanged (chop_stats::failed_requests counts the refusal).
     * The default does nothing.  An override may log, count, throw an exception of
     * its own or not return at all (reset the system); when it returns, allocate()
     * throws `std::bad_alloc`, or, in a build without exceptions, calls
     * std::abort(): `std::pmr` allows no null result.
     *
     * @param status    Why: #CHOP_ERR_OUT_OF_MEMORY, #CHOP_ERR_TOO_LARGE (size or
     *                  alignment above #CHOP_LARGEST_BLOCK_SIZE) or
     *                  #CHOP_ERR_INVALID_LAYOUT (an alignment that is not a power
     *                  of two).
     * @param bytes     The size asked for.
     * @param alignment The alignment asked for.
     */
    virtual void on_allocation_failure(chop_status status, std::size_t bytes,
                                       std::size_t alignment)
    {
        static_cast<void>(status);
        static_cast<void>(bytes);
        static_cast<void>(alignment);
    }

    /**
     * @brief Called when chop_try_deallocate() refuses a deallocation.
     *
     * The pointer is not a live block of that size and alignment on this heap: a
     * double free, a pointer from elsewhere, or a wrong size or alignment.  The
     * heap is unchanged and the block, if any, stays allocated.  Such a bug is
     * never ignored silently: the default calls std::abort(), in every build.  An
     * override may log and return (the block is then leaked), or reset the system;
     * it must not throw, since containers deallocate from their destructors.
     *
     * @param status    What chop_try_deallocate() returned (chop_strerror() says
     *                  it in English).
     * @param p         The pointer given to deallocate().
     * @param bytes     The size given to deallocate().
     * @param alignment The alignment given to deallocate().
     */
    virtual void on_refused_free(chop_status status, void *p, std::size_t bytes,
                                 std::size_t alignment) noexcept
    {
        static_cast<void>(status);
        static_cast<void>(p);
        static_cast<void>(bytes);
        static_cast<void>(alignment);
        std::abort();
    }

    /** @brief chop_try_allocate(); never returns a null pointer (see the class). */
    void *do_allocate(std::size_t bytes, std::size_t alignment) override
    {
        void *p = nullptr;
        const chop_status status = chop_try_allocate(heap_, bytes ? bytes : 1, alignment, &p);
        if (status == CHOP_OK) {
            return p;
        }
        on_allocation_failure(status, bytes, alignment);
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
        throw std::bad_alloc();
#else
        std::abort();
#endif
    }

    /** @brief chop_try_deallocate(); a refusal calls on_refused_free(). */
    void do_deallocate(void *p, std::size_t bytes, std::size_t alignment) override
    {
        const chop_status status = chop_try_deallocate(heap_, p, bytes ? bytes : 1, alignment);
        if (status != CHOP_OK) {
            on_refused_free(status, p, bytes, alignment);
        }
    }

    /**
     * @brief Equal to itself and to every chop::memory_resource over the same heap.
     *
     * Memory from one can be freed through the other.  Without RTTI
     * (`-fno-rtti`) the type of @p other cannot be checked, so only the same
     * object compares equal (containers then copy where they could have moved).
     */
    bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override
    {
        if (this == &other) {
            return true;
        }
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
        const auto *o = dynamic_cast<const memory_resource *>(&other);
        return o != nullptr && o->heap_ == heap_;
#else
        return false;
#endif
    }

private:
    chop_heap *heap_;
};

/** @brief The two modes of a heap (chop_init()). */
enum class mode {
    bitmap,   /**< With a bitmap: O(1) checks on free (needs #CHOPALLOC_HAVE_BITMAP). */
    free_list /**< No bitmap: less memory, frees checked against the free blocks' trees
                   (needs #CHOPALLOC_HAVE_FREE_LIST). */
};

/** @brief Bitmap mode where the library has it (#CHOPALLOC_HAVE_BITMAP), else free-list. */
constexpr mode default_mode = CHOPALLOC_HAVE_BITMAP ? mode::bitmap : mode::free_list;

/**
 * @brief A chop::memory_resource that owns its region, bitmap and heap.
 *
 * The region is a member array of @p Bytes bytes aligned to @p Align, so a
 * static_resource can be a static object (no allocation at all) or live on the
 * stack or inside another object; the bitmap, in bitmap mode, is a member array of
 * #CHOP_BITMAP_WORDS(@p Bytes) words.  The constructor calls chop_init(), which
 * cannot fail for these arguments; the heap is dropped with the object, so every
 * container using it must be destroyed first.  Not copyable or movable.
 *
 * @tparam Bytes Size of the region, at least #CHOP_MIN_BLOCK_SIZE.
 * @tparam Mode  chop::mode::bitmap (needs #CHOPALLOC_HAVE_BITMAP) or
 *               chop::mode::free_list (needs #CHOPALLOC_HAVE_FREE_LIST);
 *               chop::default_mode by default.
 * @tparam Align Alignment of the region, a power of two.  The default, the largest
 *               power of two not above @p Bytes (at most #CHOP_LARGEST_BLOCK_SIZE),
 *               loses nothing to alignment and lets a single block span the whole
 *               region when @p Bytes is a power of two; a smaller one costs less
 *               padding where the region is placed but splits it into smaller blocks.
 */
template <std::size_t Bytes, mode Mode = default_mode,
          std::size_t Align = detail::region_align(Bytes)>
class static_resource : public memory_resource {
    static_assert(Bytes >= detail::min_block,
                  "chop::static_resource: the region must hold at least one minimum block");
    static_assert(Align != 0 && (Align & (Align - 1)) == 0,
                  "chop::static_resource: Align must be a power of two");
    static_assert(Mode == mode::free_list || CHOPALLOC_HAVE_BITMAP,
                  "chop::static_resource: bitmap mode needs a library built with the bitmap");
    static_assert(Mode == mode::bitmap || CHOPALLOC_HAVE_FREE_LIST,
                  "chop::static_resource: free-list mode needs a library built with it");

public:
    /** @brief Builds the heap over the region: every byte of it free. */
    static_resource() noexcept : memory_resource(heap_storage_)
    {
        if (chop_init(&heap_storage_, region_, Bytes, bitmap_ptr(), bitmap_words()) != CHOP_OK) {
            std::abort(); /* cannot happen: the static_asserts rule out every refusal */
        }
    }

    static_resource(const static_resource &) = delete;
    static_resource &operator=(const static_resource &) = delete;

    /** @brief First byte of the region. */
    void *region() noexcept { return region_; }

    /** @brief Size of the region in bytes, @p Bytes. */
    static constexpr std::size_t region_size() noexcept { return Bytes; }

private:
    static constexpr std::size_t words_ = Mode == mode::bitmap ? detail::bitmap_words(Bytes) : 0;

    std::uint64_t *bitmap_ptr() noexcept { return words_ ? bitmap_ : nullptr; }
    static constexpr std::size_t bitmap_words() noexcept { return words_; }

    alignas(Align) unsigned char region_[Bytes];
    std::uint64_t bitmap_[words_ ? words_ : 1];
    chop_heap heap_storage_;
};

} // namespace chop

#endif /* CHOPALLOC_HPP */
