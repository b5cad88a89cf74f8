// Every input of fuzz/corpus/<target>/ — the seeds and each crash a fuzzer found, kept as
// a regression test — replayed through its target on every test run (the fuzzers
// themselves run in `make fuzz`, which `make test` runs briefly).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz_targets.hpp"

namespace emporium::fuzz {
namespace {

int Replay(const std::string& target, int (*run)(const std::uint8_t*, std::size_t)) {
    int replayed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(EMPORIUM_FUZZ_CORPUS) + "/" + target)) {
        std::ifstream file(entry.path(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        SCOPED_TRACE(entry.path().string());
        EXPECT_EQ(run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
        ++replayed;
    }
    return replayed;
}

TEST(FuzzCorpus, HttpRequest) { EXPECT_GE(Replay("http_request", HttpRequest), 10); }
TEST(FuzzCorpus, JsonInput) { EXPECT_GE(Replay("json_input", JsonInput), 5); }
TEST(FuzzCorpus, Cursor) { EXPECT_GE(Replay("cursor", Cursor), 5); }

}  // namespace
}  // namespace emporium::fuzz
