// TlsCerts: the server's certificate from a certs folder, and its reload
// when the files change (a renewal without a restart).
#include "http/tls_certs.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>

#include "temp_dir.h"
#include "tls_test_certs.h"

namespace silo::http {
namespace {

using namespace std::chrono_literals;
using test_support::make_test_cert;
using test_support::replace_file;
using test_support::TempDir;
using test_support::write_cert_dir;

// The common name of the certificate a context serves.
std::string served_name(const std::shared_ptr<boost::asio::ssl::context>& ctx) {
  X509* x = SSL_CTX_get0_certificate(ctx->native_handle());
  if (!x) return {};
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, name, sizeof name);
  return name;
}

TEST(TlsCerts, ServesTheCertificateOfTheFolder) {
  TempDir dir;
  write_cert_dir(dir.path(), make_test_cert("first"));
  auto certs = TlsCerts::load(dir.path(), 0ms);
  ASSERT_TRUE(certs) << certs.error().text();
  EXPECT_EQ(served_name((*certs)->current()), "first");
  // Unchanged files: the same context, nothing loaded again.
  EXPECT_EQ((*certs)->current(), (*certs)->current());
}

TEST(TlsCerts, NewConnectionsGetAChangedCertificateOldOnesKeepTheirs) {
  TempDir dir;
  write_cert_dir(dir.path(), make_test_cert("first"));
  auto certs = TlsCerts::load(dir.path(), 0ms);
  ASSERT_TRUE(certs);
  auto old = (*certs)->current();
  write_cert_dir(dir.path(), make_test_cert("second", 2));
  auto now = (*certs)->current();
  EXPECT_NE(now, old);
  EXPECT_EQ(served_name(now), "second");
  EXPECT_EQ(served_name(old), "first");
}

TEST(TlsCerts, ABrokenNewCertificateKeepsThePreviousOne) {
  TempDir dir;
  write_cert_dir(dir.path(), make_test_cert("first"));
  auto certs = TlsCerts::load(dir.path(), 0ms);
  ASSERT_TRUE(certs);
  auto good = (*certs)->current();
  replace_file(dir.path() + "/public.crt", "not a certificate\n");
  EXPECT_EQ((*certs)->current(), good);
  // A certificate whose key is still the old one's: refused too.
  replace_file(dir.path() + "/public.crt", make_test_cert("other", 3).cert_pem);
  EXPECT_EQ((*certs)->current(), good);
  // Once the pair is whole again it is served.
  write_cert_dir(dir.path(), make_test_cert("third", 4));
  EXPECT_EQ(served_name((*certs)->current()), "third");
}

TEST(TlsCerts, FilesAreLookedAtAtMostOncePerInterval) {
  TempDir dir;
  write_cert_dir(dir.path(), make_test_cert("first"));
  auto certs = TlsCerts::load(dir.path(), 1h);
  ASSERT_TRUE(certs);
  write_cert_dir(dir.path(), make_test_cert("second", 2));
  EXPECT_EQ(served_name((*certs)->current()), "first");
}

TEST(TlsCerts, LoadFailsNamingTheFileAndWhy) {
  TempDir dir;
  auto missing = TlsCerts::load(dir.path());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().text().find("public.crt"), std::string::npos);
  auto a = make_test_cert("a"), b = make_test_cert("b", 2);
  replace_file(dir.path() + "/public.crt", a.cert_pem);
  replace_file(dir.path() + "/private.key", b.key_pem);
  auto mismatch = TlsCerts::load(dir.path());
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().text().find("is not the key of the certificate"), std::string::npos)
      << mismatch.error().text();
}

TEST(TlsCerts, OnlyTls12AndNewerAreOffered) {
  TempDir dir;
  write_cert_dir(dir.path(), make_test_cert("first"));
  auto certs = TlsCerts::load(dir.path());
  ASSERT_TRUE(certs);
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*certs)->current()->native_handle()), TLS1_2_VERSION);
}

}  // namespace
}  // namespace silo::http
