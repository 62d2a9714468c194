// Roles by key (dispatcher/zap_policy.h), checked against the rules table written out by hand.
#include <gtest/gtest.h>

#include <fstream>

#include "dispatcher/zap_policy.h"
#include "formats/protocol/curve_keys.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

std::string key() { return proto::generate_keypair().value().public_key; }

TEST(ZapPolicy, OpenEnrollmentMakesEveryUnbannedNonClientKeyAWorker) {
  const std::string client = key(), stranger = key(), banned = key();
  AccessPolicy policy;
  policy.client_allow = {client, banned};
  policy.banned = {banned};
  // key        client  worker  connects
  EXPECT_TRUE(policy.is_client(client));
  EXPECT_FALSE(policy.is_worker(client));
  EXPECT_FALSE(policy.is_client(stranger));
  EXPECT_TRUE(policy.is_worker(stranger));
  EXPECT_TRUE(policy.may_connect(stranger));
  EXPECT_FALSE(policy.is_client(banned));  // banned wins over the allow list
  EXPECT_FALSE(policy.is_worker(banned));
  EXPECT_FALSE(policy.may_connect(banned));
}

TEST(ZapPolicy, WorkerAllowListClosesEnrollment) {
  const std::string client = key(), worker = key(), both = key(), stranger = key();
  AccessPolicy policy;
  policy.worker_allow = std::set<std::string>{worker, both};
  policy.client_allow = {client, both};
  EXPECT_TRUE(policy.is_worker(worker));
  EXPECT_FALSE(policy.is_client(worker));
  EXPECT_TRUE(policy.is_worker(both));
  EXPECT_TRUE(policy.is_client(both));
  EXPECT_FALSE(policy.is_worker(client));
  EXPECT_FALSE(policy.may_connect(stranger));
}

TEST(ZapPolicy, ReadsListsAndNamesABadFile) {
  testing::TempDir dir;
  const std::string a = key(), b = key();
  std::ofstream(dir / "clients") << "# clients\n" << a << "\n";
  std::ofstream(dir / "bans") << b << "  # flooded us\n";
  std::ofstream(dir / "broken") << "xyz\n";
  Result<AccessPolicy> policy = read_access_policy("", (dir / "clients").string(), (dir / "bans").string());
  ASSERT_TRUE(policy.is_ok()) << policy.message();
  EXPECT_FALSE(policy->worker_allow.has_value());
  EXPECT_EQ(policy->client_allow, std::set<std::string>{a});
  EXPECT_EQ(policy->banned, std::set<std::string>{b});
  Result<AccessPolicy> bad = read_access_policy((dir / "broken").string(), "", "");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("broken:1"), std::string::npos) << bad.message();
  EXPECT_FALSE(read_access_policy("", (dir / "absent").string(), "").is_ok());
}

}  // namespace
}  // namespace tf
