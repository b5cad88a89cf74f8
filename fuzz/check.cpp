#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

namespace emporium::fuzz {

void Check(bool holds, const char* what) {
    if (holds) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

}  // namespace emporium::fuzz
