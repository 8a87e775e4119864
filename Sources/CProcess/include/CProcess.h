#ifndef CHANGEBUS_CPROCESS_H
#define CHANGEBUS_CPROCESS_H
#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so a process another
/// thread spawns at the same moment cannot inherit them. pipe2 is a GNU extension that
/// Swift's Glibc module does not show (it is built without _GNU_SOURCE).
int cb_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+): the child changes to `path` before exec.
int cb_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): the child closes every descriptor
/// from `from` up before exec.
int cb_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
