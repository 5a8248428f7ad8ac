/* bench/dlopen_bench: the cost of loading a PAM module (not shipped).
 *
 *   dlopen_bench RUNS MODULE.so...   (JSON on stdout)
 *
 * A module is loaded once per login into a fresh process (sshd's child, sudo, su), so each
 * sample is a fresh fork()ed child that times dlopen(RTLD_NOW) — relocations and the
 * constructors of the module and every library it pulls in that the process did not already
 * have — and reports it through a pipe. Modules are interleaved so drift hits all alike. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double sample(const char* path) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const double t0 = now_us();
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    double us = now_us() - t0;
    if (h == NULL) us = -1;
    if (write(fds[1], &us, sizeof us) != (ssize_t)sizeof us) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  double us = -1;
  if (read(fds[0], &us, sizeof us) != (ssize_t)sizeof us) us = -1;
  close(fds[0]);
  waitpid(pid, NULL, 0);
  return us;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: dlopen_bench RUNS MODULE.so...\n");
    return 2;
  }
  const int runs = atoi(argv[1]);
  const int mods = argc - 2;
  double* s = calloc((size_t)(runs * mods), sizeof *s);
  if (s == NULL || runs <= 0) return 2;
  for (int r = 0; r < runs; ++r) {
    for (int m = 0; m < mods; ++m) {
      s[m * runs + r] = sample(argv[m + 2]);
      if (s[m * runs + r] < 0) {
        fprintf(stderr, "dlopen_bench: cannot load %s\n", argv[m + 2]);
        return 1;
      }
    }
  }
  printf("[");
  for (int m = 0; m < mods; ++m) {
    double* v = s + m * runs;
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    printf("%s{\"module\":\"%s\",\"runs\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,\"min_us\":%.1f}",
           m ? "," : "", argv[m + 2], runs, v[runs / 2], v[(runs * 99) / 100], v[0]);
  }
  printf("]\n");
  free(s);
  return 0;
}
