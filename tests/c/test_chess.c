/* test_chess.c — unit tests of lib/games/chess.c: perft counts from the standard test
 * positions (start, "Kiwipete", position 3) prove the move generator, then FEN round
 * trips, SAN reading and writing, mate and stalemate, and whole-game checking. */
#include <string.h>
#include <time.h>

#include "../../lib/games/chess.h"
#include "../../lib/core/error.h"
#include "check.h"

#define KIWIPETE "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq -"
#define POS3 "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - -"
#define POS4 "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1"

TEST(perft_start)
{
    wk_chess b;
    wk_chess_init(&b);
    const uint64_t want[] = {20, 400, 8902, 197281};
    for (int d = 1; d <= 4; d++) {
        uint64_t got = wk_chess_perft(&b, d);
        if (got != want[d - 1]) printf("  start depth %d: %llu, want %llu\n", d, (unsigned long long)got, (unsigned long long)want[d - 1]);
        CHECK(got == want[d - 1]);
    }
}

TEST(perft_kiwipete)
{
    wk_chess b;
    CHECK(wk_chess_from_fen(&b, KIWIPETE) == WK_OK);
    const uint64_t want[] = {48, 2039, 97862};
    for (int d = 1; d <= 3; d++) {
        uint64_t got = wk_chess_perft(&b, d);
        if (got != want[d - 1]) printf("  kiwipete depth %d: %llu, want %llu\n", d, (unsigned long long)got, (unsigned long long)want[d - 1]);
        CHECK(got == want[d - 1]);
    }
}

TEST(perft_position3)
{
    wk_chess b;
    CHECK(wk_chess_from_fen(&b, POS3) == WK_OK);
    const uint64_t want[] = {14, 191, 2812, 43238};
    for (int d = 1; d <= 4; d++) {
        uint64_t got = wk_chess_perft(&b, d);
        if (got != want[d - 1]) printf("  pos3 depth %d: %llu, want %llu\n", d, (unsigned long long)got, (unsigned long long)want[d - 1]);
        CHECK(got == want[d - 1]);
    }
}

/* position 4 (promotions and castling under fire): 6, 264, 9467 */
TEST(perft_position4)
{
    wk_chess b;
    CHECK(wk_chess_from_fen(&b, POS4) == WK_OK);
    CHECK(wk_chess_perft(&b, 1) == 6);
    CHECK(wk_chess_perft(&b, 2) == 264);
    CHECK(wk_chess_perft(&b, 3) == 9467);
}

TEST(fen_round_trip)
{
    const char *fens[] = {"rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
                          "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
                          "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 b - - 3 40",
                          "rnbqkbnr/ppp1pppp/8/3pP3/8/8/PPPP1PPP/RNBQKBNR w KQkq d6 0 3"};
    for (size_t i = 0; i < sizeof fens / sizeof *fens; i++) {
        wk_chess b;
        char buf[100];
        CHECK(wk_chess_from_fen(&b, fens[i]) == WK_OK);
        wk_chess_fen(&b, buf, sizeof buf);
        if (strcmp(buf, fens[i])) printf("  %s\n  %s\n", buf, fens[i]);
        CHECK(!strcmp(buf, fens[i]));
    }
}

TEST(bad_fens)
{
    wk_chess b;
    CHECK(wk_chess_from_fen(&b, "") == WK_ERR);
    CHECK(wk_chess_from_fen(&b, "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP w") == WK_ERR);
    CHECK(strstr(wk_errmsg(), "8 ranks") != NULL);
    CHECK(wk_chess_from_fen(&b, "rnbqqbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w") == WK_ERR);
    CHECK(strstr(wk_errmsg(), "king") != NULL);
    CHECK(wk_chess_from_fen(&b, "rnbqkbnr/ppppXppp/8/8/8/8/PPPPPPPP/RNBQKBNR w") == WK_ERR);
    CHECK(wk_chess_from_fen(&b, "rnbqkbnr/pppppppp/9/8/8/8/PPPPPPPP/RNBQKBNR w") == WK_ERR);
}

