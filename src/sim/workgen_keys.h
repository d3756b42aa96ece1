// rt-app's `workgen` script numbers the keys a JSON object repeats before
// rt-app reads the file (json-c would keep only the last of them). This is
// its check_unikid_json, line by line as it does it, so a file gives the
// same events here as under `workgen`.
#pragma once

#include <string>

namespace scxx::sim {

// The text with repeated keys renamed as workgen renames them: in each
// object a counter starts at 1; a key already seen there becomes key +
// counter, the counter going up until the name is new, and it stays there
// for the next repeat ("run", "run" -> "run1"; then "sleep" -> "sleep1", a
// third "run" -> "run2"). As in workgen, a line opening an object counts
// its key in the inner object, so a repeated phase or task name is left
// alone (json-c then keeps its last value, in the first one's place).
std::string workgen_number_keys(const std::string &text);

} // namespace scxx::sim
