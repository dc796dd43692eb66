/* sound.c — sound files in and out through libsndfile: WAV, FLAC, OGG Vorbis, AIFF and
 * the rest of what the library reads, WAV and FLAC written.
 *
 * Loading decodes to interleaved floats in chunks, into a buffer that grows as frames
 * arrive (a header's frame count is believed only up to a first allocation, so a few
 * bytes claiming an hour of audio cost nothing until an hour of audio decodes), then
 * turns them into a C×N tensor. A file that decodes to fewer frames than its header
 * promised is reported as truncated; an empty file, a rate of 0, no channels or no
 * frames are errors naming the file. Files and memory share the one path (files by
 * name through sf_open, memory through libsndfile's virtual I/O), so the fuzz target
 * exercises what sketches run.
 *
 * Saving checks the tensor (C×N or N, finite), refuses an existing file unless told to
 * overwrite it, and writes through lib/core/file.h's atomic replacement: libsndfile
 * writes into the temporary's descriptor, which is renamed over the target only once
 * complete, so an error leaves no half-written sound where a user's file was. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/file.h"
#include "../core/limits.h"
#include "sound.h"

#define CHUNK_FRAMES 4096             /* frames per read or write call */
#define FIRST_SAMPLES ((int64_t)1 << 22)   /* most a header's claim may allocate up front */

/* ---- names ------------------------------------------------------------------------ */

static const struct { int id; const char *name; } major_names[] = {
    {SF_FORMAT_WAV, "wav"},   {SF_FORMAT_AIFF, "aiff"}, {SF_FORMAT_AU, "au"},     {SF_FORMAT_RAW, "raw"},
    {SF_FORMAT_PAF, "paf"},   {SF_FORMAT_SVX, "svx"},   {SF_FORMAT_NIST, "nist"}, {SF_FORMAT_VOC, "voc"},
    {SF_FORMAT_IRCAM, "ircam"}, {SF_FORMAT_W64, "w64"}, {SF_FORMAT_MAT4, "mat4"}, {SF_FORMAT_MAT5, "mat5"},
    {SF_FORMAT_PVF, "pvf"},   {SF_FORMAT_XI, "xi"},     {SF_FORMAT_HTK, "htk"},   {SF_FORMAT_SDS, "sds"},
    {SF_FORMAT_AVR, "avr"},   {SF_FORMAT_WAVEX, "wav"}, {SF_FORMAT_SD2, "sd2"},   {SF_FORMAT_FLAC, "flac"},
    {SF_FORMAT_CAF, "caf"},   {SF_FORMAT_WVE, "wve"},   {SF_FORMAT_OGG, "ogg"},   {SF_FORMAT_MPC2K, "mpc2k"},
    {SF_FORMAT_RF64, "rf64"}, {SF_FORMAT_MPEG, "mp3"},
};

static const struct { int id; const char *name; } encoding_names[] = {
    {SF_FORMAT_PCM_S8, "pcm8"},   {SF_FORMAT_PCM_U8, "pcm8u"},  {SF_FORMAT_PCM_16, "pcm16"},
    {SF_FORMAT_PCM_24, "pcm24"},  {SF_FORMAT_PCM_32, "pcm32"},  {SF_FORMAT_FLOAT, "float"},
    {SF_FORMAT_DOUBLE, "double"}, {SF_FORMAT_ULAW, "ulaw"},     {SF_FORMAT_ALAW, "alaw"},
    {SF_FORMAT_IMA_ADPCM, "ima_adpcm"}, {SF_FORMAT_MS_ADPCM, "ms_adpcm"}, {SF_FORMAT_GSM610, "gsm610"},
    {SF_FORMAT_VORBIS, "vorbis"}, {SF_FORMAT_OPUS, "opus"},     {SF_FORMAT_ALAC_16, "alac16"},
    {SF_FORMAT_ALAC_24, "alac24"}, {SF_FORMAT_MPEG_LAYER_III, "mp3"},
};