static int play(wk_chess *b, const char *san)
{
    wk_chess_move m;
    if (wk_chess_parse_san(b, san, &m) != WK_OK) return 0;
    wk_chess_play(b, m);
    return 1;
}

TEST(san_read_write)
{
    wk_chess b;
    wk_chess_init(&b);
    wk_chess_move mv[WK_CHESS_MAX_MOVES];
    int n = wk_chess_moves(&b, mv);
    /* every legal move's SAN reads back as the same move */
    for (int i = 0; i < n; i++) {
        char s[16];
        wk_chess_move m;
        wk_chess_san(&b, mv[i], s, sizeof s);
        CHECK(wk_chess_parse_san(&b, s, &m) == WK_OK);
        CHECK(m.from == mv[i].from && m.to == mv[i].to);
    }
    CHECK(play(&b, "e4") && play(&b, "e5") && play(&b, "Nf3") && play(&b, "Nc6"));
    CHECK(!play(&b, "Ke3"));
    CHECK(strstr(wk_errmsg(), "illegal") != NULL);
    CHECK(!play(&b, "Zz9"));
    CHECK(play(&b, "Bb5!?") && play(&b, "a6") && play(&b, "0-0"));
    char fen[100];
    wk_chess_fen(&b, fen, sizeof fen);
    CHECK(!strcmp(fen, "r1bqkbnr/1ppp1ppp/p1n5/1B2p3/4P3/5N2/PPPP1PPP/RNBQ1RK1 b kq - 1 4"));

    /* disambiguation: two knights can reach d2 */
    CHECK(wk_chess_from_fen(&b, "4k3/8/8/8/8/8/8/1N2KN2 w - - 0 1") == WK_OK);
    wk_chess_move m;
    CHECK(wk_chess_parse_san(&b, "Nd2", &m) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "ambiguous") != NULL);
    CHECK(wk_chess_parse_san(&b, "Nbd2", &m) == WK_OK);
    char s[16];
    CHECK(!strcmp(wk_chess_san(&b, m, s, sizeof s), "Nbd2"));

    /* promotion, en passant */
    CHECK(wk_chess_from_fen(&b, "8/P6k/8/8/8/8/8/K7 w - - 0 1") == WK_OK);
    CHECK(wk_chess_parse_san(&b, "a8", &m) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "promotion") != NULL);
    CHECK(wk_chess_parse_san(&b, "a8=Q", &m) == WK_OK && m.promo == WK_QUEEN);
    CHECK(!strcmp(wk_chess_san(&b, m, s, sizeof s), "a8=Q"));
    CHECK(wk_chess_parse_san(&b, "a8N", &m) == WK_OK && m.promo == WK_KNIGHT);
    CHECK(wk_chess_from_fen(&b, "rnbqkbnr/ppp1pppp/8/3pP3/8/8/PPPP1PPP/RNBQKBNR w KQkq d6 0 3") == WK_OK);
    CHECK(wk_chess_parse_san(&b, "exd6", &m) == WK_OK && (m.flags & WK_MOVE_EP));
    CHECK(!strcmp(wk_chess_san(&b, m, s, sizeof s), "exd6"));
}

TEST(mate_and_stalemate)
{
    wk_chess b;
    wk_chess_init(&b);
    CHECK(play(&b, "f3") && play(&b, "e5") && play(&b, "g4"));
    wk_chess_move m;
    char s[16];
    CHECK(wk_chess_parse_san(&b, "Qh4", &m) == WK_OK);
    CHECK(!strcmp(wk_chess_san(&b, m, s, sizeof s), "Qh4#"));
    wk_chess_play(&b, m);
    CHECK(wk_chess_status(&b) == WK_CHESS_CHECKMATE);
    CHECK(wk_chess_from_fen(&b, "7k/5Q2/6K1/8/8/8/8/8 b - - 0 1") == WK_OK);
    CHECK(wk_chess_status(&b) == WK_CHESS_STALEMATE);
    CHECK(!wk_chess_in_check(&b));
}

