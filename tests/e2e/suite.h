// Starts the five real ironorg binaries on free loopback ports with a
// temporary data folder, for end-to-end tests that call the gateway over
// real gRPC.
#ifndef IRONORG_TESTS_E2E_SUITE_H_
#define IRONORG_TESTS_E2E_SUITE_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ironorg::testing {

// One child process, stopped with SIGTERM when destroyed.
class ChildProcess final {
 public:
  ChildProcess() = default;
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `argv[0]` with `argv`, appending its output to `log_path`.
  absl::Status Start(const std::vector<std::string>& argv,
                     const std::string& log_path);

  // Sends SIGTERM and waits for the exit. Returns the exit status as
  // waitpid reports it, or -1 if the process was not running.
  int Stop();

  // Sends SIGKILL and waits for the exit.
  void Kill();

  // Sends `signal` without waiting, such as SIGCONT.
  void Signal(int signal);

  // Sends SIGSTOP and waits until the process has stopped, so that it
  // serves no call that starts after Freeze returns.
  void Freeze();

  // Returns true while the process has not exited.
  bool IsRunning();

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// How a suite starts its processes.
struct SuiteOptions {
  // Flags appended to the command line of a service, keyed by service name
  // such as "identity", for example {"--login_lockout=2s"}. Restarted
  // processes and extra gateways get them too.
  std::map<std::string, std::vector<std::string>> extra_flags;
};

// The five processes of one suite.
class Suite final {
 public:
  // The service names, in start order: identity, projects, clusters,
  // billing, gateway.
  static const std::vector<std::string>& ServiceNames();

  // Creates a temporary data folder with an internal secret and an
  // operator token, and starts every process.
  static absl::StatusOr<std::unique_ptr<Suite>> Start(
      const SuiteOptions& options = {});

  // Stops every process and removes the data folder.
  ~Suite();

  // Stops one process with SIGTERM; its address stays reserved.
  void Stop(const std::string& service);

  // Kills one process with SIGKILL.
  void Kill(const std::string& service);

  // Freezes one process with SIGSTOP, so that it accepts connections but
  // returns nothing, as a hung service does. Resume continues it.
  void Pause(const std::string& service);
  void Resume(const std::string& service);

  // Starts a stopped process again on its previous address and data.
  absl::Status Restart(const std::string& service);

  // Stops all five and starts them again on the same addresses and data.
  absl::Status RestartAll();

  // The bound address of a process, such as 127.0.0.1:41233.
  std::string address(const std::string& service) const;

  // The bound address of a process's admin HTTP server (/metrics,
  // /healthz), such as 127.0.0.1:41877. Every process gets a free
  // loopback port of its own, also after a restart.
  std::string admin_address(const std::string& service) const;

  // Starts one more ironorg-gateway on a free loopback port, pointed at the
  // same four services, as a second replica would be. Returns its bound
  // address. The destructor stops it; Stop, Restart and RestartAll do not
  // touch it.
  absl::StatusOr<std::string> StartExtraGateway();

  // A channel to the gateway.
  std::shared_ptr<grpc::Channel> GatewayChannel() const;

  // A channel straight to a service, bypassing the gateway.
  std::shared_ptr<grpc::Channel> ServiceChannel(
      const std::string& service) const;

  const std::string& operator_token() const { return operator_token_; }
  const std::string& internal_secret() const { return internal_secret_; }
  const std::string& data_dir() const { return data_dir_; }

  // Returns the concatenated logs of every process so far, extra gateways
  // included.
  std::string ReadLogs() const;

 private:
  Suite() = default;

  absl::Status Launch(const std::string& service,
                      const std::string& listen_address);

  // Starts ironorg-<service> as the process `process_name`, which names its
  // ready file and log, and waits until it is serving. Stores its bound
  // address in `bound_address` and its admin address in admin_addresses_.
  absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(
      const std::string& service, const std::string& process_name,
      const std::string& listen_address, std::string* bound_address);

  std::string data_dir_;
  std::string operator_token_;
  std::string internal_secret_;
  std::map<std::string, std::string> addresses_;
  // Admin addresses keyed by process name, extra gateways included.
  std::map<std::string, std::string> admin_addresses_;
  std::map<std::string, std::unique_ptr<ChildProcess>> processes_;
  SuiteOptions options_;
  // The processes started by StartExtraGateway, keyed by process name.
  std::map<std::string, std::unique_ptr<ChildProcess>> extra_gateways_;
};

// Returns a client context with a 10-second deadline and, when `token` is
// not empty, `authorization: Bearer <token>`.
std::unique_ptr<grpc::ClientContext> ContextWithToken(const std::string& token);

// Runs a shell command and returns what it printed on standard output.
absl::StatusOr<std::string> RunCommand(const std::string& command);

}  // namespace ironorg::testing

#endif  // IRONORG_TESTS_E2E_SUITE_H_
