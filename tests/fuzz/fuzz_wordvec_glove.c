/* fuzz_wordvec_glove.c — libFuzzer target for wk_wordvec_load with WK_WV_GLOVE (see
 * wordvec_target.h). */
#define WV_FORMAT WK_WV_GLOVE
#include "wordvec_target.h"
