#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/result.hpp"

namespace emporium::config {

// One documented configuration key, e.g. {"server", "port", "8080", "TCP port ..."}.
struct KeyReference {
    std::string section;
    std::string key;
    std::string default_value;
    std::string description;
};

// The documented list of every key (printed by `emporium config`, copied into the README).
std::vector<KeyReference> DescribeKeys();

// Reads a TOML file into `settings`. Unknown sections or keys and wrong types are errors.
core::Result<void> ApplyTomlFile(const std::string& path, Settings& settings);

// Applies EMPORIUM_<SECTION>_<KEY>=value variables. Variables for unknown sections are
// ignored (EMPORIUM_BIN and the like); an unknown key in a known section is an error.
core::Result<void> ApplyEnvironment(const std::map<std::string, std::string>& environment, Settings& settings);

// Sets one key from its textual value ("server", "port", "9090").
core::Result<void> SetKey(const std::string& section, const std::string& key, const std::string& value,
                          Settings& settings);

// Checks ranges across keys (port 0..65535, positive sizes, ...).
core::Result<void> Validate(const Settings& settings);

}  // namespace emporium::config
