/* av.c — video files through FFmpeg's libraries: anything libavformat/libavcodec
 * decode, read into RGB frames; MP4, WebM, MKV and MOV written from them.
 *
 * Both directions go through a custom AVIOContext over wick's own source (a FILE or
 * bytes in memory) or over the writer's temporary file, so FFmpeg never opens a path
 * itself: no protocol ("http:", "concat:", "file:") is reachable from a name or from
 * inside a file (a playlist's references are refused by an empty protocol
 * whitelist), and only the container formats listed in READ_FORMATS are read, so a
 * text file is not taken for a "tty" video. The probed format is checked before the
 * file is opened and named when it is refused; a stream whose codec this FFmpeg cannot
 * decode is refused naming the codec. The decoder's max_pixels stops a stream from
 * asking for frames beyond wick's limits, and swscale turns whatever pixel format
 * comes out (honouring BT.601/BT.709 and limited/full range) into RGB at the size the
 * stream started with. FFmpeg's logging is silenced: lib never prints; the reasons go
 * into wk_errmsg().
 *
 * Writing picks the encoder from the extension (H.264 through libx264, else MPEG-4
 * part 2, for .mp4/.m4v/.mov/.mkv; VP9, else VP8, for .webm) unless the caller names
 * one, maps quality 0..100 onto the encoder's own scale, tags the colours as BT.601
 * limited range (what swscale produces), and converts RGB to the encoder's pixel
 * format (yuv420p for all of the above). The libraries are opened with dlopen on first
 * use (see below). */
#include <dlfcn.h>
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "../core/limits.h"
#include "video_codec.h"

#define IO_BUF 65536
/* Demuxers wick reads: common video containers and raw streams (names as libavformat
 * spells them; a demuxer whose name list shares one entry matches). */
#define READ_FORMATS "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpeg,mpegts,ogg,asf,nut,ivf,h264,hevc," \
                     "m4v,mjpeg,yuv4mpegpipe,gif,apng,dirac,obu"

/* ---- FFmpeg, loaded on first use ---------------------------------------------- */

/* FFmpeg's four libraries and everything they pull in (codecs, network and disc
 * libraries: over a hundred) would add ~40 ms to every start of wick, so they are
 * opened with dlopen the first time a video is read or written, never linked, as
 * draw.c does with cairo. The functions used are listed once and resolved into one
 * table of pointers typed from FFmpeg's headers; the sonames follow the headers'
 * major versions, so a mismatched library is refused by name. */
#define AV_FUNCS(X)                                                                                      \
    X(util, av_log_set_level) X(util, av_max_alloc) X(util, av_strerror) X(util, av_malloc) X(util, av_free)   \
    X(util, av_freep)                                                                                    \
    X(util, av_match_list) X(util, av_dict_set) X(util, av_dict_free) X(util, av_get_pix_fmt_name)       \
    X(util, av_frame_alloc) X(util, av_frame_free) X(util, av_frame_unref)                               \
    X(util, av_frame_make_writable) X(util, av_frame_get_buffer) X(util, av_d2q)                         \
    X(util, av_opt_set_double) X(util, av_opt_set) X(util, av_opt_set_int)                               \
    X(format, avio_alloc_context) X(format, avio_context_free) X(format, av_probe_input_buffer2)         \
    X(format, avformat_alloc_context) X(format, avformat_open_input)                                     \
    X(format, avformat_find_stream_info) X(format, av_find_best_stream) X(format, avformat_close_input)  \
    X(format, av_read_frame) X(format, avio_feof) X(format, av_guess_format)                             \
    X(format, avformat_query_codec) X(format, avformat_alloc_output_context2)                            \
    X(format, avformat_new_stream) X(format, avformat_write_header)                                      \
    X(format, av_interleaved_write_frame) X(format, av_write_trailer) X(format, avio_flush)              \
    X(format, avformat_free_context)                                                                     \
    X(codec, avcodec_get_name) X(codec, avcodec_alloc_context3) X(codec, avcodec_parameters_to_context)  \
    X(codec, avcodec_open2) X(codec, avcodec_free_context) X(codec, avcodec_receive_frame)               \
    X(codec, avcodec_send_packet) X(codec, av_packet_alloc) X(codec, av_packet_free)                     \
    X(codec, av_packet_unref) X(codec, avcodec_find_encoder_by_name)                                     \
    X(codec, avcodec_descriptor_get_by_name) X(codec, avcodec_find_encoder) X(codec, avcodec_send_frame) \
    X(codec, avcodec_receive_packet) X(codec, av_packet_rescale_ts)                                      \
    X(codec, avcodec_parameters_from_context)                                                            \
    X(scale, sws_getCachedContext) X(scale, sws_getContext) X(scale, sws_freeContext)                    \
    X(scale, sws_scale) X(scale, sws_setColorspaceDetails) X(scale, sws_getCoefficients)                

