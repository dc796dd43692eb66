/* fuzz_wordvec_text.c — libFuzzer target for wk_wordvec_load with WK_WV_TEXT (see
 * wordvec_target.h). */
#define WV_FORMAT WK_WV_TEXT
#include "wordvec_target.h"
