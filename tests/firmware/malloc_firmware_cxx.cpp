/*
 * The C++ part of tests/firmware/malloc_firmware: the standard containers, plain,
 * array, aligned and nothrow new, and std::bad_alloc, all through operator new on
 * the shim's malloc.  The two failure lines are in malloc-cxx-throw.expected.
 * SPDX-License-Identifier: MIT
 */
#include <cstdint>
#include <cstdio>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "malloc_firmware.h"

namespace {

struct alignas(64) Aligned {
    unsigned char bytes[64];
};

struct Counted {
    static int alive;
    int value;
    explicit Counted(int v) : value(v) { alive++; }
    ~Counted() { alive--; }
};
int Counted::alive = 0;

/* Sizes the compiler does not see, so that it neither refuses nor folds them. */
volatile std::size_t quarter_of_memory = SIZE_MAX / 4;

const char *yes(bool ok)
{
    return ok ? "yes" : "NO";
}

void containers()
{
    std::vector<int> numbers;
    for (int i = 0; i < 5000; i++)
        numbers.push_back(i * 3);
    long sum = 0;
    for (int n : numbers)
        sum += n;
    std::printf("c++ vector: %u elements, sum %ld\n", static_cast<unsigned>(numbers.size()), sum);

    std::map<std::string, int> counts;
    const char *text[] = {"heap", "block", "buddy", "heap", "block", "heap"};
    for (const char *w : text)
        counts[w]++;
    std::printf("c++ map:");
    for (const auto &entry : counts)
        std::printf(" %s=%d", entry.first.c_str(), entry.second);
    std::printf("\n");

    std::string s;
    for (int i = 0; i < 200; i++)
        s += "chop";
    s.append(std::string(100, '!'));
    std::printf("c++ string: %u characters, ends \"%s\"\n", static_cast<unsigned>(s.size()),
                s.substr(s.size() - 6).c_str());

    std::vector<std::string> names = {"zeta", "eta", "theta"};
    names.insert(names.begin(), std::string("a fairly long string that does not fit in SSO"));
    std::printf("c++ vector<string>: %u, first %u characters\n",
                static_cast<unsigned>(names.size()), static_cast<unsigned>(names[0].size()));
}

void new_and_delete()
{
    Counted *one = new Counted(7);
    Counted *many = static_cast<Counted *>(::operator new(3 * sizeof(Counted)));
    int *array = new int[1000]();
    bool zeroed = true;
    for (int i = 0; i < 1000; i++)
        zeroed = zeroed && array[i] == 0;
    Aligned *aligned = new Aligned;
    std::printf("c++ new: %d alive, new int[1000]() zeroed: %s, alignas(64) new aligned: %s\n",
                Counted::alive, yes(zeroed),
                yes((reinterpret_cast<std::uintptr_t>(aligned) & 63u) == 0));
    delete aligned;
    delete[] array;
    ::operator delete(many);
    delete one;
}

#ifndef FIRMWARE_CXX_NO_THROW
/* Needs a C++ library built with exceptions: newlib-nano's is not (its operator new
 * aborts where it would throw), and FIRMWARE_CXX_NO_THROW leaves this out. */
void allocation_failure()
{
    char *nothing = new (std::nothrow) char[quarter_of_memory];
    std::printf("c++ new (nothrow) too large: nullptr: %s\n", yes(nothing == nullptr));
    bool thrown = false;
    try {
        std::vector<char> too_big(quarter_of_memory);
        firmware_check(false, "a vector of SIZE_MAX / 4 chars");
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    std::printf("c++ new too large: std::bad_alloc: %s\n", yes(thrown));
}
#endif

} // namespace

extern "C" void firmware_cxx(void)
{
    std::size_t before = firmware_live_allocations();
    containers();
    new_and_delete();
#ifndef FIRMWARE_CXX_NO_THROW
    allocation_failure();
#endif
    std::printf("c++ all freed: %s\n", yes(firmware_live_allocations() == before));
}
