/* fuzz_wordvec_binary.c — libFuzzer target for wk_wordvec_load with WK_WV_BINARY (see
 * wordvec_target.h). */
#define WV_FORMAT WK_WV_BINARY
#include "wordvec_target.h"
