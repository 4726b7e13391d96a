/* mlprov_hook.h — the C hook: report what a training job reads, uses and
 * writes to the mlprov agent that wraps it (`mlprov run -- ./train`).
 *
 *   mlprov_hook *h = mlprov_hook_open();          // NULL-safe no-op without mlprov
 *   mlprov_dataset(h, "digits", "data/train.csv", NULL, 60000, NULL);
 *   mlprov_param(h, "lr", "0.01");
 *   mlprov_artifact(h, "model.bin", MLPROV_ROLE_MODEL);
 *   mlprov_hook_close(h);
 *
 * When MLPROV_SOCKET is unset (not under mlprov) every call does nothing and
 * returns 0, so the same program runs with or without mlprov. Calls never
 * abort or raise signals (SIGPIPE is suppressed); when the agent is gone the
 * hook goes quiet and counts what it could not send. Calls are thread-safe.
 * Every call returns 0 when the event was handed to the agent (or when not
 * under mlprov), -1 when it could not be sent.
 *
 * Link: cc train.c $(pkg-config --cflags --libs mlprov-hook)
 */
#ifndef MLPROV_HOOK_H
#define MLPROV_HOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLPROV_HOOK_API __attribute__((visibility("default")))

typedef struct mlprov_hook mlprov_hook;

enum mlprov_role {
  MLPROV_ROLE_MODEL = 1,
  MLPROV_ROLE_CHECKPOINT = 2,
  MLPROV_ROLE_OTHER = 3,
};

enum mlprov_hook_kind {
  MLPROV_HOOK_C = 1,
  MLPROV_HOOK_PYTHON = 2,
  MLPROV_HOOK_PRELOAD = 3,
  MLPROV_HOOK_CLI = 4,
};

/* Connects to $MLPROV_SOCKET. Returns a handle (possibly inactive); NULL only
 * when out of memory. All calls accept NULL and inactive handles. */
MLPROV_HOOK_API mlprov_hook *mlprov_hook_open(void);
/* Connects to socket_path (NULL: $MLPROV_SOCKET) reporting the given kind. */
MLPROV_HOOK_API mlprov_hook *mlprov_hook_open_as(const char *socket_path, int hook_kind);
/* Like mlprov_hook_open_as, asking the agent to acknowledge events (see
 * mlprov_hook_sync). Sending stays asynchronous: acknowledgements are only
 * read by mlprov_hook_sync. */
MLPROV_HOOK_API mlprov_hook *mlprov_hook_open_acked(const char *socket_path, int hook_kind);
/* Waits (at most timeout_ms) until the agent has acknowledged every event
 * sent so far on this handle. 0: they are in the run's journal, so they
 * survive a crash of the agent or of this process (docs/journal.md); 1: the
 * agent holds them but has no working journal; -1: not acknowledged (timeout,
 * the agent is gone, or the handle was not opened with acks). 0 when not
 * under mlprov. */
MLPROV_HOOK_API int mlprov_hook_sync(mlprov_hook *h, int timeout_ms);
/* 1 when connected to an agent. */
MLPROV_HOOK_API int mlprov_hook_active(const mlprov_hook *h);
/* Sends the hook's counters and closes the connection. */
MLPROV_HOOK_API void mlprov_hook_close(mlprov_hook *h);
/* Events not delivered so far. */
MLPROV_HOOK_API uint64_t mlprov_hook_dropped(const mlprov_hook *h);

/* digest: "sha256:HEX", bare HEX (sha256), or NULL. merkle_root: hex or NULL. */
MLPROV_HOOK_API int mlprov_dataset(mlprov_hook *h, const char *name, const char *uri_or_path,
                                   const char *digest, uint64_t record_count,
                                   const char *merkle_root);
MLPROV_HOOK_API int mlprov_file_read(mlprov_hook *h, const char *path);
MLPROV_HOOK_API int mlprov_dependency(mlprov_hook *h, const char *name, const char *version,
                                      const char *purl, const char *digest);
/* value: JSON text (number, object...) or any string. */
MLPROV_HOOK_API int mlprov_param(mlprov_hook *h, const char *key, const char *value);
MLPROV_HOOK_API int mlprov_param_double(mlprov_hook *h, const char *key, double value);
MLPROV_HOOK_API int mlprov_param_int(mlprov_hook *h, const char *key, long long value);
MLPROV_HOOK_API int mlprov_artifact(mlprov_hook *h, const char *path, int role);
MLPROV_HOOK_API int mlprov_base_model(mlprov_hook *h, const char *name, const char *digest,
                                      const char *uri, const char *provenance);
MLPROV_HOOK_API int mlprov_annotate(mlprov_hook *h, const char *key, const char *text);
/* One dataset record (dataset transparency); the agent hashes it. */
MLPROV_HOOK_API int mlprov_record(mlprov_hook *h, const char *dataset, const void *data,
                                  size_t len);
/* A precomputed RFC 9162 leaf hash, SHA-256(0x00 || record). */
MLPROV_HOOK_API int mlprov_record_leaf(mlprov_hook *h, const char *dataset,
                                       const uint8_t leaf_hash[32]);
MLPROV_HOOK_API int mlprov_file_written(mlprov_hook *h, const char *path);
MLPROV_HOOK_API int mlprov_exec(mlprov_hook *h, const char *path, const char *const *argv);

#ifdef __cplusplus
}
#endif
#endif
