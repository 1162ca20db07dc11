// Ctrl-C and SIGTERM during a client command. The first signal does not kill
// the process: it is recorded, every transfer in flight stops at its next
// libcurl callback (S3Client's `cancel` flag), no new work is started, and
// the command cleans up after itself (partial downloads are removed,
// multipart uploads aborted) before exiting with 128 + the signal number. A
// second signal kills at once (the handlers reset themselves).
#pragma once

#include <atomic>

namespace silo::client {

// Installs the SIGINT and SIGTERM handlers. Call once, before any transfer.
void install_interrupt_handlers();

// The signal that interrupted the command, 0 while none has. Lock-free,
// non-zero forever once set; S3Client polls it through ClientConfig::cancel.
const std::atomic<int>& interrupt_signal();

inline bool interrupted() { return interrupt_signal().load(std::memory_order_relaxed) != 0; }

}  // namespace silo::client
