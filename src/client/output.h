// Everything a client command prints goes through one Output, so that
// - `--json` turns every record, including errors, into one JSON object per
//   line on stdout ({"status": "success"|"error"|"warning", ...});
// - `--quiet` hides the progress bar and informational lines (what was copied,
//   created, removed) but never data asked for (ls, cat, stat) or errors;
// - the progress bar (bytes, rate, ETA) is drawn only when stdout is a
//   terminal and neither --json nor --quiet is on, and is cleared before any
//   other line is printed;
// - any error makes the command's exit status 1.
// Thread-safe: transfers on many threads report through one Output.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "client/s3_client.h"

namespace silo::client {

// Code of an S3Error that describes a local failure (file, folder, usage of a
// target); its message is shown alone.
inline constexpr std::string_view kLocalErrorCode = "LocalError";
S3Error local_error(std::string message);
// "NoSuchKey (404): The specified key does not exist." or the local message.
std::string describe(const S3Error& e);

class Output {
 public:
  Output(bool json, bool quiet);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  bool json() const { return json_; }
  bool quiet() const { return quiet_; }

  // Data the user asked for: always printed (JSON record or the human line).
  void data(nlohmann::json record, std::string_view human);
  // What was done: printed unless --quiet (JSON records always).
  void info(nlohmann::json record, std::string_view human);
  // "silo: CMD: TARGET: <error>" on stderr, or a JSON error record; sets failed().
  void error(std::string_view command, std::string_view target, const S3Error& e);
  // Like error() without failing the command (skipped special files, ...).
  void warning(std::string_view command, std::string_view target, std::string_view message);
  // Raw bytes to stdout (cat); not mixed with the progress bar.
  void raw(std::string_view bytes);
  bool failed() const { return failed_; }

  // Progress: total may grow as work is discovered; done grows as bytes move.
  void start_progress();
  void add_total(uint64_t bytes) { total_ += bytes; }
  void add_done(uint64_t bytes) { done_ += bytes; }
  void stop_progress();

 private:
  void print_line(FILE* stream, std::string_view line);
  void clear_bar_locked();
  void draw_locked();

  const bool json_;
  const bool quiet_;
  const bool show_progress_;
  std::mutex mu_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> done_{0};
  bool bar_visible_ = false;
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread drawer_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace silo::client