TEST(check_game)
{
    wk_chess_game_report r;
    CHECK(wk_chess_check_game(&r, NULL, "1. e4 e5 2. Nf3 {a comment} Nc6 (2... d6 3. d4) 3. Bb5 $1 a6 1-0") == WK_OK);
    CHECK(r.plies == 6 && r.first_illegal == 0 && !strcmp(r.result, "1-0"));
    CHECK(wk_chess_check_game(&r, NULL, "1.f3 e5 2.g4 Qh4# 0-1") == WK_OK);
    CHECK(r.plies == 4 && r.status == WK_CHESS_CHECKMATE && !strcmp(r.result, "0-1"));
    CHECK(wk_chess_check_game(&r, NULL, "1. e4 e5 2. Ke3 Nc6") == WK_OK);
    CHECK(r.plies == 2 && r.first_illegal == 3 && strstr(r.why, "Ke3"));
    CHECK(wk_chess_check_game(&r, NULL, "") == WK_OK && r.plies == 0 && r.first_illegal == 0);
    CHECK(wk_chess_check_game(&r, NULL, "\x01\xff garbage") == WK_OK && r.first_illegal == 1);
}

/* A FEN is text from anywhere: a board of 62 queens made 1,000+ moves into arrays of
 * 256 (a stack overflow). More than 16 men a side, 8 pawns a side or a pawn on the
 * first or last rank cannot arise in a game and is refused; the fullest legal-looking
 * board (15 queens and a king a side) fits WK_CHESS_MAX_MOVES. */
TEST(impossible_fens_are_refused)
{
    wk_chess b;
    CHECK(wk_chess_from_fen(&b, "kQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQQ/QQQQQQQK w - - 0 1") == WK_ERR);
    CHECK(strstr(wk_errmsg(), "no more than 16") != NULL);
    CHECK(wk_chess_from_fen(&b, "k7/8/8/8/8/8/PPPPPPPP/KP6 w - - 0 1") == WK_ERR);
    CHECK(wk_chess_from_fen(&b, "k6P/8/8/8/8/8/8/K7 w - - 0 1") == WK_ERR);
    CHECK(strstr(wk_errmsg(), "rank") != NULL);
    CHECK(wk_chess_from_fen(&b, "k7/8/8/8/8/8/8/K5p1 b - - 0 1") == WK_ERR);
    CHECK(wk_chess_from_fen(&b, "8/8/8/8/8/8/8/8 w - - 99999999999999999999 1") == WK_ERR);   /* no kings */
    CHECK(wk_chess_from_fen(&b, "k7/8/8/8/8/8/8/K7 w - - 99999999999999999999 99999999999999999999") == WK_OK);
    /* 15 queens a side spread out, each side to move */
    const char *full[2] = {"QQQ1QQQ1/1Q1Q1Q1Q/Q1Q1K1Q1/1Q3Q2/2q3q1/1q1k1q1q/q1q1q1q1/qqq1qqq1 w - - 0 1",
                           "QQQ1QQQ1/1Q1Q1Q1Q/Q1Q1K1Q1/1Q3Q2/2q3q1/1q1k1q1q/q1q1q1q1/qqq1qqq1 b - - 0 1"};
    for (int i = 0; i < 2; i++) {
        CHECK(wk_chess_from_fen(&b, full[i]) == WK_OK);
        wk_chess_move mv[WK_CHESS_MAX_MOVES];
        int n = wk_chess_moves(&b, mv);
        CHECK(n >= 0 && n <= WK_CHESS_MAX_MOVES);
        CHECK(wk_chess_perft(&b, 2) > 0);
    }
}

int main(void)
{
    clock_t t0 = clock();
    RUN(perft_start);
    RUN(perft_kiwipete);
    RUN(perft_position3);
    RUN(perft_position4);
    printf("  perft: %.2f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    RUN(fen_round_trip);
    RUN(bad_fens);
    RUN(san_read_write);
    RUN(mate_and_stalemate);
    RUN(check_game);
    RUN(impossible_fens_are_refused);
    return check_summary("chess");
}
