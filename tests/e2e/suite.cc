#include "tests/e2e/suite.h"

#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"

namespace ironorg::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status WriteSecretFile(const std::string& path,
                             const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents << "\n";
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
  return absl::OkStatus();
}

}  // namespace

ChildProcess::~ChildProcess() { Stop(); }

absl::Status ChildProcess::Start(const std::vector<std::string>& argv,
                                 const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      close(log);
    }
    // The test process may block these for its own threads; the child
    // must see them to stop.
    sigset_t signals;
    sigemptyset(&signals);
    sigprocmask(SIG_SETMASK, &signals, nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  return absl::OkStatus();
}

int ChildProcess::Stop() {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, SIGTERM);
  // A paused process handles SIGTERM only once it runs again.
  kill(pid_, SIGCONT);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) {
    kill(pid_, signal);
  }
}

void ChildProcess::Freeze() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGSTOP);
  // kill() returns before the process stops; WUNTRACED reports the stop.
  int status = 0;
  while (waitpid(pid_, &status, WUNTRACED) == -1 && errno == EINTR) {
  }
}

void ChildProcess::Kill() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool ChildProcess::IsRunning() {
  if (pid_ <= 0) {
    return false;
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

const std::vector<std::string>& Suite::ServiceNames() {
  static const std::vector<std::string> names = {
      "identity", "projects", "clusters", "billing", "gateway"};
  return names;
}

absl::StatusOr<std::unique_ptr<Suite>> Suite::Start(
    const SuiteOptions& options) {
  std::unique_ptr<Suite> suite(new Suite());
  suite->options_ = options;

  std::string pattern =
      (std::filesystem::temp_directory_path() / "ironorg-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  suite->data_dir_ = pattern;
  std::filesystem::create_directories(suite->data_dir_ + "/run");
  std::filesystem::create_directories(suite->data_dir_ + "/logs");

  suite->internal_secret_ = crypto::NewToken("secret_");
  suite->operator_token_ = crypto::NewToken("iop_");
  absl::Status status = WriteSecretFile(
      suite->data_dir_ + "/internal-secret", suite->internal_secret_);
  if (status.ok()) {
    status = WriteSecretFile(suite->data_dir_ + "/operator-token",
                             suite->operator_token_);
  }
  for (const std::string& service : ServiceNames()) {
    if (!status.ok()) {
      return status;
    }
    status = suite->Launch(service, "127.0.0.1:0");
  }
  if (!status.ok()) {
    return status;
  }
  return suite;
}

Suite::~Suite() {
  for (auto& [name, process] : extra_gateways_) {
    process->Stop();
  }
  for (auto it = ServiceNames().rbegin(); it != ServiceNames().rend(); ++it) {
    auto process = processes_.find(*it);
    if (process != processes_.end()) {
      process->second->Stop();
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

absl::Status Suite::Launch(const std::string& service,
                           const std::string& listen_address) {
  std::string bound_address;
  absl::StatusOr<std::unique_ptr<ChildProcess>> process =
      Spawn(service, service, listen_address, &bound_address);
  if (!process.ok()) {
    return process.status();
  }
  addresses_[service] = bound_address;
  processes_[service] = std::move(*process);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ChildProcess>> Suite::Spawn(
    const std::string& service, const std::string& process_name,
    const std::string& listen_address, std::string* bound_address) {
  const std::string ready_file =
      absl::StrCat(data_dir_, "/run/", process_name, ".addr");
  const std::string log_file =
      absl::StrCat(data_dir_, "/logs/", process_name, ".log");
  std::filesystem::remove(ready_file);

  std::vector<std::string> argv = {
      absl::StrCat(IRONORG_BIN_DIR, "/ironorg-", service),
      absl::StrCat("--listen_address=", listen_address),
      absl::StrCat("--data_dir=", data_dir_),
      absl::StrCat("--ready_file=", ready_file),
      absl::StrCat("--internal_secret_file=", data_dir_, "/internal-secret"),
      // A free port, since the default (the gRPC port + 1000) may be taken
      // when a restart reuses the gRPC port.
      "--admin_address=127.0.0.1:0"};
  if (service == "projects" || service == "clusters" || service == "gateway") {
    argv.push_back(
        absl::StrCat("--identity_address=", addresses_["identity"]));
  }
  if (service == "gateway") {
    argv.push_back(
        absl::StrCat("--projects_address=", addresses_["projects"]));
    argv.push_back(
        absl::StrCat("--clusters_address=", addresses_["clusters"]));
    argv.push_back(absl::StrCat("--billing_address=", addresses_["billing"]));
    argv.push_back(
        absl::StrCat("--operator_token_file=", data_dir_, "/operator-token"));
  }
  auto extra = options_.extra_flags.find(service);
  if (extra != options_.extra_flags.end()) {
    argv.insert(argv.end(), extra->second.begin(), extra->second.end());
  }

  auto process = std::make_unique<ChildProcess>();
  absl::Status started = process->Start(argv, log_file);
  if (!started.ok()) {
    return started;
  }

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(ready_file)) {
    if (!process->IsRunning()) {
      return absl::InternalError(
          absl::StrCat("ironorg-", service, " (", process_name,
                       ") exited during start-up; its log:\n",
                       ReadFile(log_file)));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "ironorg-", service, " (", process_name,
          ") did not become ready in 30 s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *bound_address =
      std::string(absl::StripAsciiWhitespace(ReadFile(ready_file)));
  // The server writes the admin file before the ready file.
  admin_addresses_[process_name] = std::string(
      absl::StripAsciiWhitespace(ReadFile(absl::StrCat(ready_file, ".admin"))));
  return process;
}

absl::StatusOr<std::string> Suite::StartExtraGateway() {
  const std::string process_name =
      absl::StrCat("gateway-", extra_gateways_.size() + 2);
  std::string bound_address;
  absl::StatusOr<std::unique_ptr<ChildProcess>> process =
      Spawn("gateway", process_name, "127.0.0.1:0", &bound_address);
  if (!process.ok()) {
    return process.status();
  }
  extra_gateways_[process_name] = std::move(*process);
  return bound_address;
}

void Suite::Stop(const std::string& service) {
  auto it = processes_.find(service);
  if (it != processes_.end()) {
    it->second->Stop();
  }
}

void Suite::Kill(const std::string& service) {
  auto it = processes_.find(service);
  if (it != processes_.end()) {
    it->second->Kill();
  }
}

void Suite::Pause(const std::string& service) {
  auto it = processes_.find(service);
  if (it != processes_.end()) {
    it->second->Freeze();
  }
}

void Suite::Resume(const std::string& service) {
  auto it = processes_.find(service);
  if (it != processes_.end()) {
    it->second->Signal(SIGCONT);
  }
}

absl::Status Suite::Restart(const std::string& service) {
  Stop(service);
  return Launch(service, addresses_[service]);
}

absl::Status Suite::RestartAll() {
  for (auto it = ServiceNames().rbegin(); it != ServiceNames().rend(); ++it) {
    Stop(*it);
  }
  for (const std::string& service : ServiceNames()) {
    absl::Status status = Launch(service, addresses_[service]);
    if (!status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

std::string Suite::address(const std::string& service) const {
  auto it = addresses_.find(service);
  return it == addresses_.end() ? std::string() : it->second;
}

std::string Suite::admin_address(const std::string& service) const {
  auto it = admin_addresses_.find(service);
  return it == admin_addresses_.end() ? std::string() : it->second;
}

std::shared_ptr<grpc::Channel> Suite::GatewayChannel() const {
  return ServiceChannel("gateway");
}

std::shared_ptr<grpc::Channel> Suite::ServiceChannel(
    const std::string& service) const {
  return grpc::CreateChannel(address(service),
                             grpc::InsecureChannelCredentials());
}

std::string Suite::ReadLogs() const {
  std::string logs;
  for (const std::string& service : ServiceNames()) {
    logs += ReadFile(absl::StrCat(data_dir_, "/logs/", service, ".log"));
  }
  for (const auto& [name, process] : extra_gateways_) {
    logs += ReadFile(absl::StrCat(data_dir_, "/logs/", name, ".log"));
  }
  return logs;
}

std::unique_ptr<grpc::ClientContext> ContextWithToken(
    const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return context;
}

absl::StatusOr<std::string> RunCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return absl::InternalError(absl::StrCat("cannot run ", command));
  }
  std::string output;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, read);
  }
  const int status = pclose(pipe);
  if (status != 0) {
    return absl::InternalError(absl::StrCat(
        "command exited with status ", status, ": ", command, "\n", output));
  }
  return output;
}

}  // namespace ironorg::testing
