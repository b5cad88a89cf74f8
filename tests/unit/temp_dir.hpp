#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

namespace emporium::testing {

// A fresh directory under the system's temporary directory (`<prefix><random>`), removed
// with everything in it when the object goes: declare it before the databases that live in
// it, so that they close first.
class TempDir {
  public:
    explicit TempDir(std::string_view prefix) {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                (std::string(prefix) + std::to_string(random()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace emporium::testing
