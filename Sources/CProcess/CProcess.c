// GNU extensions of glibc that Swift's Glibc module does not show.
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "CProcess.h"

int cb_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cb_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int cb_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
