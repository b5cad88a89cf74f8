#pragma once

#include <string>
#include <string_view>
#include <vector>

// The numbered SQL migrations compiled into the binary (schemas/<engine>/<schema>/NNNN_*.sql),
// one shape for every SQL engine: each engine's Database applies them in its own way.
namespace emporium::infra {

struct Migration {
    std::string schema;  // the owner of the tables, e.g. "orders" (schemas/<engine>/<schema>/)
    int version = 0;     // unique within its schema; the same numbers on every engine
    std::string name;
    std::string sql;
};

// The migrations embedded under schemas/<engine>/<schema>/ for each of `schemas`, in the
// order given, each schema's ordered by version. File names are NNNN_description.sql.
std::vector<Migration> EmbeddedMigrations(std::string_view engine, const std::vector<std::string>& schemas);

}  // namespace emporium::infra
