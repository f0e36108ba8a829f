// Tests of how the gateway chooses what to listen with: the loopback
// classification of listen addresses, the TLS file pair, and the rule
// against plaintext beyond loopback.
#include "services/gateway/listen_security.h"

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "common/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::gateway {
namespace {

using ::testing::HasSubstr;

ServerConfig PlaintextConfig(const std::string& listen_address) {
  ServerConfig config;
  config.listen_address = listen_address;
  return config;
}

TEST(IsLoopbackAddressTest, AcceptsLoopbackHosts) {
  for (const char* address :
       {"127.0.0.1:50051", "127.0.0.1:0", "127.255.10.3:8080", "[::1]:50051",
        "localhost:50051", "LocalHost:50051"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
}

TEST(IsLoopbackAddressTest, RejectsOtherHosts) {
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", ":50051", "10.0.0.5:50051",
        "128.0.0.1:50051", "[2001:db8::1]:50051", "example.com:50051",
        "127.0.0.1.example.com:50051", "localhost.example.com:50051",
        "[::1:50051", "unix:/tmp/gateway.sock", ""}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(CheckListenSecurityTest, AllowsPlaintextOnLoopback) {
  EXPECT_TRUE(CheckListenSecurity(PlaintextConfig("127.0.0.1:0"),
                                  /*allow_plaintext_on_non_loopback=*/false)
                  .ok());
}

TEST(CheckListenSecurityTest, RejectsPlaintextOnAllInterfaces) {
  absl::Status status =
      CheckListenSecurity(PlaintextConfig("0.0.0.0:50051"),
                          /*allow_plaintext_on_non_loopback=*/false);

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("\"0.0.0.0:50051\""));
  EXPECT_THAT(status.message(), HasSubstr("--tls_cert_file"));
  EXPECT_THAT(status.message(), HasSubstr("--tls_key_file"));
  EXPECT_THAT(status.message(), HasSubstr("--allow_plaintext_on_non_loopback"));
}

TEST(CheckListenSecurityTest, RejectsPlaintextOnIpv6Wildcard) {
  absl::Status status =
      CheckListenSecurity(PlaintextConfig("[::]:50051"),
                          /*allow_plaintext_on_non_loopback=*/false);

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CheckListenSecurityTest, AllowFlagPermitsPlaintextOnAllInterfaces) {
  EXPECT_TRUE(CheckListenSecurity(PlaintextConfig("0.0.0.0:50051"),
                                  /*allow_plaintext_on_non_loopback=*/true)
                  .ok());
}

TEST(CheckListenSecurityTest, AllowsTlsOnAllInterfaces) {
  ServerConfig config = PlaintextConfig("0.0.0.0:50051");
  config.tls_cert_file = "/etc/ironorg/cert.pem";
  config.tls_key_file = "/etc/ironorg/key.pem";

  EXPECT_TRUE(CheckListenSecurity(config,
                                  /*allow_plaintext_on_non_loopback=*/false)
                  .ok());
}

TEST(ListeningCredentialsTest, NeitherFileServesPlaintext) {
  EXPECT_TRUE(ListeningCredentials(PlaintextConfig("127.0.0.1:0")).ok());
}

TEST(ListeningCredentialsTest, CertificateWithoutKeyIsInvalid) {
  ServerConfig config = PlaintextConfig("127.0.0.1:0");
  config.tls_cert_file = "/etc/ironorg/cert.pem";

  absl::Status status = ListeningCredentials(config).status();

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("got only --tls_cert_file"));
}

TEST(ListeningCredentialsTest, KeyWithoutCertificateIsInvalid) {
  ServerConfig config = PlaintextConfig("127.0.0.1:0");
  config.tls_key_file = "/etc/ironorg/key.pem";

  absl::Status status = ListeningCredentials(config).status();

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("got only --tls_key_file"));
}

TEST(ListeningCredentialsTest, MissingFileFailsPrecondition) {
  test::ScopedTempDir folder;
  ServerConfig config = PlaintextConfig("127.0.0.1:0");
  config.tls_cert_file = folder.File("missing-cert.pem");
  config.tls_key_file = folder.File("missing-key.pem");

  absl::Status status = ListeningCredentials(config).status();

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("missing-cert.pem"));
}

TEST(ListeningCredentialsTest, EmptyFileFailsPrecondition) {
  test::ScopedTempDir folder;
  ServerConfig config = PlaintextConfig("127.0.0.1:0");
  config.tls_cert_file = folder.File("cert.pem");
  config.tls_key_file = folder.File("key.pem");
  std::ofstream(config.tls_cert_file) << "-----BEGIN CERTIFICATE-----\n";
  std::ofstream(config.tls_key_file).flush();

  absl::Status status = ListeningCredentials(config).status();

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("key.pem\" is empty"));
}

}  // namespace
}  // namespace ironorg::gateway
