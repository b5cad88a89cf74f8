#include "infra/migrations.hpp"

#include <algorithm>
#include <charconv>

#include "core/embedded_files.hpp"

namespace emporium::infra {

std::vector<Migration> EmbeddedMigrations(std::string_view engine, const std::vector<std::string>& schemas) {
    std::vector<Migration> all;
    for (const auto& schema : schemas) {
        std::string prefix = "schemas/" + std::string(engine) + "/" + schema + "/";
        std::vector<Migration> migrations;
        for (const auto& file : core::EmbeddedFiles()) {
            if (file.path.substr(0, prefix.size()) != prefix) continue;
            std::string_view name = file.path.substr(prefix.size());
            Migration migration;
            migration.schema = schema;
            auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), migration.version);
            if (ec != std::errc()) continue;
            migration.name = std::string(name);
            migration.sql = std::string(file.content);
            migrations.push_back(std::move(migration));
        }
        std::sort(migrations.begin(), migrations.end(),
                  [](const Migration& a, const Migration& b) { return a.version < b.version; });
        all.insert(all.end(), migrations.begin(), migrations.end());
    }
    return all;
}

}  // namespace emporium::infra
