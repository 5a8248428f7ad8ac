/* bench/pam_bench: PAM login latency (not shipped).
 *
 *   pam_bench CONFDIR SERVICE USERS_FILE COUNT   (JSON on stdout)
 *
 * For each of the first COUNT lines "user BASE32SECRET" of USERS_FILE: pam_start_confdir
 * (Linux-PAM >= 1.4: the stack is CONFDIR/SERVICE, nothing under /etc/pam.d is read or
 * written), pam_authenticate, pam_end, timed together. Every prompt is answered with the
 * user's current TOTP code (RFC 6238, liboath) computed when the prompt arrives; every user is
 * authenticated once, so no code is ever a replay. Only PAM_SUCCESS counts as a success. */
#define _GNU_SOURCE
#include <liboath/oath.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct user {
  char name[64];
  char secret[64];
  size_t secret_len;
};

static int conv(int n, const struct pam_message** msg, struct pam_response** resp, void* data) {
  const struct user* u = data;
  struct pam_response* r = calloc((size_t)n, sizeof *r);
  if (r == NULL) return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
      char code[16];
      if (oath_totp_generate(u->secret, u->secret_len, time(NULL), 30, 0, 6, code) != OATH_OK) {
        code[0] = '\0';
      }
      r[i].resp = strdup(code);
    }
  }
  *resp = r;
  return PAM_SUCCESS;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double pct(const double* sorted, long n, double p) {
  if (n == 0) return 0;
  long i = (long)(p * (double)(n - 1) + 0.5);
  return sorted[i < n ? i : n - 1];
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: pam_bench CONFDIR SERVICE USERS_FILE COUNT\n");
    return 2;
  }
  const char* confdir = argv[1];
  const char* service = argv[2];
  const long count = strtol(argv[4], NULL, 10);
  FILE* f = fopen(argv[3], "r");
  if (f == NULL || count <= 0) {
    perror(argv[3]);
    return 2;
  }
  oath_init();
  struct user* users = calloc((size_t)count, sizeof *users);
  double* lat = calloc((size_t)count, sizeof *lat);
  if (users == NULL || lat == NULL) return 2;
  long n = 0;
  char b32[128];
  while (n < count && fscanf(f, "%63s %127s", users[n].name, b32) == 2) {
    char* raw = NULL;
    size_t len = 0;
    if (oath_base32_decode(b32, strlen(b32), &raw, &len) != OATH_OK ||
        len > sizeof users[n].secret) {
      fprintf(stderr, "pam_bench: bad secret for %s\n", users[n].name);
      return 2;
    }
    memcpy(users[n].secret, raw, len);
    users[n].secret_len = len;
    free(raw);
    ++n;
  }
  fclose(f);

  long ok = 0;
  int first_err = PAM_SUCCESS;
  const double t_start = now_ms();
  for (long i = 0; i < n; ++i) {
    struct pam_conv c = {conv, &users[i]};
    pam_handle_t* pamh = NULL;
    const double t0 = now_ms();
    int rc = pam_start_confdir(service, users[i].name, &c, confdir, &pamh);
    if (rc == PAM_SUCCESS) rc = pam_authenticate(pamh, 0);
    pam_end(pamh, rc);
    lat[i] = now_ms() - t0;
    if (rc == PAM_SUCCESS) {
      ++ok;
    } else if (first_err == PAM_SUCCESS) {
      first_err = rc;
      fprintf(stderr, "pam_bench: %s: %s: %s\n", service, users[i].name, pam_strerror(NULL, rc));
    }
  }
  const double secs = (now_ms() - t_start) / 1e3;
  qsort(lat, (size_t)n, sizeof *lat, cmp_double);
  printf(
      "{\"service\":\"%s\",\"n\":%ld,\"ok\":%ld,\"errors\":%ld,\"secs\":%.4f,\"auth_per_s\":%.1f,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}\n",
      service, n, ok, n - ok, secs, secs > 0 ? (double)ok / secs : 0.0, pct(lat, n, 0.5),
      pct(lat, n, 0.99), pct(lat, n, 1.0), n > 0 ? secs * 1e3 / (double)n : 0.0);
  free(users);
  free(lat);
  oath_done();
  return ok == n ? 0 : 1;
}
