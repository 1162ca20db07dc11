// read_ca_bundle: the system's CAs plus a folder of the user's own.
#include "common/ca_bundle.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.h"
#include "tls_test_certs.h"

namespace silo {
namespace {

using test_support::make_test_cert;
using test_support::replace_file;
using test_support::TempDir;

TEST(CaBundle, AddsThePemFilesOfTheFolderToTheSystemBundle) {
  TempDir dir;
  replace_file(dir.path() + "/system.pem", "SYSTEM\n");
  std::filesystem::create_directory(dir.path() + "/CAs");
  auto a = make_test_cert("a"), b = make_test_cert("b", 2);
  replace_file(dir.path() + "/CAs/b.pem", b.cert_pem);
  replace_file(dir.path() + "/CAs/a.crt", a.cert_pem);
  replace_file(dir.path() + "/CAs/notes.txt", "not read");
  auto bundle = read_ca_bundle(dir.path() + "/CAs", dir.path() + "/system.pem");
  ASSERT_TRUE(bundle) << bundle.error().text();
  EXPECT_EQ(bundle->pem, "SYSTEM\n" + a.cert_pem + b.cert_pem);
  ASSERT_EQ(bundle->extra.size(), 2u);
}

TEST(CaBundle, AMissingFolderOrSystemBundleIsNoError) {
  TempDir dir;
  auto bundle = read_ca_bundle(dir.path() + "/none", dir.path() + "/none.pem");
  ASSERT_TRUE(bundle);
  EXPECT_TRUE(bundle->pem.empty());
  EXPECT_TRUE(bundle->extra.empty());
}

TEST(CaBundle, AFileThatIsNoCertificateIsRefusedByName) {
  TempDir dir;
  replace_file(dir.path() + "/broken.crt", "hello");
  auto bundle = read_ca_bundle(dir.path(), "");
  ASSERT_FALSE(bundle);
  EXPECT_NE(bundle.error().text().find("broken.crt"), std::string::npos);
}

}  // namespace
}  // namespace silo
