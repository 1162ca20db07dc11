#include "client/output.h"

#include <unistd.h>

#include <cstdio>

#include "common/units.h"

namespace silo::client {

S3Error local_error(std::string message) {
  return S3Error{0, std::string(kLocalErrorCode), std::move(message), {}};
}

std::string describe(const S3Error& e) {
  if (e.code == kLocalErrorCode) return e.message;
  return e.describe();
}

Output::Output(bool json, bool quiet)
    : json_(json), quiet_(quiet), show_progress_(!json && !quiet && ::isatty(STDOUT_FILENO)) {}

Output::~Output() { stop_progress(); }

void Output::print_line(FILE* stream, std::string_view line) {
  std::lock_guard lock(mu_);
  clear_bar_locked();
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);
}

void Output::data(nlohmann::json record, std::string_view human) {
  if (json_) {
    record["status"] = "success";
    print_line(stdout, record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    print_line(stdout, human);
  }
}

void Output::info(nlohmann::json record, std::string_view human) {
  if (json_ || !quiet_) data(std::move(record), human);
}

void Output::error(std::string_view command, std::string_view target, const S3Error& e) {
  failed_ = true;
  if (json_) {
    nlohmann::json err = {{"command", command}, {"target", target}, {"code", e.code},
                          {"httpStatus", e.http_status}, {"message", e.message}};
    if (!e.request_id.empty()) err["requestId"] = e.request_id;
    nlohmann::json rec = {{"status", "error"}, {"error", err}};
    print_line(stdout, rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  std::string line = "silo: " + std::string(command) + ": ";
  if (!target.empty()) line += std::string(target) + ": ";
  print_line(stderr, line + describe(e));
}

void Output::warning(std::string_view command, std::string_view target, std::string_view message) {
  if (json_) {
    nlohmann::json rec = {{"status", "warning"},
                          {"warning", {{"command", command}, {"target", target}, {"message", message}}}};
    print_line(stdout, rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  print_line(stderr, "silo: " + std::string(command) + ": " + std::string(target) + ": " +
                         std::string(message));
}

void Output::raw(std::string_view bytes) {
  std::lock_guard lock(mu_);
  clear_bar_locked();
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}

void Output::clear_bar_locked() {
  if (!bar_visible_) return;
  std::fputs("\r\033[K", stdout);
  bar_visible_ = false;
}

void Output::draw_locked() {
  using namespace std::chrono;
  double secs = duration<double>(steady_clock::now() - started_).count();
  uint64_t done = done_, total = std::max<uint64_t>(total_, done);
  double rate = secs > 0 ? done / secs : 0;
  int width = 30;
  int filled = total ? static_cast<int>(width * (double(done) / total)) : 0;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::string eta = rate > 0 && total > done ? format_seconds((total - done) / rate) : "-";
  std::fprintf(stdout, "\r\033[K[%s] %s / %s  %s/s  ETA %s", bar.c_str(),
               format_size(done).c_str(), format_size(total).c_str(),
               format_size(static_cast<uint64_t>(rate)).c_str(), eta.c_str());
  std::fflush(stdout);
  bar_visible_ = true;
}

void Output::start_progress() {
  if (!show_progress_ || drawer_.joinable()) return;
  started_ = std::chrono::steady_clock::now();
  drawer_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; })) {
      draw_locked();
    }
  });
}

void Output::stop_progress() {
  if (!drawer_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    draw_locked();
    std::fputc('\n', stdout);
    bar_visible_ = false;
  }
  cv_.notify_all();
  drawer_.join();
}

}  // namespace silo::client