static struct {
#define X(lib, name) __typeof__(name) *name;
    AV_FUNCS(X)
#undef X
} fn;
static int av_loaded;
#define AV_MAX_ALLOC ((size_t)1 << 30)
static pthread_mutex_t av_lock = PTHREAD_MUTEX_INITIALIZER;

#define SONAME(lib, major) "lib" lib ".so." AV_STRINGIFY(major)

static int av_load(void)
{
    static const char *const names[4] = {SONAME("avutil", LIBAVUTIL_VERSION_MAJOR),
                                          SONAME("avformat", LIBAVFORMAT_VERSION_MAJOR),
                                          SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR),
                                          SONAME("swscale", LIBSWSCALE_VERSION_MAJOR)};
    enum { util, format, codec, scale };
    int status = WK_OK;
    pthread_mutex_lock(&av_lock);
    if (!av_loaded) {
        void *h[4] = {NULL};
        const char *missing = NULL;
        for (int i = 0; i < 4 && !missing; i++)
            if (!(h[i] = dlopen(names[i], RTLD_NOW | RTLD_LOCAL))) missing = names[i];
#define X(lib, name)                                                                             \
    if (!missing && !(fn.name = (__typeof__(fn.name))dlsym(h[lib], #name))) missing = #name;
        AV_FUNCS(X)
#undef X
        if (missing) {
            for (int i = 0; i < 4; i++)
                if (h[i]) dlclose(h[i]);
            status = wk_fail("cannot load FFmpeg (%s is missing); video other than GIF needs FFmpeg's "
                             "%s, %s, %s and %s (Debian: sudo apt-get install libavformat%d libswscale%d)",
                             missing, names[format], names[codec], names[util], names[scale],
                             LIBAVFORMAT_VERSION_MAJOR, LIBSWSCALE_VERSION_MAJOR);
        } else {
            av_loaded = 1;
            fn.av_log_set_level(AV_LOG_QUIET);   /* lib never prints; reasons go to wk_errmsg() */
            /* A demuxer sizes some buffers from the file's own fields: fuzzing found a
             * file of a few hundred bytes that made it ask for just over 1 GiB. A frame
             * of the largest size wick accepts (2^28 pixels) in an 8-bit format fits in
             * AV_MAX_ALLOC; FFmpeg refuses larger requests as out of memory, an error. */
            fn.av_max_alloc(AV_MAX_ALLOC);
        }
    }
    pthread_mutex_unlock(&av_lock);
    return status;
}

static const char *av_reason(int err, char *buf, size_t size)
{
    if (fn.av_strerror(err, buf, size) < 0) snprintf(buf, size, "FFmpeg error %d", err);
    return buf;
}

/* ---- reading -------------------------------------------------------------------- */

typedef struct av_reader {
    wk_video_src *src;
    AVIOContext *io;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    struct SwsContext *sws;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    int64_t w, h;
    unsigned char *rgb;     /* (h, w, 3) the frame handed out */
    int flushing;           /* the demuxer ended; the decoder is being drained */
    char codec[32];
} av_reader;

static int io_read(void *opaque, uint8_t *buf, int n)
{
    long got = wk_video_src_read(opaque, buf, (size_t)n);
    if (got < 0) return AVERROR(EIO);
    return got == 0 ? AVERROR_EOF : (int)got;
}

static int64_t io_seek(void *opaque, int64_t off, int whence)
{
    if (whence & AVSEEK_SIZE) return wk_video_src_size(opaque);
    whence &= ~AVSEEK_FORCE;
    int64_t pos = wk_video_src_seek(opaque, off, whence);
    return pos < 0 ? AVERROR(EINVAL) : pos;
}

static void reader_free(void *p)
{
    av_reader *r = p;
    if (!r) return;
    fn.avcodec_free_context(&r->dec);
    if (r->fmt) fn.avformat_close_input(&r->fmt);
    if (r->io) fn.av_freep(&r->io->buffer);
    fn.avio_context_free(&r->io);
    fn.sws_freeContext(r->sws);
    fn.av_packet_free(&r->pkt);
    fn.av_frame_free(&r->frame);
    fn.av_free(r->rgb);
    free(r);
}

/* The swscale coefficients for a stream's colour space (unspecified: BT.601, as
 * FFmpeg assumes). */
static const int *coefficients(enum AVColorSpace cs)
{
    switch (cs) {
    case AVCOL_SPC_BT709: return fn.sws_getCoefficients(SWS_CS_ITU709);
    case AVCOL_SPC_FCC: return fn.sws_getCoefficients(SWS_CS_FCC);
    case AVCOL_SPC_SMPTE240M: return fn.sws_getCoefficients(SWS_CS_SMPTE240M);
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return fn.sws_getCoefficients(SWS_CS_BT2020);
    default: return fn.sws_getCoefficients(SWS_CS_ITU601);
    }
}

/* The decoded frame into r->rgb at the stream's first size. */
static int convert(av_reader *r)
{
    AVFrame *f = r->frame;
    if (f->width < 1 || f->height < 1 || f->format < 0)
        return wk_fail("'%s' is corrupt: the %s decoder gave an empty frame", r->src->name, r->codec);
    r->sws = fn.sws_getCachedContext(r->sws, f->width, f->height, f->format, (int)r->w, (int)r->h, AV_PIX_FMT_RGB24,
                                  SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (!r->sws)
        return wk_fail("'%s': cannot convert %s frames of %dx%d to RGB", r->src->name,
                       fn.av_get_pix_fmt_name(f->format) ? fn.av_get_pix_fmt_name(f->format) : "?", f->width, f->height);
    int full = f->color_range == AVCOL_RANGE_JPEG;
    fn.sws_setColorspaceDetails(r->sws, coefficients(f->colorspace), full, fn.sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                             1 << 16, 1 << 16);
    uint8_t *dst[4] = {r->rgb, NULL, NULL, NULL};
    int lines[4] = {(int)r->w * 3, 0, 0, 0};
    fn.sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, lines);
    fn.av_frame_unref(f);
    return WK_OK;
}

static int reader_next(void *p, const unsigned char **rgb)
{
    av_reader *r = p;
    char why[128];
    for (;;) {
        int rc = fn.avcodec_receive_frame(r->dec, r->frame);
        if (rc == 0) {
            if (convert(r)) return WK_ERR;
            *rgb = r->rgb;
            return 1;
        }
        if (rc == AVERROR_EOF) return 0;
        if (rc != AVERROR(EAGAIN))
            return wk_fail("'%s' is corrupt: decoding %s failed (%s)", r->src->name, r->codec, av_reason(rc, why, sizeof why));
        if (r->flushing) return 0;
        rc = fn.av_read_frame(r->fmt, r->pkt);
        if (rc == AVERROR_EOF || (rc < 0 && fn.avio_feof(r->fmt->pb))) {
            r->flushing = 1;
            fn.avcodec_send_packet(r->dec, NULL);
            continue;
        }
        if (rc < 0) return wk_fail("cannot read '%s': %s", r->src->name, av_reason(rc, why, sizeof why));
        if (r->pkt->stream_index == r->stream) rc = fn.avcodec_send_packet(r->dec, r->pkt);
        fn.av_packet_unref(r->pkt);
        if (rc < 0 && rc != AVERROR(EAGAIN))
            return wk_fail("'%s' is corrupt: decoding %s failed (%s)", r->src->name, r->codec, av_reason(rc, why, sizeof why));
    }
}

/* Everything but the allocations reader_free undoes. */
static int open_input(av_reader *r, wk_video_info *info)
{
    char why[128];
    const char *name = r->src->name;
    unsigned char *buf = fn.av_malloc(IO_BUF);
    if (buf) r->io = fn.avio_alloc_context(buf, IO_BUF, 0, r->src, io_read, NULL, io_seek);
    if (!r->io) {
        fn.av_free(buf);
        return wk_fail("out of memory reading '%s'", name);
    }
    const AVInputFormat *ifmt = NULL;
    int rc = fn.av_probe_input_buffer2(r->io, &ifmt, "", NULL, 0, 0);
    if (rc < 0 || !ifmt) return wk_fail("'%s' is not a video file wick can read (%s)", name, av_reason(rc, why, sizeof why));
    if (fn.av_match_list(ifmt->name, READ_FORMATS, ',') <= 0)
        return wk_fail("'%s' looks like %s (%s), not a video format wick reads", name,
                       ifmt->long_name ? ifmt->long_name : ifmt->name, ifmt->name);
    r->fmt = fn.avformat_alloc_context();
    if (!r->fmt) return wk_fail("out of memory reading '%s'", name);
    r->fmt->pb = r->io;
    r->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    AVDictionary *opts = NULL;
    fn.av_dict_set(&opts, "protocol_whitelist", "none", 0);
    fn.av_dict_set(&opts, "format_whitelist", READ_FORMATS, 0);
    rc = fn.avformat_open_input(&r->fmt, "", ifmt, &opts);   /* frees fmt on failure */
    fn.av_dict_free(&opts);
    if (rc < 0) return wk_fail("'%s' is a corrupt %s file (%s)", name, ifmt->name, av_reason(rc, why, sizeof why));
    rc = fn.avformat_find_stream_info(r->fmt, NULL);
    if (rc < 0) return wk_fail("'%s' is a corrupt %s file (%s)", name, ifmt->name, av_reason(rc, why, sizeof why));

    const AVCodec *codec = NULL;
    r->stream = fn.av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->stream == AVERROR_DECODER_NOT_FOUND || (r->stream >= 0 && !codec)) {
        for (unsigned i = 0; i < r->fmt->nb_streams; i++)
            if (r->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
                return wk_fail("'%s': its video is %s, which this FFmpeg build cannot decode", name,
                               fn.avcodec_get_name(r->fmt->streams[i]->codecpar->codec_id));
    }
    if (r->stream < 0) return wk_fail("'%s' (%s) holds no video stream", name, ifmt->name);
    AVStream *st = r->fmt->streams[r->stream];
    snprintf(r->codec, sizeof r->codec, "%s", fn.avcodec_get_name(st->codecpar->codec_id));
    r->w = st->codecpar->width, r->h = st->codecpar->height;
    char format[64];
    snprintf(format, sizeof format, "%s video", r->codec);
    if (wk_video_check_dims(name, format, r->w, r->h)) return WK_ERR;
    char what[96];
    snprintf(what, sizeof what, "'%s' (%lldx%lld %s video)", name, (long long)r->w, (long long)r->h, r->codec);
    /* decoder frames (a few, ~1.5 bytes a pixel each), RGB and the float frame */
    if (wk_memory_check(40.0 * r->w * r->h, what)) return WK_ERR;

    r->dec = fn.avcodec_alloc_context3(codec);
    if (!r->dec) return wk_fail("out of memory reading '%s'", name);
    rc = fn.avcodec_parameters_to_context(r->dec, st->codecpar);
    if (rc >= 0) {
        /* a stream may change size mid-way: no frame beyond wick's limits or beyond what
         * the check above allowed for memory */
        int64_t by_memory = wk_memory_total() / 40;
        r->dec->max_pixels = by_memory < WK_IMAGE_MAX_PIXELS ? by_memory : WK_IMAGE_MAX_PIXELS;
        rc = fn.avcodec_open2(r->dec, codec, NULL);
    }
    if (rc < 0) return wk_fail("'%s': cannot decode its %s video (%s)", name, r->codec, av_reason(rc, why, sizeof why));
    r->pkt = fn.av_packet_alloc();
    r->frame = fn.av_frame_alloc();
    r->rgb = fn.av_malloc((size_t)(r->w * r->h * 3));
    if (!r->pkt || !r->frame || !r->rgb) return wk_fail("out of memory reading '%s'", name);

    info->width = r->w, info->height = r->h;
    AVRational fr = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate : st->r_frame_rate;
    info->fps = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 24.0;
    info->frames = st->nb_frames > 0 ? st->nb_frames : -1;
    snprintf(info->codec, sizeof info->codec, "%s", r->codec);
    snprintf(info->format, sizeof info->format, "%s", ifmt->name);
    return WK_OK;
}

int wk_av_open_reader(wk_video_src *s, wk_video_info *info, wk_video_codec_reader *cr)
{
    if (av_load()) return WK_ERR;
    av_reader *r = calloc(1, sizeof *r);
    if (!r) return wk_fail("out of memory reading '%s'", s->name);
    r->src = s;
    if (open_input(r, info)) {
        reader_free(r);
        return WK_ERR;
    }
    cr->state = r;
    cr->next = reader_next;
    cr->free = reader_free;
    return WK_OK;
}

/* ---- writing -------------------------------------------------------------------- */

/* The container for path and the encoder (o->codec, or the container's preferred
 * one). */
static int choose(const char *path, const wk_video_write_opts *o, const AVOutputFormat **ofmt, const AVCodec **enc)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return wk_fail("'%s': name the file .mp4, .webm, .mkv, .mov or .gif (or a pattern such as "
                       "'frames/%%04d.png') so wick knows what to write", path);
    *ofmt = fn.av_guess_format(NULL, path, NULL);
    if (!*ofmt || !strcasecmp(dot, ".gif") || !strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg"))
        return wk_fail("'%s': wick cannot write video as '%s' (it writes .mp4, .webm, .mkv, .mov, .gif, or "
                       "numbered frames such as 'frames/%%04d.png')", path, dot);
    const char *name = (*ofmt)->name;
    if (o->codec) {
        *enc = fn.avcodec_find_encoder_by_name(o->codec);
        if (!*enc) {
            const AVCodecDescriptor *d = fn.avcodec_descriptor_get_by_name(o->codec);
            if (d) *enc = fn.avcodec_find_encoder(d->id);
            if (d && !*enc) return wk_fail("'%s': this FFmpeg build has no encoder for codec '%s'", path, o->codec);
        }
        if (!*enc) return wk_fail("'%s': unknown codec '%s' (try h264, mpeg4, vp9 or vp8)", path, o->codec);
        if ((*enc)->type != AVMEDIA_TYPE_VIDEO) return wk_fail("'%s': '%s' is not a video codec", path, o->codec);
        if (fn.avformat_query_codec(*ofmt, (*enc)->id, FF_COMPLIANCE_NORMAL) == 0)
            return wk_fail("'%s': the %s container cannot hold codec '%s'", path, name, o->codec);
        return WK_OK;
    }
    static const char *const webm[] = {"libvpx-vp9", "libvpx", NULL};
    static const char *const mp4[] = {"libx264", "mpeg4", NULL};
    const char *const *prefer = !strcmp(name, "webm") ? webm
                                : (!strcmp(name, "mp4") || !strcmp(name, "mov") || !strcmp(name, "matroska") ||
                                   !strcmp(name, "ipod")) ? mp4 : NULL;
    *enc = NULL;
    for (int i = 0; prefer && prefer[i] && !*enc; i++) *enc = fn.avcodec_find_encoder_by_name(prefer[i]);
    if (!*enc && (*ofmt)->video_codec != AV_CODEC_ID_NONE) *enc = fn.avcodec_find_encoder((*ofmt)->video_codec);
    if (!*enc) return wk_fail("'%s': this FFmpeg build has no video encoder for %s files", path, name);
    return WK_OK;
}

int wk_av_check_writer(const char *path, const wk_video_write_opts *o, char *codec, size_t size)
{
    if (av_load()) return WK_ERR;
    const AVOutputFormat *ofmt;
    const AVCodec *enc;
    if (choose(path, o, &ofmt, &enc)) return WK_ERR;
    snprintf(codec, size, "%s", enc->name);
    return WK_OK;
}

typedef struct av_writer {
    FILE *f;
    const char *path;
    int write_errno;
    AVIOContext *io;
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *st;
    struct SwsContext *sws;
    AVFrame *frame;
    AVPacket *pkt;
    int64_t w, h, pts;
} av_writer;

static int io_write(void *opaque, uint8_t *buf, int n)
{
    av_writer *a = opaque;
    if (fwrite(buf, 1, (size_t)n, a->f) != (size_t)n) {
        a->write_errno = errno ? errno : EIO;
        return AVERROR(a->write_errno);
    }
    return n;
}

static int64_t io_wseek(void *opaque, int64_t off, int whence)
{
    av_writer *a = opaque;
    if (whence & AVSEEK_SIZE) return wk_file_size(a->f);
    if (fseeko(a->f, (off_t)off, whence & ~AVSEEK_FORCE)) return AVERROR(errno);
    return (int64_t)ftello(a->f);
}

static void writer_free(void *p)
{
    av_writer *a = p;
    if (!a) return;
    fn.avcodec_free_context(&a->enc);
    if (a->fmt) a->fmt->pb = NULL;
    fn.avformat_free_context(a->fmt);
    if (a->io) fn.av_freep(&a->io->buffer);
    fn.avio_context_free(&a->io);
    fn.sws_freeContext(a->sws);
    fn.av_frame_free(&a->frame);
    fn.av_packet_free(&a->pkt);
    free(a);
}

static int write_fail(av_writer *a, const char *what, int err)
{
    char why[128];
    if (a->write_errno) return wk_fail("cannot write '%s': %s", a->path, strerror(a->write_errno));
    return wk_fail("cannot write '%s': %s failed (%s)", a->path, what, av_reason(err, why, sizeof why));
}

/* Send frame (NULL: flush) and write every packet the encoder has ready. */
static int encode(av_writer *a, AVFrame *frame)
{
    int rc = fn.avcodec_send_frame(a->enc, frame);
    if (rc < 0) return write_fail(a, "encoding", rc);
    for (;;) {
        rc = fn.avcodec_receive_packet(a->enc, a->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return WK_OK;
        if (rc < 0) return write_fail(a, "encoding", rc);
        fn.av_packet_rescale_ts(a->pkt, a->enc->time_base, a->st->time_base);
        a->pkt->stream_index = a->st->index;
        rc = fn.av_interleaved_write_frame(a->fmt, a->pkt);
        if (rc < 0) return write_fail(a, "writing a packet", rc);
    }
}

static int writer_put(void *p, const unsigned char *rgb)
{
    av_writer *a = p;
    int rc = fn.av_frame_make_writable(a->frame);
    if (rc < 0) return write_fail(a, "a frame buffer", rc);
    const uint8_t *src[4] = {rgb, NULL, NULL, NULL};
    int lines[4] = {(int)a->w * 3, 0, 0, 0};
    fn.sws_scale(a->sws, src, lines, 0, (int)a->h, a->frame->data, a->frame->linesize);
    a->frame->pts = a->pts++;
    return encode(a, a->frame);
}

static int writer_finish(void *p)
{
    av_writer *a = p;
    if (encode(a, NULL)) return WK_ERR;
    int rc = fn.av_write_trailer(a->fmt);
    fn.avio_flush(a->io);
    if (rc < 0 || a->write_errno) return write_fail(a, "finishing the file", rc);
    return WK_OK;
}

/* The encoder's settings for quality q (0..100). */
static void set_quality(AVCodecContext *enc, const AVCodec *codec, int q, int64_t w, int64_t h, double fps)
{
    double worse = (100 - q) / 100.0;   /* 0 best .. 1 worst */
    if (!strcmp(codec->name, "libx264") || !strcmp(codec->name, "libx265")) {
        fn.av_opt_set_double(enc->priv_data, "crf", 51 * worse, 0);
    } else if (!strcmp(codec->name, "libvpx-vp9")) {
        enc->bit_rate = 0;   /* constant quality */
        fn.av_opt_set_double(enc->priv_data, "crf", round(63 * worse), 0);
        fn.av_opt_set(enc->priv_data, "deadline", "good", 0);
        fn.av_opt_set_int(enc->priv_data, "cpu-used", 4, 0);
        fn.av_opt_set_int(enc->priv_data, "row-mt", 1, 0);
    } else if (!strcmp(codec->name, "libvpx")) {
        /* VP8's crf is a floor under a bitrate cap: the cap generous, ~2 bits a pixel */
        fn.av_opt_set_double(enc->priv_data, "crf", round(4 + 59 * worse), 0);
        enc->bit_rate = (int64_t)(2.0 * w * h * fps);
        fn.av_opt_set(enc->priv_data, "deadline", "good", 0);
        fn.av_opt_set_int(enc->priv_data, "cpu-used", 4, 0);
    } else {
        enc->flags |= AV_CODEC_FLAG_QSCALE;
        enc->global_quality = (int)(FF_QP2LAMBDA * (1 + round(30 * worse)));
    }
}

static int open_writer(av_writer *a, const wk_video_write_opts *o)
{
    char why[128];
    const AVOutputFormat *ofmt;
    const AVCodec *codec;
    if (choose(a->path, o, &ofmt, &codec)) return WK_ERR;
    int rc = fn.avformat_alloc_output_context2(&a->fmt, ofmt, NULL, NULL);
    if (rc < 0 || !a->fmt) return write_fail(a, "making the container", rc);
    a->enc = fn.avcodec_alloc_context3(codec);
    a->pkt = fn.av_packet_alloc();
    a->frame = fn.av_frame_alloc();
    unsigned char *buf = fn.av_malloc(IO_BUF);
    if (buf) a->io = fn.avio_alloc_context(buf, IO_BUF, 1, a, NULL, io_write, io_wseek);
    if (buf && !a->io) fn.av_free(buf);   /* the context owns it only once made */
    if (!a->enc || !a->pkt || !a->frame || !a->io) return wk_fail("out of memory writing '%s'", a->path);

    AVCodecContext *e = a->enc;
    e->width = (int)a->w, e->height = (int)a->h;
    e->framerate = fn.av_d2q(o->fps, 1001000);
    e->time_base = av_inv_q(e->framerate);
    e->pix_fmt = AV_PIX_FMT_YUV420P;
    if (codec->pix_fmts) {
        const enum AVPixelFormat *pf = codec->pix_fmts;
        while (*pf != AV_PIX_FMT_NONE && *pf != AV_PIX_FMT_YUV420P) pf++;
        if (*pf == AV_PIX_FMT_NONE) e->pix_fmt = codec->pix_fmts[0];
    }
    e->color_range = AVCOL_RANGE_MPEG;
    e->colorspace = AVCOL_SPC_SMPTE170M;
    e->color_primaries = AVCOL_PRI_SMPTE170M;
    e->color_trc = AVCOL_TRC_SMPTE170M;
    if (ofmt->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    set_quality(e, codec, o->quality, a->w, a->h, o->fps);
    rc = fn.avcodec_open2(e, codec, NULL);
    if (rc < 0)
        return wk_fail("cannot write '%s': the %s encoder refused %lldx%lld at %g fps (%s)", a->path, codec->name,
                       (long long)a->w, (long long)a->h, o->fps, av_reason(rc, why, sizeof why));
    a->st = fn.avformat_new_stream(a->fmt, NULL);
    if (!a->st) return wk_fail("out of memory writing '%s'", a->path);
    rc = fn.avcodec_parameters_from_context(a->st->codecpar, e);
    if (rc < 0) return write_fail(a, "describing the stream", rc);
    a->st->time_base = e->time_base;
    a->st->avg_frame_rate = e->framerate;
    a->fmt->pb = a->io;
    a->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    rc = fn.avformat_write_header(a->fmt, NULL);
    if (rc < 0) return write_fail(a, "writing the header", rc);

    a->frame->format = e->pix_fmt;
    a->frame->width = e->width, a->frame->height = e->height;
    rc = fn.av_frame_get_buffer(a->frame, 0);
    if (rc < 0) return write_fail(a, "a frame buffer", rc);
    a->sws = fn.sws_getContext((int)a->w, (int)a->h, AV_PIX_FMT_RGB24, (int)a->w, (int)a->h, e->pix_fmt,
                            SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (!a->sws) return wk_fail("cannot write '%s': no conversion from RGB to %s", a->path, fn.av_get_pix_fmt_name(e->pix_fmt));
    fn.sws_setColorspaceDetails(a->sws, fn.sws_getCoefficients(SWS_CS_DEFAULT), 1, fn.sws_getCoefficients(SWS_CS_ITU601), 0, 0,
                             1 << 16, 1 << 16);
    return WK_OK;
}

int wk_av_open_writer(FILE *f, const char *path, int64_t w, int64_t h, const wk_video_write_opts *o,
                      wk_video_codec_writer *cw)
{
    if (av_load()) return WK_ERR;
    av_writer *a = calloc(1, sizeof *a);
    if (!a) return wk_fail("out of memory writing '%s'", path);
    a->f = f, a->path = path, a->w = w, a->h = h;
    if (open_writer(a, o)) {
        writer_free(a);
        return WK_ERR;
    }
    cw->state = a;
    cw->put = writer_put;
    cw->finish = writer_finish;
    cw->free = writer_free;
    snprintf(cw->codec, sizeof cw->codec, "%s", a->enc->codec->name);
    return WK_OK;
}