static void fill_names(wk_sound_info *info, int format)
{
    snprintf(info->format, sizeof info->format, "other");
    snprintf(info->encoding, sizeof info->encoding, "other");
    for (size_t i = 0; i < sizeof major_names / sizeof *major_names; i++)
        if ((format & SF_FORMAT_TYPEMASK) == major_names[i].id) snprintf(info->format, sizeof info->format, "%s", major_names[i].name);
    for (size_t i = 0; i < sizeof encoding_names / sizeof *encoding_names; i++)
        if ((format & SF_FORMAT_SUBMASK) == encoding_names[i].id)
            snprintf(info->encoding, sizeof info->encoding, "%s", encoding_names[i].name);
}

/* ---- opening ---------------------------------------------------------------------- */

/* Bytes in memory as a libsndfile virtual file. */
typedef struct mem_file {
    const unsigned char *data;
    sf_count_t size, pos;
} mem_file;

static sf_count_t mem_len(void *u) { return ((mem_file *)u)->size; }
static sf_count_t mem_tell(void *u) { return ((mem_file *)u)->pos; }
static sf_count_t mem_seek(sf_count_t off, int whence, void *u)
{
    mem_file *m = u;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
    if (off < -base || off > m->size - base) return -1;   /* stays inside the bytes */
    m->pos = base + off;
    return m->pos;
}
static sf_count_t mem_read(void *ptr, sf_count_t n, void *u)
{
    mem_file *m = u;
    if (n < 0) return 0;
    if (n > m->size - m->pos) n = m->size - m->pos;
    memcpy(ptr, m->data + m->pos, (size_t)n);
    m->pos += n;
    return n;
}
static sf_count_t mem_write(const void *ptr, sf_count_t n, void *u) { return 0; }

/* The format a file's first bytes announce, or NULL. */
static const char *magic_format(const unsigned char *b, size_t n)
{
    if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVE", 4)) return "WAV";
    if (n >= 4 && (!memcmp(b, "RIFF", 4) || !memcmp(b, "RF64", 4))) return "RIFF";
    if (n >= 4 && !memcmp(b, "fLaC", 4)) return "FLAC";
    if (n >= 4 && !memcmp(b, "OggS", 4)) return "OGG";
    if (n >= 4 && !memcmp(b, "FORM", 4)) return "AIFF";
    if (n >= 4 && !memcmp(b, "caff", 4)) return "CAF";
    return NULL;
}

/* Describe why libsndfile could not open name (sf_strerror(NULL) is its last reason). */
static int open_failed(const char *name, const unsigned char *head, size_t n)
{
    char why[256];
    snprintf(why, sizeof why, "%s", sf_strerror(NULL));
    size_t k = strlen(why);
    while (k > 0 && (why[k - 1] == '.' || why[k - 1] == ' ' || why[k - 1] == '\n')) why[--k] = '\0';
    const char *fmt = magic_format(head, n);
    if (fmt) return wk_fail("cannot read '%s': a damaged, truncated or unsupported %s file (libsndfile: %s)", name, fmt, why);
    if (n >= 3 && !memcmp(head, "ID3", 3))
        return wk_fail("cannot read '%s': an MP3 file this libsndfile does not decode (%s); convert it to WAV or FLAC", name, why);
    if (n >= 8 && !memcmp(head + 4, "ftyp", 4))
        return wk_fail("cannot read '%s': an MP4/M4A file, which libsndfile does not read; convert it to WAV or FLAC", name);
    char hex[40] = "";
    for (size_t i = 0; i < n && i < 4; i++) snprintf(hex + (i ? 3 * i - 1 : 0), 4, i ? " %02x" : "%02x", head[i]);
    return wk_fail("cannot read '%s' as a sound (it starts with the bytes %s; libsndfile: %s); wick reads WAV, FLAC, "
                   "OGG Vorbis, AIFF and the other formats of libsndfile", name, n ? hex : "(none)", why);
}

/* Uncompressed files whose samples chunk is cut short still open (libsndfile reads what
 * is there), noting "data : 88200 (should be 880)" in its log. A promise larger than
 * the file by more than a few bytes is truncation — but for the placeholders streaming
 * writers leave (all ones) when they cannot seek back. */
