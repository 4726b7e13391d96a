/* cmd_keygen.c — `mlprov keygen`: write a PEM key pair. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "usage: mlprov keygen [--type TYPE] PRIVATE.pem [PUBLIC.pem]\n"
    "\n"
    "Generates a signing key pair. The private key is written PEM (PKCS#8) with\n"
    "mode 0600; the public key (SubjectPublicKeyInfo PEM) goes to PUBLIC.pem,\n"
    "by default PRIVATE with .pem replaced by .pub.pem. Existing files are never\n"
    "overwritten. Prints the key id: hex SHA-256 of the DER public key.\n"
    "\n"
    "options:\n"
    "  -t, --type TYPE   ecdsa-p256 (default), ecdsa-p384, ecdsa-p521, ed25519\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 written, 2 usage or I/O error\n"
    "example: mlprov keygen --type ed25519 keys/release.pem\n";

int cmd_keygen(int argc, char **argv) {
  static const struct option opts[] = {
      {"type", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  mp_key_type type = MP_KEY_ECDSA_P256;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
    switch (c) {
      case 't':
        if (mp_key_type_parse(optarg, &type) != 0)
          return cli_usage_error("keygen", "unknown key type '%s' (want ecdsa-p256, ecdsa-p384, ecdsa-p521 or ed25519)", optarg);
        break;
      case 'h': fputs(usage_text, stdout); return 0;
      default: return cli_bad_option("keygen", argv);
    }
  }
  if (optind >= argc || argc - optind > 2) return cli_usage_error("keygen", "expected PRIVATE.pem [PUBLIC.pem]");
  const char *priv = argv[optind];
  char *pub = NULL;
  if (argc - optind == 2) {
    pub = strdup(argv[optind + 1]);
  } else {
    size_t n = strlen(priv);
    pub = malloc(n + 16);
    if (pub) {
      if (n > 4 && strcmp(priv + n - 4, ".pem") == 0) snprintf(pub, n + 16, "%.*s.pub.pem", (int)(n - 4), priv);
      else snprintf(pub, n + 16, "%s.pub", priv);
    }
  }
  mp_err e;
  mp_err_clear(&e);
  mp_key *k = NULL;
  int rc = pub ? mp_key_generate(type, &k, &e) : mp_err_set(&e, MP_ENOMEM, "out of memory");
  if (rc == 0 && (rc = mp_key_write_private(k, priv, &e)) == 0 && (rc = mp_key_write_public(k, pub, 1, &e)) != 0)
    remove(priv); /* no half pair */
  if (rc == 0) {
    printf("%s key written to %s (public key %s)\nkey id %s\n", mp_key_type_name(type), priv, pub, mp_key_id(k));
  }
  mp_key_free(k);
  free(pub);
  return rc ? cli_fail("keygen", &e) : 0;
}
