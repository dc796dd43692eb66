/* test_file.c — lib/core/file.c's atomic replacement as users meet it: a replaced
 * file keeps its mode, saving through a symlink updates the linked file and keeps the
 * link, a 250-character name works, a failed write (or a folder we cannot write in)
 * leaves the old file and no temporary behind, and a folder is not a file. Each is
 * checked on wk_file_out itself and on the writers built on it (image.save and the
 * safetensors writer), in a fresh folder under /tmp. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/core/error.h"
#include "../../lib/core/file.h"
#include "../../lib/media/image.h"
#include "../../lib/store/safetensors.h"
#include "check.h"
#include "file_fixtures.h"

/* ---- helpers ---------------------------------------------------------------------- */

/* The files wk_file_out leaves in dir while writing (".wick-….tmp"). */
static int temporaries_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) n += strncmp(e->d_name, ".wick-", 6) == 0;
    closedir(d);
    return n;
}

static int write_text(const char *path, const char *text)
{
    wk_file_out o;
    if (wk_file_out_open(&o, path, 0)) return WK_ERR;
    fputs(text, o.f);
    return wk_file_out_commit(&o);
}

static int holds(const char *path, const char *text)
{
    size_t n;
    unsigned char *b = read_bytes(path, &n);
    int same = b && n == strlen(text) && memcmp(b, text, n) == 0;
    free(b);
    return same;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* A 2×3 grey picture and a one-tensor safetensors bundle to save. */
static wk_tensor picture(void)
{
    wk_tensor t;
    int64_t shape[2] = {2, 3};
    wk_tensor_zeros(&t, 2, shape);
    return t;
}

static int save_both(const char *png, const char *st_path)
{
    wk_tensor t = picture();
    wk_safetensors st = {0};
    int rc = wk_image_save(&t, png, NULL);
    if (rc == WK_OK) rc = wk_safetensors_add(&st, "w", &t);
    if (rc == WK_OK) rc = wk_safetensors_write(st_path, &st);
    wk_safetensors_free(&st);
    wk_tensor_release(&t);
    return rc;
}

/* ---- tests ------------------------------------------------------------------------ */

TEST(replacing_keeps_the_mode)
{
    const char *path = tmp_path("secret.txt");
    write_bytes(path, "old", 3);
    chmod(path, 0600);
    CHECK(write_text(path, "new") == WK_OK);
    CHECK(holds(path, "new"));
    CHECK(mode_of(path) == 0600);
    chmod(path, 0640);
    CHECK(write_text(path, "newer") == WK_OK);
    CHECK(mode_of(path) == 0640);

    const char *png = tmp_path("secret.png"), *st = tmp_path("secret.safetensors");
    write_bytes(png, "x", 1), chmod(png, 0600);
    write_bytes(st, "x", 1), chmod(st, 0600);
    CHECK(save_both(png, st) == WK_OK);
    CHECK(mode_of(png) == 0600);
    CHECK(mode_of(st) == 0600);
    CHECK(temporaries_in(tmp_dir) == 0);
}

TEST(saving_through_a_symlink_keeps_the_link)
{
    const char *real = tmp_path("real.txt"), *link = tmp_path("link.txt");
    write_bytes(real, "old", 3);
    CHECK(symlink("real.txt", link) == 0);   /* relative, as users make them */
    CHECK(write_text(link, "new") == WK_OK);
    struct stat st;
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(holds(real, "new"));

    const char *png = tmp_path("real.png"), *pl = tmp_path("link.png");
    const char *sf = tmp_path("real.safetensors"), *sl = tmp_path("link.safetensors");
    write_bytes(png, "x", 1), write_bytes(sf, "x", 1);
    CHECK(symlink(png, pl) == 0 && symlink(sf, sl) == 0);   /* absolute */
    CHECK(save_both(pl, sl) == WK_OK);
    CHECK(lstat(pl, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(lstat(sl, &st) == 0 && S_ISLNK(st.st_mode));
    wk_tensor u;
    CHECK(wk_image_load(&u, png) == WK_OK && u.shape[1] == 2 && u.shape[2] == 3);
    wk_tensor_release(&u);
    wk_safetensors in;
    CHECK(wk_safetensors_read(sf, &in) == WK_OK && in.count == 1);
    wk_safetensors_free(&in);
}

/* NAME_MAX is 255: the temporary's name must not be the target's name plus a suffix. */
TEST(a_250_character_name_works)
{
    char name[251], png[251], st[251];
    memset(name, 'n', 250), name[250] = '\0';
    memcpy(png, name, 251), memcpy(png + 246, ".png", 5);
    memcpy(st, name, 251), memcpy(st + 238, ".safetensors", 13);
    char p1[400], p2[400], p3[400];
    snprintf(p1, sizeof p1, "%s/%s", tmp_dir, name);
    snprintf(p2, sizeof p2, "%s/%s", tmp_dir, png);
    snprintf(p3, sizeof p3, "%s/%s", tmp_dir, st);
    CHECK(write_text(p1, "long") == WK_OK);
    CHECK(holds(p1, "long"));
    CHECK(save_both(p2, p3) == WK_OK);
    CHECK(access(p2, F_OK) == 0 && access(p3, F_OK) == 0);
    CHECK(temporaries_in(tmp_dir) == 0);
}

/* The temporary is a fresh regular file of a short random name beside the target. */
TEST(the_temporary_is_fresh_and_beside_the_target)
{
    wk_file_out a, b;
    const char *path = tmp_path("fresh.txt");
    CHECK(wk_file_out_open(&a, path, 0) == WK_OK);
    CHECK(wk_file_out_open(&b, path, 0) == WK_OK);
    CHECK(strcmp(a.tmp, b.tmp) != 0);
    CHECK(strncmp(a.tmp, tmp_dir, strlen(tmp_dir)) == 0 && strlen(strrchr(a.tmp, '/')) < 32);
    struct stat st;
    CHECK(lstat(a.tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
    wk_file_out_abort(&a);
    wk_file_out_abort(&b);
    wk_file_out_abort(&b);   /* idempotent */
    CHECK(access(path, F_OK) != 0);
    CHECK(temporaries_in(tmp_dir) == 0);
}

/* commit_new never replaces: a file that appears between open and commit (another
 * program's, made after the caller checked) stays as it was; into a free name it writes. */
TEST(commit_new_never_replaces)
{
    wk_file_out o;
    const char *path = tmp_path("new.txt");
    CHECK(wk_file_out_open(&o, path, 0) == WK_OK);
    fputs("ours", o.f);
    CHECK(write_text(path, "theirs") == WK_OK);   /* appears meanwhile */
    CHECK(wk_file_out_commit_new(&o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "new.txt' exists") != NULL);
    CHECK(holds(path, "theirs"));
    CHECK(temporaries_in(tmp_dir) == 0);
    unlink(path);
    CHECK(wk_file_out_open(&o, path, 0) == WK_OK);
    fputs("ours", o.f);
    CHECK(wk_file_out_commit_new(&o) == WK_OK);
    CHECK(holds(path, "ours"));
    CHECK(temporaries_in(tmp_dir) == 0);
    unlink(path);
}

/* A write that fails (here: the file-size limit, as a full disk would) leaves the old
 * file whole and no temporary behind, for every writer. */
TEST(a_failed_write_keeps_the_old_file)
{
    const char *path = tmp_path("keep.txt"), *png = tmp_path("keep.png"), *sf = tmp_path("keep.safetensors");
    write_bytes(path, "old", 3), write_bytes(png, "old", 3), write_bytes(sf, "old", 3);
    struct rlimit saved, small = {4096, 4096};
    getrlimit(RLIMIT_FSIZE, &saved);
    small.rlim_max = saved.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);

    wk_file_out o;
    CHECK(wk_file_out_open(&o, path, 0) == WK_OK);
    for (int i = 0; i < 10000; i++) fputs("new!", o.f);
    CHECK(wk_file_out_commit(&o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "keep.txt") != NULL);

    wk_tensor t;
    int64_t shape[3] = {3, 200, 200};
    wk_tensor_new(&t, 3, shape);
    uint32_t seed = 1;   /* noise, so that the PNG cannot compress below the limit */
    for (int64_t i = 0; i < 3 * 200 * 200; i++) seed = seed * 1664525u + 1013904223u, wk_tensor_data(&t)[i] = (float)(seed >> 8) / 16777216.0f;
    wk_safetensors st = {0};
    CHECK(wk_image_save(&t, png, &(wk_image_save_opts){.bits = 16}) == WK_ERR);
    CHECK(wk_safetensors_add(&st, "t", &t) == WK_OK);
    CHECK(wk_safetensors_write(sf, &st) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "keep.safetensors") != NULL);
    wk_safetensors_free(&st);
    wk_tensor_release(&t);

    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, SIG_DFL);
    CHECK(holds(path, "old") && holds(png, "old") && holds(sf, "old"));
    CHECK(temporaries_in(tmp_dir) == 0);
}

TEST(a_read_only_folder_keeps_the_old_file)
{
    if (geteuid() == 0) {   /* root writes anywhere: nothing to test */
        printf("  (skipped as root)\n");
        return;
    }
    char dir[300], path[320];
    snprintf(dir, sizeof dir, "%s/ro", tmp_dir);
    snprintf(path, sizeof path, "%s/ro/kept.png", tmp_dir);
    mkdir(dir, 0777);
    write_bytes(path, "old", 3);
    chmod(dir, 0555);
    wk_tensor t = picture();
    CHECK(wk_image_save(&t, path, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "kept.png") && strstr(wk_errmsg(), "ermission"));
    wk_tensor_release(&t);
    chmod(dir, 0777);
    CHECK(holds(path, "old"));
    CHECK(temporaries_in(dir) == 0);
}

TEST(a_folder_is_not_a_file)
{
    const char *dir = tmp_path("a-folder.png");
    mkdir(dir, 0777);
    wk_file_out o;
    CHECK(wk_file_out_open(&o, dir, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "it is a folder") != NULL);
    wk_tensor t = picture();
    CHECK(wk_image_save(&t, dir, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "a-folder.png") && strstr(wk_errmsg(), "folder"));
    wk_safetensors st = {0};
    wk_safetensors_add(&st, "t", &t);
    CHECK(wk_safetensors_write(dir, &st) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "folder") != NULL);
    wk_safetensors_free(&st);
    wk_tensor_release(&t);
    struct stat sb;
    CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK(temporaries_in(tmp_dir) == 0);
}

/* mkdir -p through a path whose parent is a file: the reason must survive intact. */
TEST(a_file_in_the_way_of_a_folder_is_named)
{
    const char *file = tmp_path("plain"), *path = tmp_path("plain/sub/x.png");
    write_bytes(file, "x", 1);
    wk_file_out o;
    CHECK(wk_file_out_open(&o, path, WK_FILE_MKDIRS) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot write '") == wk_errmsg());
    CHECK(strstr(wk_errmsg() + 1, "cannot write '") == NULL);   /* said once, not garbled */
    CHECK(strstr(wk_errmsg(), "cannot create folder '") && strstr(wk_errmsg(), "plain/sub': Not a directory"));
    wk_tensor t = picture();
    CHECK(wk_image_save(&t, path, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot create folder '") != NULL);
    wk_tensor_release(&t);
}

/* Whole-file reads: a pipe is read up to the bound and refused beyond it; a device is
 * refused at once (/dev/zero never ends). The writer is a child that exits after
 * writing n bytes, so the read ends (pipe) or would go on past the bound. */
static int read_pipe_of(size_t n, int64_t max, int64_t *len)
{
    int fds[2];
    if (pipe(fds) != 0) return -2;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char buf[4096];
        memset(buf, 'x', sizeof buf);
        for (size_t done = 0; done < n;) {
            size_t k = n - done < sizeof buf ? n - done : sizeof buf;
            ssize_t w = write(fds[1], buf, k);
            if (w <= 0) _exit(0);   /* the reader gave up: that is the point */
            done += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    char *data = NULL;
    int rc = wk_file_read_all(path, max, &data, len);
    free(data);
    close(fds[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return rc;
}

TEST(reads_are_bounded_and_devices_refused)
{
    int64_t len = -1;
    CHECK(read_pipe_of(5000, 100000, &len) == WK_OK && len == 5000);
    CHECK(read_pipe_of(300000, 100000, &len) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "holds more than") != NULL);
    char *data = NULL;
    CHECK(wk_file_read_all("/dev/zero", 100000, &data, &len) == WK_ERR && data == NULL);
    CHECK(strstr(wk_errmsg(), "it is a device") != NULL);
}

TEST(missing_folders_are_made)
{
    const char *path = tmp_path("made/by/save/x.png");
    wk_tensor t = picture();
    CHECK(wk_image_save(&t, path, NULL) == WK_OK);
    CHECK(access(path, F_OK) == 0);
    wk_tensor_release(&t);
}

int main(void)
{
    if (tmp_dir_create("wick-file")) return 1;
    RUN(replacing_keeps_the_mode);
    RUN(saving_through_a_symlink_keeps_the_link);
    RUN(a_250_character_name_works);
    RUN(the_temporary_is_fresh_and_beside_the_target);
    RUN(commit_new_never_replaces);
    RUN(a_failed_write_keeps_the_old_file);
    RUN(a_read_only_folder_keeps_the_old_file);
    RUN(a_folder_is_not_a_file);
    RUN(a_file_in_the_way_of_a_folder_is_named);
    RUN(reads_are_bounded_and_devices_refused);
    RUN(missing_folders_are_made);
    tmp_dir_remove();
    return check_summary("file");
}
