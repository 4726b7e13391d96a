/* test_purl.c — package URL parsing: the spec's examples, normalisation of
 * the base the index keys by, and malformed URLs. */
#include <stdlib.h>
#include <string.h>

#include "purl.h"
#include "unit.h"

static void known_answers(void **state) {
  (void)state;
  static const struct { const char *in, *type, *ns, *name, *version, *base; } cases[] = {
      {"pkg:pypi/torchtriton@2.0.0.dev20221231", "pypi", NULL, "torchtriton", "2.0.0.dev20221231", "pkg:pypi/torchtriton"},
      {"pkg:PyPI/Django_Rest.Framework@3.1", "pypi", NULL, "django-rest-framework", "3.1", "pkg:pypi/django-rest-framework"},
      {"pkg:npm/%40angular/animation@12.3.1", "npm", "@angular", "animation", "12.3.1", "pkg:npm/@angular/animation"},
      {"pkg:github/Package-URL/purl-spec@244fd47e07d1004#everybody/loves/dogs", "github", "package-url", "purl-spec", "244fd47e07d1004", "pkg:github/package-url/purl-spec"},
      {"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources", "maven", "org.apache.xmlgraphics", "batik-anim", "1.9.1", "pkg:maven/org.apache.xmlgraphics/batik-anim"},
      {"pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie", "deb", "debian", "curl", "7.50.3-1", "pkg:deb/debian/curl"},
      {"pkg:golang/google.golang.org/genproto#googleapis/api/annotations", "golang", "google.golang.org", "genproto", NULL, "pkg:golang/google.golang.org/genproto"},
      {"pkg:huggingface/distilbert-base-uncased@043235d6088ecd3dd5fb5ca3592b6913fd516027", "huggingface", NULL, "distilbert-base-uncased", "043235d6088ecd3dd5fb5ca3592b6913fd516027", "pkg:huggingface/distilbert-base-uncased"},
      {"pkg://pypi/numpy", "pypi", NULL, "numpy", NULL, "pkg:pypi/numpy"},
      {"pkg:docker/customer/dockerimage@sha256%3A244fd47e07d10?repository_url=gcr.io", "docker", "customer", "dockerimage", "sha256:244fd47e07d10", "pkg:docker/customer/dockerimage"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mp_purl p;
    mp_err e;
    if (mp_purl_parse(cases[i].in, &p, &e)) fail_msg("%s: %s", cases[i].in, e.msg);
    assert_string_equal(p.type, cases[i].type);
    if (cases[i].ns) assert_string_equal(p.ns, cases[i].ns);
    else assert_null(p.ns);
    assert_string_equal(p.name, cases[i].name);
    if (cases[i].version) assert_string_equal(p.version, cases[i].version);
    else assert_null(p.version);
    assert_string_equal(p.base, cases[i].base);
    mp_purl_clear(&p);
  }
}

static void malformed(void **state) {
  (void)state;
  static const char *bad[] = {"", "torch", "pkg:", "pkg:pypi", "pkg:pypi/", "pkg:/torch", "pkg:py pi/x",
                              "pkg:pypi/x@", "pkg:pypi/%zz", "pkg:pypi/a%00b", "pkg:npm//x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mp_purl p;
    mp_err e;
    mp_err_clear(&e);
    if (mp_purl_parse(bad[i], &p, &e) == 0) fail_msg("\"%s\" accepted as %s", bad[i], p.base);
    assert_int_equal(e.code, MP_EPARSE);
    assert_null(p.base);
  }
}

static void name_normalisation(void **state) {
  (void)state;
  char *n = mp_pkg_name_normalize("Torch__Triton.-x");
  assert_string_equal(n, "torch-triton-x");
  free(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(known_answers), cmocka_unit_test(malformed),
                                     cmocka_unit_test(name_normalisation)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
