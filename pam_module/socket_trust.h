// Which uid besides root the module trusts to own the daemon's socket (and to be its
// SO_PEERCRED peer) when the stack gives no daemon_uid=.
//
// The packaged daemon runs as the system user _mfad, whose uid differs between machines, so
// no number can be compiled in, and a getpwnam("_mfad") from inside sshd's PAM stack would
// ask NSS (maybe LDAP/sssd, maybe a name another directory also knows) who to trust. Instead
// the trust comes from the file system, as OpenSSH's safe_path() decides whether
// AuthorizedKeysCommand or a ChrootDirectory can be trusted: the socket's directory
// (/run/mfad, made by systemd's RuntimeDirectory= as root and then given to User=) may be
// owned by uid X when it is not writable by group or others and every directory above it is
// root's and not writable by group or others. Only root can have put such a directory there
// and handed it to X, so root has vouched for X: X is trusted for that socket, as root is.
// SSSD's client trusts only a root-owned socket node and a root SO_PEERCRED peer; this keeps
// both checks (client/transport.cc) and widens only who may be that owner, as above.
// A socket in /tmp or in a user's directory gains nothing (/tmp is world-writable; a home
// directory is its user's), so only root-placed paths extend the trust.
#pragma once

#include <sys/types.h>

namespace mfa::pam {

// The owner of the socket's directory if the rule above holds and that owner is not root;
// client::kNoUid otherwise (then only root is trusted). Symlinks in the path are resolved
// first, and the rule is checked on the real directories.
uid_t socket_directory_owner(const char* socket_path);

}  // namespace mfa::pam
