/* test_svg.c — unit tests of lib/media/svg.c: a circle rendered through librsvg (loaded
 * with dlopen) lands where it should with the right colour and alpha, the box keeps the
 * aspect ratio, malformed SVG fails with a reason and no crash, and bad sizes are
 * refused. When librsvg2-2 is missing the tests pass with a note. */
#include <string.h>

#include "../../lib/media/svg.h"
#include "../../lib/core/error.h"
#include "check.h"

static const char *CIRCLE = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 36 36\">"
                            "<circle cx=\"18\" cy=\"18\" r=\"12\" fill=\"#3366ff\" fill-opacity=\"0.5\"/></svg>";

static int have_rsvg = 1;

TEST(render_circle)
{
    wk_tensor t = {0};
    if (wk_svg_render(&t, CIRCLE, strlen(CIRCLE), 36, 36) != WK_OK) {
        if (strstr(wk_errmsg(), "librsvg2-2")) { have_rsvg = 0; printf("  note: %s; skipping\n", wk_errmsg()); return; }
        printf("  %s\n", wk_errmsg());
        CHECK(0);
        return;
    }
    CHECK(t.ndim == 3 && t.shape[0] == 4 && t.shape[1] == 36 && t.shape[2] == 36);
    const float *p = wk_tensor_data(&t);
    int64_t plane = 36 * 36, c = 18 * 36 + 18;
    /* colour is un-premultiplied: the half-transparent fill keeps its RGB */
    CHECK_NEAR(p[c], 0x33 / 255.0, 0.02);
    CHECK_NEAR(p[plane + c], 0x66 / 255.0, 0.02);
    CHECK_NEAR(p[2 * plane + c], 1.0, 0.02);
    CHECK_NEAR(p[3 * plane + c], 0.5, 0.01);
    CHECK_NEAR(p[3 * plane + 0], 0.0, 1e-6);   /* corner: nothing drawn */
    wk_tensor_release(&t);
}

TEST(aspect_ratio)
{
    if (!have_rsvg) return;
    wk_tensor t = {0};
    CHECK(wk_svg_render(&t, CIRCLE, strlen(CIRCLE), 72, 36) == WK_OK);
    CHECK(t.shape[1] == 36 && t.shape[2] == 72);
    const float *a = wk_tensor_data(&t) + 3 * 36 * 72;   // (H, W) alpha
    CHECK_NEAR(a[18 * 72 + 36], 0.5, 0.01);   /* centred */
    CHECK_NEAR(a[18 * 72 + 5], 0.0, 1e-6);    /* the sides stay empty */
    wk_tensor_release(&t);
}

TEST(bad_svg)
{
    if (!have_rsvg) return;
    wk_tensor t = {0};
    const char *broken = "<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M0 0 L";
    CHECK(wk_svg_render(&t, broken, strlen(broken), 16, 16) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot read the SVG") != NULL);
    CHECK(t.storage == NULL);
    CHECK(wk_svg_parses(broken, strlen(broken)) == 0);
    CHECK(wk_svg_parses(CIRCLE, strlen(CIRCLE)) == 1);
    CHECK(wk_svg_parses("", 0) == 0);
    CHECK(wk_svg_parses("\xff\xfe\x00garbage", 10) == 0);
    CHECK(wk_svg_render(&t, CIRCLE, strlen(CIRCLE), 0, 16) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "size") != NULL);
}

int main(void)
{
    RUN(render_circle);
    RUN(aspect_ratio);
    RUN(bad_svg);
    return check_summary("svg");
}