static int check_truncated(SNDFILE *sf, const char *name)
{
    char log[8192];
    log[0] = '\0';
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    for (const char *line = log; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        while (*line == ' ') line++;
        unsigned long long said, is;
        char chunk[8];
        if (sscanf(line, "%4[a-zA-Z] : %llu (should be %llu)", chunk, &said, &is) != 3) continue;
        if (strcmp(chunk, "data") && strcmp(chunk, "SSND")) continue;
        /* a few bytes short is a writer's missing pad byte or partial last frame, not a cut */
        if (said > is + 16 && said != 0xFFFFFFFFull && said != 0x7FFFFFFFull && said != 0xFFFFFFFEull)
            return wk_fail("'%s' is truncated: its header promises %llu bytes of samples but only %llu are there", name,
                           said, is);
    }
    return WK_OK;
}

/* ---- a guard in front of libsndfile's WAV parser ------------------------------------ */

/* libsndfile 1.2.0 (Debian 12) loops forever on a WAV whose LIST chunk holds an entry
 * with a size that runs past the LIST (0xfffffff8 steps back 8 bytes from the entry's
 * end: the parser revisits the same entry without reading anything). Fuzzing found a
 * 104-byte file that hangs it; a file sent by a friend must not hang a sketch. So the
 * chunk layout of RIFF/RF64 WAVE files is walked first — chunk headers only, at most
 * GUARD_MAX_CHUNKS of them — and an entry of a LIST (or of an INFO chunk outside one)
 * that does not fit inside it, or a chunk other than the samples claiming 2 GiB or more,
 * is refused as damaged. Some
 * writers (Modplug Tracker, in a Hydrogen drum kit Debian ships) leave out the pad byte
 * after a chunk of odd size; when the byte in the pad's place is not 0 (a pad is) and
 * starts a chunk name, the walk goes on from there, as libsndfile's reader does. */
#define GUARD_MAX_CHUNKS 4096

/* Read n bytes at off from a file (fd >= 0) or from memory; 1 when all were there. */
typedef struct guard_src {
    int fd;
    const unsigned char *mem;
    int64_t size;
} guard_src;

static int guard_read(const guard_src *g, int64_t off, unsigned char *dst, int64_t n)
{
    if (off < 0 || n > g->size - off) return 0;
    if (g->fd < 0) {
        memcpy(dst, g->mem + off, (size_t)n);
        return 1;
    }
    return pread(g->fd, dst, (size_t)n, (off_t)off) == (ssize_t)n;
}

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* 1 when the 4 bytes at off are a chunk name: printable ASCII. */
static int guard_is_name(const guard_src *g, int64_t off)
{
    unsigned char id[4];
    if (!guard_read(g, off, id, 4)) return 0;
    for (int i = 0; i < 4; i++)
        if (id[i] < 0x20 || id[i] > 0x7e) return 0;
    return 1;
}

/* Where the chunk after the one at pos (of size bytes) starts: after its pad byte, or
 * right after it when the writer left the pad out (above). */
static int64_t guard_next(const guard_src *g, int64_t pos, uint32_t size)
{
    int64_t end = pos + 8 + (int64_t)size;
    unsigned char pad;
    if ((size & 1) && guard_read(g, end, &pad, 1) && pad != 0 && guard_is_name(g, end)) return end;
    return end + (size & 1);
}

