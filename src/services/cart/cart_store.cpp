#include "services/cart/cart_store.hpp"

#include <algorithm>

namespace emporium::cart {

bool StoredCart::Remembers(std::string_view change_id) const {
    return std::find(recent_changes.begin(), recent_changes.end(), change_id) != recent_changes.end();
}

}  // namespace emporium::cart
