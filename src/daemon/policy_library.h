// `--policy-lib PATH`: policies built outside this tree, as shared
// libraries whose files register them with SCXX_REGISTER_POLICY.
#pragma once

#include <string>

namespace scxx {

// Loads the library, which registers its policies. Throws scxx::Error
// (exit status 2) when it cannot be loaded, was built for another version of
// the Policy interface, or registers nothing.
void load_policy_library(const std::string &path);

} // namespace scxx