static int riff_guard(const guard_src *g, const char *name)
{
    unsigned char h[12];
    if (!guard_read(g, 0, h, 12) || (memcmp(h, "RIFF", 4) && memcmp(h, "RF64", 4)) || memcmp(h + 8, "WAVE", 4))
        return WK_OK;   /* not a little-endian WAVE: libsndfile's other parsers decide */
    int64_t pos = 12;
    for (int n = 0; n < GUARD_MAX_CHUNKS && guard_read(g, pos, h, 8); n++) {
        uint32_t size = le32(h + 4);
        int is_data = !memcmp(h, "data", 4);
        if (!is_data && size >= 0x80000000u)
            return wk_fail("'%s' is damaged: its '%.4s' chunk claims %u bytes", name, (const char *)h, (unsigned)size);
        /* libsndfile reads a LIST chunk, and an INFO chunk outside one, as a list of
         * entries: the markers "INFO" and "adtl" stand alone, four zero bytes or "data"
         * end it, anything else has a size */
        if (!memcmp(h, "LIST", 4) || !memcmp(h, "INFO", 4)) {
            int64_t end = pos + 8 + size, q = pos + 8;
            if (end > g->size) end = g->size;
            unsigned char e[8];
            for (int k = 0; k < GUARD_MAX_CHUNKS && q + 4 <= end && guard_read(g, q, e, 4); k++) {
                if (!memcmp(e, "INFO", 4) || !memcmp(e, "adtl", 4)) {
                    q += 4;
                    continue;
                }
                if (!memcmp(e, "\0\0\0\0", 4) || !memcmp(e, "data", 4) || !memcmp(e, "exif", 4)) break;
                if (q + 8 > end || !guard_read(g, q, e, 8)) break;
                uint32_t esize = le32(e + 4);
                if ((int64_t)esize > end - (q + 8))
                    return wk_fail("'%s' is damaged: an entry of its %.4s chunk runs past the chunk's end", name,
                                   (const char *)h);
                q += 8 + esize + (esize & 1);
            }
        }
        if (is_data && size == 0xffffffffu) break;   /* a streaming writer's placeholder: nothing after */
        pos = guard_next(g, pos, size);
    }
    return WK_OK;
}

/* Open path for reading: the file must exist, be a regular file and hold bytes. */
static SNDFILE *open_path(const char *path, SF_INFO *sfi)
{
    struct stat st;
    if (!path || !path[0]) return wk_fail("cannot read '': empty file name"), NULL;
    if (stat(path, &st) != 0) return wk_fail("cannot open '%s': %s", path, strerror(errno)), NULL;
    if (S_ISDIR(st.st_mode)) return wk_fail("cannot read '%s': it is a folder, not a sound file", path), NULL;
    /* a FIFO would block in sf_open and a device would be read forever: regular files only */
    if (!S_ISREG(st.st_mode)) return wk_fail("cannot read '%s': it is not a regular file (a pipe or device?)", path), NULL;
    if (S_ISREG(st.st_mode) && st.st_size == 0) return wk_fail("'%s' is empty (0 bytes), not a sound file", path), NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return wk_fail("cannot open '%s': %s", path, strerror(errno)), NULL;
    guard_src g = {fd, NULL, (int64_t)st.st_size};
    if (riff_guard(&g, path) != WK_OK) {
        close(fd);
        return NULL;
    }
    memset(sfi, 0, sizeof *sfi);
    SNDFILE *sf = sf_open_fd(fd, SFM_READ, sfi, 1);   /* the file just checked; closes fd */
    if (!sf) {
        unsigned char head[12];
        size_t n = 0;
        FILE *f = fopen(path, "rb");
        if (!f) return wk_fail("cannot open '%s': %s", path, strerror(errno)), NULL;
        n = fread(head, 1, sizeof head, f);
        fclose(f);
        open_failed(path, head, n);
    }
    if (sf) wk_file_note_read(path);   /* the run log's inputs (file.h) */
    return sf;
}

static SNDFILE *open_memory(mem_file *m, SF_VIRTUAL_IO *vio, SF_INFO *sfi, const char *name)
{
    if (m->size == 0) return wk_fail("'%s' is empty (0 bytes), not a sound file", name), NULL;
    guard_src g = {-1, m->data, (int64_t)m->size};
    if (riff_guard(&g, name) != WK_OK) return NULL;
    *vio = (SF_VIRTUAL_IO){mem_len, mem_seek, mem_read, mem_write, mem_tell};
    memset(sfi, 0, sizeof *sfi);
    SNDFILE *sf = sf_open_virtual(vio, SFM_READ, sfi, m);
    if (!sf) open_failed(name, m->data, (size_t)(m->size < 12 ? m->size : 12));
    return sf;
}

