#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace emporium::core {

// A file compiled into the binary (cmake/embed_files.cmake): the OpenAPI document and
// the SQL migrations, so the binary runs from any directory.
struct EmbeddedFile {
    std::string_view path;  // relative to the repository root, e.g. "schemas/sqlite/users/0001_init.sql"
    std::string_view content;
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

inline std::optional<std::string_view> FindEmbeddedFile(std::string_view path) {
    for (const auto& file : EmbeddedFiles())
        if (file.path == path) return file.content;
    return std::nullopt;
}

}  // namespace emporium::core
