// Turning the `silo server` arguments into drives and erasure sets.
//
// Arguments may use `{a...b}` ranges, several per argument
// (`/mnt/d{1...2}/s{1...4}` is 8 drives); zero-padded bounds keep their
// width (`{01...16}`). The drives of one pool (cluster/topology.h) are cut into
// equal erasure sets of 2-16 drives.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace silo::cluster {

// Expands every `{a...b}` range in `arg`, in order (the last range varies fastest).
Result<std::vector<std::string>> expand_ellipses(std::string_view arg);

// Expands every argument and concatenates the results. Rejects duplicates.
Result<std::vector<std::string>> expand_all(const std::vector<std::string>& args);

// The erasure set size for `drives` drives: the largest size <= 16 that
// divides the count (1 for a single drive). Fails when no size of at least 2
// divides it (e.g. 17 drives).
Result<size_t> choose_set_size(size_t drives);

// The default parity for a set of `set_size` drives (DESIGN.md §3).
int default_parity(size_t set_size);

// Parses "EC:N" (the SILO_STORAGE_CLASS_* syntax); fails unless 0 <= N <= set_size/2.
Result<int> parse_parity(std::string_view value, size_t set_size);

}  // namespace silo::cluster