/* The header's numbers, checked. */
static int check_header(const SF_INFO *sfi, const char *name)
{
    if (sfi->channels < 1 || sfi->channels > WK_SOUND_MAX_CHANNELS)
        return wk_fail("'%s' is damaged: its header gives %d channels (1..%d make sense)", name, sfi->channels,
                       WK_SOUND_MAX_CHANNELS);
    if (sfi->samplerate < 1 || sfi->samplerate > WK_SOUND_MAX_RATE)
        return wk_fail("'%s' is damaged: its header gives a sample rate of %d Hz (1..%d make sense)", name,
                       sfi->samplerate, WK_SOUND_MAX_RATE);
    if (sfi->frames < 0) return wk_fail("'%s' is damaged: its header gives %lld frames", name, (long long)sfi->frames);
    return WK_OK;
}

int wk_sound_info_read(wk_sound_info *info, const char *path)
{
    memset(info, 0, sizeof *info);
    SF_INFO sfi;
    SNDFILE *sf = open_path(path, &sfi);
    if (!sf) return WK_ERR;
    int rc = check_header(&sfi, path);
    if (rc == WK_OK) rc = check_truncated(sf, path);
    sf_close(sf);
    if (rc) return rc;
    /* libsndfile says SF_COUNT_MAX when a stream does not tell its length */
    info->frames = sfi.frames == SF_COUNT_MAX ? -1 : (int64_t)sfi.frames;
    info->channels = sfi.channels;
    info->rate = sfi.samplerate;
    fill_names(info, sfi.format);
    return WK_OK;
}

/* ---- decoding --------------------------------------------------------------------- */

/* Decode every frame of an open file (at most max_frames when > 0) into dst (C×N). */
static int decode(wk_tensor *dst, int *rate, SNDFILE *sf, const SF_INFO *sfi, const char *name, int64_t max_frames)
{
    if (check_header(sfi, name)) return WK_ERR;
    const int64_t ch = sfi->channels;
    int64_t claimed = sfi->frames == SF_COUNT_MAX ? -1 : (int64_t)sfi->frames;
    if (claimed == 0) return wk_fail("'%s' holds no samples (0 frames)", name);
    /* claimed (the header's promise, -1 unknown) and the caller's limit stay apart: a stream of
       unknown length that ends before the limit is whole, not truncated */
    int64_t want = max_frames > 0 && (claimed < 0 || max_frames < claimed) ? max_frames : claimed;   /* -1: all */
    int64_t promised = claimed > 0 && max_frames > 0 && max_frames < claimed ? max_frames : claimed;  /* -1: none */

    /* buf: (cap, ch) interleaved, as decoded; grown by doubling */
    int64_t cap = want > 0 ? want : CHUNK_FRAMES;
    if (cap > FIRST_SAMPLES / ch) cap = FIRST_SAMPLES / ch;   /* divided: cap * ch could overflow */
    if (cap < CHUNK_FRAMES) cap = CHUNK_FRAMES;
    float *buf = malloc((size_t)(cap * ch) * sizeof *buf);
    if (!buf) return wk_fail("'%s': out of memory decoding", name);
    int64_t n = 0;
    int rc = WK_OK;
    for (;;) {
        int64_t room = want > 0 ? want - n : CHUNK_FRAMES;
        if (room <= 0) break;
        if (room > CHUNK_FRAMES) room = CHUNK_FRAMES;
        if (n + room > cap) {
            int64_t ncap = cap * 2, bytes;
            if (wk_mul_overflows(ncap * ch, (int64_t)sizeof *buf, &bytes) || ncap * ch > WK_MAX_NUMEL ||
                wk_memory_check((double)bytes * 2, "decoding the sound")) {
                rc = wk_fail("'%s': %s", name, wk_errmsg());
                break;
            }
            float *nb = realloc(buf, (size_t)bytes);
            if (!nb) {
                rc = wk_fail("'%s': out of memory after %lld frames", name, (long long)n);
                break;
            }
            buf = nb, cap = ncap;
        }
        sf_count_t got = sf_readf_float(sf, buf + n * ch, (sf_count_t)room);
        if (got <= 0) break;
        n += got;
    }
    if (rc == WK_OK && sf_error(sf) != SF_ERR_NO_ERROR)
        rc = wk_fail("'%s' is truncated or damaged: decoding stops after %lld frames (libsndfile: %s)", name, (long long)n, sf_strerror(sf));
    if (rc == WK_OK && promised > 0 && n < promised)
        rc = wk_fail("'%s' is truncated or damaged: its header promises %lld frames but only %lld decode", name,
                     (long long)claimed, (long long)n);
    if (rc == WK_OK && n == 0) rc = wk_fail("'%s' holds no samples (0 frames decode)", name);
    if (rc == WK_OK) {
        int64_t shape[2] = {ch, n};
        rc = wk_tensor_new(dst, 2, shape);
        if (rc == WK_OK) {
            float *out = wk_tensor_data(dst);   /* (ch, n) */
            int bad = 0;
            for (int64_t c = 0; c < ch; c++)
                for (int64_t i = 0; i < n; i++) {
                    float v = buf[i * ch + c];
                    bad |= !isfinite(v);
                    out[c * n + i] = v;
                }
            if (bad) {   /* float WAVs can hold them; the rest of wick must not see them */
                wk_tensor_release(dst);
                rc = wk_fail("'%s' holds NaN or infinite samples", name);
            }
        }
    }
    free(buf);
    if (rc == WK_OK) *rate = sfi->samplerate;
    return rc;
}

