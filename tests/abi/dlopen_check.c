/* dlopen()s a PAM module the way libpam does (RTLD_NOW) and checks that dlsym() finds each
 * symbol named on the command line, and that no non-exported internal is reachable.
 * Usage: dlopen_check /abs/path/pam_mfa.so pam_sm_authenticate ... */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODULE SYMBOL...\n", argv[0]);
    return 2;
  }
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  int bad = 0;
  for (int i = 2; i < argc; ++i) {
    if (dlsym(h, argv[i]) == NULL) {
      fprintf(stderr, "dlsym(%s): not found\n", argv[i]);
      bad = 1;
    }
  }
  /* Internals must stay hidden (jsmn is compiled in statically, the client is hidden). */
  const char* hidden[] = {"jsmn_parse", "jsmn_init", "pam_sm_chauthtok"};
  for (unsigned i = 0; i < sizeof hidden / sizeof hidden[0]; ++i) {
    if (dlsym(h, hidden[i]) != NULL) {
      fprintf(stderr, "dlsym(%s): unexpectedly visible\n", hidden[i]);
      bad = 1;
    }
  }
  dlclose(h);
  return bad;
}
