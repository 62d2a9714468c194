// Reputation events, quarantine thresholds, and the documented probability that a cheater goes
// undetected (reputation.h) checked against Monte-Carlo runs of the policy functions.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dispatcher/reputation.h"

namespace tf {
namespace {

TEST(Reputation, ValidResultsBuildTrustAndOneInvalidResetsIt) {
  TrustPolicy policy;
  policy.trust_after = 3;
  WorkerRecord w;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(apply_trust_event(w, TrustEvent::kValid, policy));
  EXPECT_TRUE(is_trusted(w, policy));
  EXPECT_FALSE(apply_trust_event(w, TrustEvent::kInvalid, policy));
  EXPECT_FALSE(is_trusted(w, policy));
  EXPECT_EQ(w.valid, 3u);
  EXPECT_EQ(w.invalid, 1u);
  EXPECT_EQ(w.consecutive_valid, 0u);
}

TEST(Reputation, QuarantineAtEachThresholdWithAReason) {
  TrustPolicy policy;  // 2 invalid, 5 malformed, 5 timeouts in a row
  WorkerRecord cheat;
  apply_trust_event(cheat, TrustEvent::kInvalid, policy);
  EXPECT_TRUE(apply_trust_event(cheat, TrustEvent::kInvalid, policy, "unit 7"));
  EXPECT_TRUE(cheat.quarantined);
  EXPECT_NE(cheat.quarantine_reason.find("lost a quorum"), std::string::npos) << cheat.quarantine_reason;
  EXPECT_NE(cheat.quarantine_reason.find("unit 7"), std::string::npos) << cheat.quarantine_reason;
  EXPECT_FALSE(apply_trust_event(cheat, TrustEvent::kInvalid, policy)) << "quarantined once";

  WorkerRecord noisy;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(apply_trust_event(noisy, TrustEvent::kMalformed, policy));
  EXPECT_TRUE(apply_trust_event(noisy, TrustEvent::kMalformed, policy));

  WorkerRecord flaky;  // timeouts count only in a row: a valid result in between resets them
  for (int i = 0; i < 4; ++i) apply_trust_event(flaky, TrustEvent::kTimeout, policy);
  apply_trust_event(flaky, TrustEvent::kValid, policy);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(apply_trust_event(flaky, TrustEvent::kTimeout, policy));
  EXPECT_TRUE(apply_trust_event(flaky, TrustEvent::kTimeout, policy));
  EXPECT_EQ(flaky.timed_out, 9u);

  WorkerRecord unlucky;  // errors (UnitFailure) never quarantine
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(apply_trust_event(unlucky, TrustEvent::kError, policy));
}

TEST(Reputation, OnlyTrustedWorkersEverGetSingleReplicaUnits) {
  TrustPolicy policy;
  policy.trust_after = 1;
  policy.spot_check_rate = 0.0;
  TrustRng rng(1);
  WorkerRecord fresh;
  EXPECT_FALSE(single_replica_suffices(is_trusted(fresh, policy), policy, rng));
  apply_trust_event(fresh, TrustEvent::kValid, policy);
  EXPECT_TRUE(single_replica_suffices(is_trusted(fresh, policy), policy, rng));
  fresh.quarantined = true;
  EXPECT_FALSE(single_replica_suffices(is_trusted(fresh, policy), policy, rng));
}

TEST(Reputation, AgreementNobodyTrustedVouchedForEarnsNoTrustAndLosingToItIsNoFault) {
  TrustPolicy policy;
  policy.trust_after = 3;
  WorkerRecord colluder;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(apply_trust_event(colluder, TrustEvent::kAgreed, policy));
  EXPECT_EQ(colluder.valid, 100u) << "accepted results are still counted";
  EXPECT_EQ(colluder.consecutive_valid, 0u);
  EXPECT_FALSE(is_trusted(colluder, policy)) << "however many agreements among untrusted keys";

  WorkerRecord honest;
  for (int i = 0; i < 3; ++i) apply_trust_event(honest, TrustEvent::kValid, policy);
  ASSERT_TRUE(is_trusted(honest, policy));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(apply_trust_event(honest, TrustEvent::kOutvoted, policy));
  EXPECT_EQ(honest.invalid, 0u) << "outvoted by untrusted keys: no fault counted";
  EXPECT_FALSE(honest.quarantined);
  EXPECT_FALSE(is_trusted(honest, policy)) << "but its run of vouched results starts over";
}

// Runs `runs` workers that cheat on each unit with probability q for n units under `policy`,
// starting with `start` consecutive valid results, through the policy functions: a cheat on a
// replicated unit meets an honest replica and is detected; a cheat on a single-replica unit is
// accepted (and counts as valid). Returns the share never detected.
double undetected_share(const TrustPolicy& policy, uint64_t start, double q, int n, int runs) {
  TrustRng spot_checks(2024);
  std::mt19937_64 cheats(77);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  int undetected = 0;
  for (int run = 0; run < runs; ++run) {
    WorkerRecord w;
    w.consecutive_valid = start;
    bool detected = false;
    for (int unit = 0; unit < n && !detected; ++unit) {
      const bool single = single_replica_suffices(is_trusted(w, policy), policy, spot_checks);
      const bool cheat = uniform(cheats) < q;
      detected = cheat && !single;
      apply_trust_event(w, detected ? TrustEvent::kInvalid : TrustEvent::kValid, policy);
    }
    undetected += detected ? 0 : 1;
  }
  return static_cast<double>(undetected) / runs;
}

// Four binomial standard errors: a correct formula fails this with probability < 1e-4.
double tolerance(double p, int runs) { return 4.0 * std::sqrt(p * (1.0 - p) / runs); }

TEST(Reputation, TrustedCheaterGoesUndetectedWithProbabilityOneMinusQsToTheN) {
  TrustPolicy policy;
  policy.trust_after = 5;
  policy.spot_check_rate = 0.1;
  const double q = 0.3;
  const int n = 20, runs = 20000;
  const double predicted = std::pow(1.0 - q * policy.spot_check_rate, n);  // 0.544
  const double observed = undetected_share(policy, policy.trust_after, q, n, runs);
  EXPECT_NEAR(observed, predicted, tolerance(predicted, runs));
}

TEST(Reputation, UntrustedCheaterIsCaughtAtItsFirstCheat) {
  TrustPolicy policy;
  policy.trust_after = 1000;  // never trusted within the run
  const double q = 0.05;
  const int n = 20, runs = 20000;
  const double predicted = std::pow(1.0 - q, n);  // 0.358
  const double observed = undetected_share(policy, 0, q, n, runs);
  EXPECT_NEAR(observed, predicted, tolerance(predicted, runs));
}

TEST(Reputation, DefaultPolicyFiguresQuotedInTheHeader) {
  const TrustPolicy policy;  // s = 0.1
  EXPECT_NEAR(std::pow(1.0 - policy.spot_check_rate, 10), 0.35, 0.005);
  EXPECT_NEAR(std::pow(1.0 - policy.spot_check_rate, 44), 0.01, 0.0005);
  const int runs = 20000;
  const double observed = undetected_share(policy, policy.trust_after, 1.0, 10, runs);
  EXPECT_NEAR(observed, std::pow(0.9, 10), tolerance(std::pow(0.9, 10), runs));
}

}  // namespace
}  // namespace tf