int wk_sound_load(wk_tensor *dst, int *rate, const char *path, const wk_sound_load_opts *opts)
{
    SF_INFO sfi;
    SNDFILE *sf = open_path(path, &sfi);
    if (!sf) return WK_ERR;
    int rc = check_truncated(sf, path);
    if (rc == WK_OK) rc = decode(dst, rate, sf, &sfi, path, opts ? opts->max_frames : 0);
    sf_close(sf);
    return rc;
}

int wk_sound_load_memory(wk_tensor *dst, int *rate, const void *data, size_t size, const char *name,
                         const wk_sound_load_opts *opts)
{
    mem_file m = {data, (sf_count_t)size, 0};
    SF_VIRTUAL_IO vio;
    SF_INFO sfi;
    SNDFILE *sf = open_memory(&m, &vio, &sfi, name);
    if (!sf) return WK_ERR;
    int rc = check_truncated(sf, name);
    if (rc == WK_OK) rc = decode(dst, rate, sf, &sfi, name, opts ? opts->max_frames : 0);
    sf_close(sf);
    return rc;
}

/* ---- saving ----------------------------------------------------------------------- */

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* The sound's channels and frames, and no more channels than a file can hold. */
static int sound_dims(const wk_tensor *t, const char *fn, int64_t *ch, int64_t *frames)
{
    char buf[96];
    if (wk_sound_shape(fn, "samples", t, ch, frames)) return WK_ERR;
    if (*ch > WK_SOUND_MAX_CHANNELS)
        return wk_fail("%s: samples %s would be %lld channels (at most %d); is it frames × channels? use :t()", fn,
                       wk_tensor_shape_str(t, buf, sizeof buf), (long long)*ch, WK_SOUND_MAX_CHANNELS);
    return WK_OK;
}

