#pragma once

#include <cstddef>
#include <cstdint>

// The fuzz targets (fuzz/README.md). Each is one libFuzzer entry point in the fuzz build
// (-DEMPORIUM_FUZZ=ON, clang) and a plain function in the unit tests, which replay the
// checked-in corpus (fuzz/corpus/<target>/: seeds and every crash found) on every run.
// A target returns 0; a broken invariant aborts (a crash, as a sanitizer finding is).
namespace emporium::fuzz {

int HttpRequest(const std::uint8_t* data, std::size_t size);
int JsonInput(const std::uint8_t* data, std::size_t size);
int Cursor(const std::uint8_t* data, std::size_t size);

// Aborts with `what` when `holds` is false.
void Check(bool holds, const char* what);

}  // namespace emporium::fuzz

#ifdef EMPORIUM_LIBFUZZER
#define EMPORIUM_FUZZ_ENTRY(target)                                                     \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
        return emporium::fuzz::target(data, size);                                      \
    }
#else
#define EMPORIUM_FUZZ_ENTRY(target)
#endif
