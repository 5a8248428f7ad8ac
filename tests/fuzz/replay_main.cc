// Replays fuzz inputs without libFuzzer: `replay_<harness> FILE...` feeds each file to
// LLVMFuzzerTestOneInput once. Linked with the ordinary g++ build so that `make check` runs the
// committed seed corpora (tests/fuzz/corpus/<harness>/) and every crash reproducer added there.
// A crash aborts the process (the harnesses' FUZZ_CHECK, or a sanitizer under SAN=...).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", argv[i]);
      return 2;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Exactly sized heap copy: an over-read past the input is visible to ASan.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
    ++ran;
  }
  std::printf("replay: %d input(s) ok\n", ran);
  return 0;
}
