// doctor: the at-rest key file (daemon/core/crypto/key_file.h). mfad refuses to start unless it
// is a regular file (not a link), owned by mfad's own uid, without group/other bits, of exactly
// 32 bytes. Checked with lstat() only: the key is never opened, so never printed.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "cli/doctor.h"
#include "daemon/core/crypto/key_file.h"

namespace mfa::cli::doctor {

Check check_key_file(const Findings& f) {
  if (!f.config) {
    return {"key_file", Verdict::kSkip,
            "skipped: the config was not read, so its keys.file is not known", ""};
  }
  const std::string& path = f.config->key_file;
  const std::string owner_fix = f.daemon_uid ? "chown " + std::to_string(*f.daemon_uid) + " " + path
                                             : "chown <mfad's user> " + path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == EACCES) return needs_root("key_file", path + ": " + std::strerror(err), "");
    return {"key_file", Verdict::kFail, path + ": " + std::strerror(err),
            "restore it from its backup (a new key cannot open factors already enrolled); on a "
            "new install: (umask 077; head -c 32 /dev/urandom >" +
                path + "); " + owner_fix + "; chmod 0400 " + path};
  }
  if (S_ISLNK(st.st_mode)) {
    return {"key_file", Verdict::kFail, path + " is a symbolic link; mfad refuses to follow it",
            "put the file itself there (mode 0400, owned by mfad's user)"};
  }
  if (!S_ISREG(st.st_mode)) {
    return {"key_file", Verdict::kFail, path + " is not a regular file", "restore the key file"};
  }
  const std::string mode = mode_text(st.st_mode);
  if ((st.st_mode & 077) != 0) {
    return {"key_file", Verdict::kFail,
            path + " has mode " + mode + ": group or others may read the at-rest key, and mfad " +
                "refuses it",
            "chmod 0400 " + path + " (and consider the key exposed)"};
  }
  if (st.st_size != static_cast<off_t>(kKeyFileSize)) {
    return {"key_file", Verdict::kFail,
            path + " has " + std::to_string(st.st_size) + " bytes; a key is " +
                std::to_string(kKeyFileSize),
            "restore the key file from its backup"};
  }
  const std::string owner = "owned by " + uid_text(st.st_uid);
  if (f.daemon_uid && st.st_uid != *f.daemon_uid) {
    return {"key_file", Verdict::kFail,
            path + " is " + owner + ", but mfad runs as " + uid_text(*f.daemon_uid) + " (" +
                f.daemon_uid_source + "), and mfad reads only a key file of its own uid",
            owner_fix};
  }
  Check c{"key_file", Verdict::kOk, path + ": " + mode + ", " + owner + ", 32 bytes", ""};
  if ((st.st_mode & 0777) != 0400 && (st.st_mode & 0777) != 0600) {
    c.verdict = Verdict::kWarn;
    c.detail = path + " has mode " + mode + "; 0400 is expected";
    c.fix = "chmod 0400 " + path;
  } else if (!f.daemon_uid && st.st_uid != 0) {
    c.verdict = Verdict::kWarn;
    c.detail += "; who mfad runs as is unknown (not running, no _mfad account)";
    c.fix = "make sure this is mfad's user (User= of mfad.service)";
  }
  return c;
}

}  // namespace mfa::cli::doctor
