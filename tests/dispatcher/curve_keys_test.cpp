// Key files (formats/protocol/curve_keys.h): what keygen writes loads back, private files are
// 0600, existing files are kept, and malformed or exposed files are refused with errors that
// name them. Truth comes from libzmq (zmq_curve_public, zmq_z85_decode) and stat().
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <zmq.h>

#include "formats/protocol/curve_keys.h"
#include "tests/support/temp_dir.h"

namespace tf::proto {
namespace {

using testing::TempDir;

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(CurveKeys, GeneratedKeypairMatchesLibzmqDerivation) {
  const CurveKeypair keys = generate_keypair().value();
  char derived[41] = {};
  ASSERT_EQ(zmq_curve_public(derived, keys.secret_key.c_str()), 0);
  EXPECT_EQ(keys.public_key, derived);
  EXPECT_NE(generate_keypair().value(), keys);
}

TEST(CurveKeys, Z85KeyCheck) {
  const CurveKeypair keys = generate_keypair().value();
  EXPECT_TRUE(is_z85_key(keys.public_key));
  EXPECT_FALSE(is_z85_key(keys.public_key.substr(1)));        // 39 characters
  EXPECT_FALSE(is_z85_key(keys.public_key + "a"));            // 41
  EXPECT_FALSE(is_z85_key("\"" + keys.public_key.substr(1)));  // '"' is not in Z85
  EXPECT_FALSE(is_z85_key(std::string(40, '~')));
}

TEST(CurveKeys, KeygenFilesArePrivateAndLoadBack) {
  TempDir dir;
  const std::filesystem::path path = dir / "sub" / "worker.key";
  const CurveKeypair keys = generate_keypair().value();
  ASSERT_TRUE(write_keypair_files(path, keys, false).is_ok());
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir / "sub"), 0700u);
  EXPECT_EQ(mode_of(dir / "sub" / "worker.key.pub"), 0644u);
  Result<CurveKeypair> loaded = read_keypair_file(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.message();
  EXPECT_EQ(loaded.value(), keys);
  // The .pub file is a valid one-key list and a valid --server-key argument.
  EXPECT_EQ(read_key_list(dir / "sub" / "worker.key.pub").value(), std::set<std::string>{keys.public_key});
  EXPECT_EQ(parse_public_key((dir / "sub" / "worker.key.pub").string()).value(), keys.public_key);
  EXPECT_EQ(parse_public_key(path.string()).value(), keys.public_key);
  EXPECT_EQ(parse_public_key(keys.public_key).value(), keys.public_key);
}

TEST(CurveKeys, ExistingFilesAreKeptUnlessForced) {
  TempDir dir;
  const std::filesystem::path path = dir / "k.key";
  const CurveKeypair first = generate_keypair().value();
  const CurveKeypair second = generate_keypair().value();
  ASSERT_TRUE(write_keypair_files(path, first, false).is_ok());
  const Status refused = write_keypair_files(path, second, false);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("--force"), std::string::npos) << refused.message();
  EXPECT_EQ(read_keypair_file(path).value(), first);
  ::chmod(path.c_str(), 0644);  // an exposed file is recreated private by --force
  ASSERT_TRUE(write_keypair_files(path, second, true).is_ok());
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(read_keypair_file(path).value(), second);
}

TEST(CurveKeys, LoadOrCreateCreatesOnceThenLoads) {
  TempDir dir;
  bool created = false;
  const CurveKeypair made = load_or_create_keypair(dir / "c" / "client.key", &created).value();
  EXPECT_TRUE(created);
  const CurveKeypair again = load_or_create_keypair(dir / "c" / "client.key", &created).value();
  EXPECT_FALSE(created);
  EXPECT_EQ(made, again);
}

TEST(CurveKeys, BadKeyFilesAreRefusedNamingTheFile) {
  TempDir dir;
  const CurveKeypair keys = generate_keypair().value();
  const CurveKeypair other = generate_keypair().value();
  auto expect_refused = [](const std::filesystem::path& path, const std::string& why) {
    Result<CurveKeypair> r = read_keypair_file(path);
    ASSERT_FALSE(r.is_ok()) << path;
    EXPECT_NE(r.message().find(path.string()), std::string::npos) << r.message();
    EXPECT_NE(r.message().find(why), std::string::npos) << r.message();
  };
  expect_refused(dir / "missing.key", "cannot read");
  write_text(dir / "garbage.key", "hello\n");
  ::chmod((dir / "garbage.key").c_str(), 0600);
  expect_refused(dir / "garbage.key", "malformed");
  write_text(dir / "mixed.key", "public-key = " + keys.public_key + "\nsecret-key = " + other.secret_key + "\n");
  ::chmod((dir / "mixed.key").c_str(), 0600);
  expect_refused(dir / "mixed.key", "does not belong");
  ASSERT_TRUE(write_keypair_files(dir / "open.key", keys, false).is_ok());
  ::chmod((dir / "open.key").c_str(), 0640);
  expect_refused(dir / "open.key", "chmod 600");
}

TEST(CurveKeys, KeyListsTakeCommentsAndNameBadLines) {
  TempDir dir;
  const CurveKeypair a = generate_keypair().value();
  const CurveKeypair b = generate_keypair().value();
  write_text(dir / "ok.list", "# allowed clients\n\n" + a.public_key + "   # alice\n  " + b.public_key + "\n");
  EXPECT_EQ(read_key_list(dir / "ok.list").value(), (std::set<std::string>{a.public_key, b.public_key}));
  write_text(dir / "bad.list", a.public_key + "\nnot-a-key\n");
  Result<std::set<std::string>> bad = read_key_list(dir / "bad.list");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find((dir / "bad.list").string() + ":2"), std::string::npos) << bad.message();
  write_text(dir / "two.list", a.public_key + " " + b.public_key + "\n");
  EXPECT_FALSE(read_key_list(dir / "two.list").is_ok());
  EXPECT_FALSE(parse_public_key((dir / "ok.list").string()).is_ok());  // two keys: which one?
  EXPECT_FALSE(parse_public_key("no-such-file-or-key").is_ok());
  // A file whose 40-character name is valid Z85 is read as a file, not taken for a key.
  if (dir.path().string().size() >= 39) GTEST_SKIP() << "the temp folder name is too long for this check";
  const std::filesystem::path z85_name = dir / std::string(39 - dir.path().string().size(), 'k');
  ASSERT_TRUE(is_z85_key(z85_name.string())) << z85_name;
  write_text(z85_name, a.public_key + "\n");
  EXPECT_EQ(parse_public_key(z85_name.string()).value(), a.public_key);
}

TEST(CurveKeys, DefaultPathFollowsXdgConfigHome) {
  const char* saved_xdg = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = saved_xdg ? saved_xdg : "";
  ::setenv("XDG_CONFIG_HOME", "/some/config", 1);
  EXPECT_EQ(default_key_path("worker.key").value(), std::filesystem::path("/some/config/tilefarm/worker.key"));
  ::setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
  ::setenv("HOME", std::getenv("HOME") ? std::getenv("HOME") : "/home/x", 1);
  EXPECT_EQ(default_key_path("client.key").value(),
            std::filesystem::path(std::getenv("HOME")) / ".config/tilefarm/client.key");
  if (saved_xdg) {
    ::setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_CONFIG_HOME");
  }
}

}  // namespace
}  // namespace tf::proto
