// Shared by the fuzz harnesses: a property check that aborts (so libFuzzer and the replay
// driver both report it as a crash with the input that caused it). Never prints input bytes:
// some harnesses handle secrets.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
