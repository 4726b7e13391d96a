/* test_purl.c — what the index adds to purl.c: the base a package is keyed
 * by (no version, qualifiers or subpath) and the name normalisation used when
 * no package URL is given. Parsing itself is tested in test_version.c. */
#include <stdlib.h>
#include <string.h>

#include "purl.h"
#include "unit.h"

static void base_known_answers(void **state) {
  (void)state;
  static const struct { const char *in, *base; } cases[] = {
      {"pkg:pypi/torchtriton@2.0.0.dev20221231", "pkg:pypi/torchtriton"},
      {"pkg:PyPI/Django_Rest.Framework@3.1", "pkg:pypi/django-rest-framework"},
      {"pkg:npm/%40angular/animation@12.3.1", "pkg:npm/@angular/animation"},
      {"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources", "pkg:maven/org.apache.xmlgraphics/batik-anim"},
      {"pkg:golang/google.golang.org/genproto#googleapis/api/annotations", "pkg:golang/google.golang.org/genproto"},
      {"pkg://pypi/numpy", "pkg:pypi/numpy"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mp_purl p;
    mp_err e;
    if (mp_purl_parse(cases[i].in, &p, &e)) fail_msg("%s: %s", cases[i].in, e.msg);
    char *b = mp_purl_base(&p);
    assert_string_equal(b, cases[i].base);
    free(b);
    mp_purl_free(&p);
  }
}

static void name_normalisation(void **state) {
  (void)state;
  char *n = mp_pkg_name_normalize("Torch__Triton.-x");
  assert_string_equal(n, "torch-triton-x");
  free(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(base_known_answers), cmocka_unit_test(name_normalisation)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
