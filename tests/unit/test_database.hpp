#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "infra/sqlite/database.hpp"

namespace emporium::testing {

// Opens `<directory>/<name>.db` with `migrations`, with the few read connections a unit test
// needs.
inline core::Result<std::unique_ptr<infra::sqlite::Database>> OpenTestDatabase(
    const std::filesystem::path& directory, const std::string& name, std::vector<infra::sqlite::Migration> migrations,
    int read_connections = 2, int write_batch_max = 64) {
    infra::sqlite::DatabaseOptions options;
    options.path = (directory / (name + ".db")).string();
    options.name = name;
    options.read_connections = read_connections;
    options.write_batch_max = write_batch_max;
    options.migrations = std::move(migrations);
    return infra::sqlite::Database::Open(std::move(options));
}

}  // namespace emporium::testing