int wk_sound_save(const char *path, const wk_tensor *t, int rate, const wk_sound_save_opts *opts)
{
    static const wk_sound_save_opts none = {0};
    const wk_sound_save_opts *o = opts ? opts : &none;
    int64_t ch = 0, frames = 0;
    if (sound_dims(t, "audio.save", &ch, &frames)) return WK_ERR;
    if (rate < 1 || rate > WK_SOUND_MAX_RATE)
        return wk_fail("audio.save: rate must be 1..%d Hz, got %d", WK_SOUND_MAX_RATE, rate);
    const float *x = wk_tensor_data(t);   /* (ch, frames) */
    if (wk_sound_check_finite("audio.save", x, ch, frames)) return WK_ERR;   /* nothing written yet */
    int format = o->format;
    if (format == WK_SOUND_AUTO) {
        if (ends_with_ci(path, ".wav")) format = WK_SOUND_WAV;
        else if (ends_with_ci(path, ".flac")) format = WK_SOUND_FLAC;
        else return wk_fail("audio.save: cannot tell the format of '%s' from its name: use .wav or .flac, or pass {format = \"wav\"}", path);
    }
    int bits = o->bits ? o->bits : 16;
    int sub;
    if (bits == 16) sub = SF_FORMAT_PCM_16;
    else if (bits == 24) sub = SF_FORMAT_PCM_24;
    else if (bits == 32 && format == WK_SOUND_WAV) sub = SF_FORMAT_FLOAT;
    else if (bits == 32) return wk_fail("audio.save: FLAC holds 16 or 24 bits, not 32 ('%s'); use a .wav for float samples", path);
    else return wk_fail("audio.save: bits must be 16, 24 or 32, got %d", bits);
    if (format == WK_SOUND_FLAC && (ch > 8 || rate > 655350))
        return wk_fail("audio.save: FLAC holds at most 8 channels at 655350 Hz, got %lld at %d ('%s')", (long long)ch, rate, path);

    struct stat st;
    if (!o->overwrite && lstat(path, &st) == 0)
        return wk_fail("audio.save: '%s' exists; pass {overwrite = true} to replace it", path);

    SF_INFO sfi = {.samplerate = rate, .channels = (int)ch,
                   .format = (format == WK_SOUND_FLAC ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | sub};
    if (!sf_format_check(&sfi)) return wk_fail("audio.save: libsndfile cannot write this format for '%s'", path);
    float *buf = malloc((size_t)(CHUNK_FRAMES * ch) * sizeof *buf);   /* (CHUNK_FRAMES, ch) interleaved */
    if (!buf) return wk_fail("audio.save: out of memory writing '%s'", path);
    wk_file_out out;
    if (wk_file_out_open(&out, path, WK_FILE_MKDIRS)) {
        free(buf);
        return wk_fail("audio.save: %s", wk_errmsg());
    }
    SNDFILE *sf = sf_open_fd(out.fd, SFM_WRITE, &sfi, 0);
    int rc = WK_OK;
    if (!sf) {
        rc = wk_fail("audio.save: cannot write '%s': %s", path, sf_strerror(NULL));
    } else {
        sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);   /* 1.0 becomes full scale, not a wrap to -1 */
        if (o->software) sf_set_string(sf, SF_STR_SOFTWARE, o->software);
        if (o->comment) sf_set_string(sf, SF_STR_COMMENT, o->comment);
        for (int64_t i0 = 0; i0 < frames && rc == WK_OK; i0 += CHUNK_FRAMES) {
            int64_t m = frames - i0 < CHUNK_FRAMES ? frames - i0 : CHUNK_FRAMES;
            for (int64_t i = 0; i < m; i++)
                for (int64_t c = 0; c < ch; c++) buf[i * ch + c] = x[c * frames + i0 + i];
            if (sf_writef_float(sf, buf, (sf_count_t)m) != (sf_count_t)m)
                rc = wk_fail("audio.save: cannot write '%s': %s", path, sf_strerror(sf));
        }
        if (sf_close(sf) != 0 && rc == WK_OK) rc = wk_fail("audio.save: cannot finish '%s'", path);
    }
    free(buf);
    if (rc) {
        wk_file_out_abort(&out);
        return rc;
    }
    /* the lstat above is only the early, cheap answer: a file made since then must still
       not be replaced, so the commit itself refuses to replace */
    if ((o->overwrite ? wk_file_out_commit(&out) : wk_file_out_commit_new(&out)))
        return wk_fail("audio.save: %s", wk_errmsg());
    return WK_OK;
}
