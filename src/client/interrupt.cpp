#include "client/interrupt.h"

#include <csignal>

namespace silo::client {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "set from a signal handler");

void on_interrupt(int sig) { g_signal.store(sig, std::memory_order_relaxed); }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  // SA_RESETHAND: a second Ctrl-C takes the default action and kills.
  // SA_RESTART: reads and writes in progress are not cut short by EINTR.
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<int>& interrupt_signal() { return g_signal; }

}  // namespace silo::client
