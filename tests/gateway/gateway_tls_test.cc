// Tests of the real ironorg-gateway binary's public port: TLS with a
// throwaway self-signed certificate made by the openssl command line, and
// the start-up checks of the TLS flags and the listen address.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/suite.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::gateway {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::ironorg::testing::ChildProcess;
using ::ironorg::testing::RunCommand;
using ::testing::HasSubstr;

constexpr char kSecret[] = "an internal secret for tests, 32+ bytes long";

// How long the gateway gets to start serving, or to exit when its flags
// are invalid.
constexpr auto kStartTimeout = std::chrono::seconds(30);

// The deadline of every call in these tests.
constexpr auto kCallTimeout = std::chrono::seconds(10);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Calls grpc.health.v1.Health/Check for the whole server over `channel`.
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         HealthCheckResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return Health::NewStub(channel)->Check(&context, HealthCheckRequest(),
                                         response);
}

class GatewayTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(folder_.File("internal-secret")) << kSecret << "\n";
  }

  void TearDown() override { gateway_.Stop(); }

  // Writes a self-signed certificate for "localhost" and its private key
  // to cert.pem and key.pem in the test's folder.
  void GenerateCertificate() {
    if (!RunCommand("which openssl").ok()) {
      GTEST_SKIP() << "the openssl command is not installed";
    }
    absl::StatusOr<std::string> output = RunCommand(absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost -keyout ",
        key_file(), " -out ", cert_file(), " 2>&1"));
    ASSERT_TRUE(output.ok()) << output.status();
  }

  std::string cert_file() const { return folder_.File("cert.pem"); }
  std::string key_file() const { return folder_.File("key.pem"); }
  std::string log_file() const { return folder_.File("gateway.log"); }
  std::string ready_file() const { return folder_.File("gateway.addr"); }

  // Starts ironorg-gateway listening on `listen_address` with the extra
  // `flags`. The services behind it are never called.
  void Launch(const std::string& listen_address,
              const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {
        absl::StrCat(IRONORG_BIN_DIR, "/ironorg-gateway"),
        absl::StrCat("--listen_address=", listen_address),
        absl::StrCat("--ready_file=", ready_file()),
        absl::StrCat("--internal_secret_file=", folder_.File("internal-secret"))};
    argv.insert(argv.end(), flags.begin(), flags.end());
    absl::Status started = gateway_.Start(argv, log_file());
    ASSERT_TRUE(started.ok()) << started;
  }

  // Starts the gateway on 127.0.0.1 with a free port and returns the bound
  // address once it is serving.
  absl::StatusOr<std::string> StartGateway(
      const std::vector<std::string>& flags) {
    Launch("127.0.0.1:0", flags);
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (!std::filesystem::exists(ready_file())) {
      if (!gateway_.IsRunning()) {
        return absl::InternalError(absl::StrCat(
            "the gateway exited during start-up; its log:\n",
            ReadFile(log_file())));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return absl::DeadlineExceededError("the gateway did not start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::string(absl::StripAsciiWhitespace(ReadFile(ready_file())));
  }

  // Runs the gateway on `listen_address` with `flags`, expecting it to
  // exit during start-up, and returns its log.
  absl::StatusOr<std::string> RunUntilExit(
      const std::string& listen_address,
      const std::vector<std::string>& flags) {
    Launch(listen_address, flags);
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (gateway_.IsRunning()) {
      if (std::filesystem::exists(ready_file())) {
        return absl::InternalError(absl::StrCat(
            "the gateway started serving; its log:\n", ReadFile(log_file())));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return absl::DeadlineExceededError("the gateway did not exit");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ReadFile(log_file());
  }

  // A channel that trusts only the generated certificate and expects the
  // name "localhost" while connecting to the numeric `address`.
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(cert_file());
    grpc::ChannelArguments arguments;
    arguments.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(address, grpc::SslCredentials(options),
                                     arguments);
  }

  test::ScopedTempDir folder_;
  ChildProcess gateway_;
};

TEST_F(GatewayTlsTest, ServesHealthCheckOverTls) {
  GenerateCertificate();
  absl::StatusOr<std::string> address =
      StartGateway({absl::StrCat("--tls_cert_file=", cert_file()),
                    absl::StrCat("--tls_key_file=", key_file())});
  ASSERT_TRUE(address.ok()) << address.status();
  HealthCheckResponse response;

  grpc::Status status = CheckHealth(TlsChannel(*address), &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
}

TEST_F(GatewayTlsTest, PlaintextClientFailsOnTlsPort) {
  GenerateCertificate();
  absl::StatusOr<std::string> address =
      StartGateway({absl::StrCat("--tls_cert_file=", cert_file()),
                    absl::StrCat("--tls_key_file=", key_file())});
  ASSERT_TRUE(address.ok()) << address.status();
  HealthCheckResponse response;

  grpc::Status status = CheckHealth(
      grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()),
      &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayTlsTest, ReadsTlsFilesFromEnvironment) {
  GenerateCertificate();
  // The child inherits the environment at fork, so the variables can be
  // removed again right after the start.
  setenv("IRONORG_TLS_CERT_FILE", cert_file().c_str(), 1);
  setenv("IRONORG_TLS_KEY_FILE", key_file().c_str(), 1);
  absl::StatusOr<std::string> address = StartGateway({});
  unsetenv("IRONORG_TLS_CERT_FILE");
  unsetenv("IRONORG_TLS_KEY_FILE");
  ASSERT_TRUE(address.ok()) << address.status();
  HealthCheckResponse response;

  grpc::Status status = CheckHealth(TlsChannel(*address), &response);

  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GatewayTlsTest, CertificateWithoutKeyFailsStartup) {
  GenerateCertificate();

  absl::StatusOr<std::string> log = RunUntilExit(
      "127.0.0.1:0", {absl::StrCat("--tls_cert_file=", cert_file())});

  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(*log, HasSubstr("--tls_cert_file and --tls_key_file must be "
                              "set together, got only --tls_cert_file"));
}

TEST_F(GatewayTlsTest, KeyWithoutCertificateFailsStartup) {
  GenerateCertificate();

  absl::StatusOr<std::string> log = RunUntilExit(
      "127.0.0.1:0", {absl::StrCat("--tls_key_file=", key_file())});

  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(*log, HasSubstr("got only --tls_key_file"));
}

TEST_F(GatewayTlsTest, PlaintextOnNonLoopbackFailsStartup) {
  // 192.0.2.1 is reserved for documentation (RFC 5737) and is not an
  // address of this host, so even a gateway that skipped the check could
  // not bind it.
  absl::StatusOr<std::string> log = RunUntilExit("192.0.2.1:0", {});

  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(*log,
              HasSubstr("does not serve plaintext on the non-loopback address "
                        "\"192.0.2.1:0\""));
  EXPECT_THAT(*log, HasSubstr("--allow_plaintext_on_non_loopback"));
}

TEST_F(GatewayTlsTest, AllowPlaintextFlagStartsOnLoopback) {
  absl::StatusOr<std::string> address =
      StartGateway({"--allow_plaintext_on_non_loopback"});
  ASSERT_TRUE(address.ok()) << address.status();
  HealthCheckResponse response;

  grpc::Status status = CheckHealth(
      grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()),
      &response);

  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GatewayTlsTest, NonPositiveMessageLimitFailsStartup) {
  absl::StatusOr<std::string> log =
      RunUntilExit("127.0.0.1:0", {"--max_message_bytes=0"});

  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(*log, HasSubstr("--max_message_bytes must be positive, got 0"));
}

}  // namespace
}  // namespace ironorg::gateway
