/* chess.h — a small, exact chess move generator: the legality checker behind the chess
 * sketch (how long does a char-rnn game stay legal?) and the `wick.chess` module.
 *
 * A position is a plain value (copy it to try a move). Squares are 0..63, a1 = 0,
 * h1 = 7, a8 = 56. Pieces are signed: 1..6 = pawn, knight, bishop, rook, queen, king
 * for white, negative for black, 0 empty. Moves are generated pseudo-legally and kept
 * only when the mover's king is not left in check; castling, en passant and promotion
 * are included. Correctness is proven by perft counts in tests/c/test_chess.c.
 * SAN (standard algebraic notation, "Nf3", "exd6", "O-O", "e8=Q+") is read leniently
 * (check marks, annotations, "0-0", a missing "=" are accepted) and written exactly. */
#ifndef WK_CHESS_H
#define WK_CHESS_H

#include <stddef.h>
#include <stdint.h>

enum { WK_PAWN = 1, WK_KNIGHT, WK_BISHOP, WK_ROOK, WK_QUEEN, WK_KING };
enum { WK_CASTLE_WK = 1, WK_CASTLE_WQ = 2, WK_CASTLE_BK = 4, WK_CASTLE_BQ = 8 };
enum { WK_CHESS_PLAYING = 0, WK_CHESS_CHECKMATE, WK_CHESS_STALEMATE };

/* Room for every move of any position wk_chess_from_fen accepts (at most 16 men a
 * side): a king's 8 and 2 castlings plus 15 queens' 27 each is 415. */
#define WK_CHESS_MAX_MOVES 448

typedef struct wk_chess {
    int8_t sq[64];   /* (64) signed piece codes, a1 = 0 */
    int8_t side;     /* 1 = white to move, -1 = black */
    int8_t castle;   /* WK_CASTLE_* bits still allowed */
    int8_t ep;       /* en-passant target square, or -1 */
    int halfmove;    /* plies since the last capture or pawn move */
    int fullmove;    /* starts at 1, grows after black moves */
} wk_chess;

typedef struct wk_chess_move {
    uint8_t from, to;
    int8_t promo;    /* WK_KNIGHT..WK_QUEEN for a promotion, else 0 */
    uint8_t flags;   /* WK_MOVE_* */
} wk_chess_move;

enum { WK_MOVE_CAPTURE = 1, WK_MOVE_EP = 2, WK_MOVE_CASTLE = 4, WK_MOVE_DOUBLE = 8 };

/* The standard starting position. */
void wk_chess_init(wk_chess *b);
/* Read Forsyth–Edwards notation; the move counters may be omitted. */
int wk_chess_from_fen(wk_chess *b, const char *fen);
/* Write FEN into buf (90 bytes are always enough). */
char *wk_chess_fen(const wk_chess *b, char *buf, size_t size);

/* All legal moves into moves (room for WK_CHESS_MAX_MOVES); returns the count. */
int wk_chess_moves(const wk_chess *b, wk_chess_move *moves);
/* Play a move known to be legal (from wk_chess_moves or wk_chess_parse_san). */
void wk_chess_play(wk_chess *b, wk_chess_move m);
/* Is square sq attacked by side (1 white, -1 black)? */
int wk_chess_attacked(const wk_chess *b, int sq, int by);
/* Is the side to move in check? */
int wk_chess_in_check(const wk_chess *b);
/* WK_CHESS_PLAYING, WK_CHESS_CHECKMATE or WK_CHESS_STALEMATE. */
int wk_chess_status(const wk_chess *b);
/* Leaf count of the legal move tree to depth (the standard generator test). */
uint64_t wk_chess_perft(const wk_chess *b, int depth);

/* The SAN of legal move m in b, with "+" or "#" ("Nbd7", "exd6", "O-O-O", "a8=Q#"). */
char *wk_chess_san(const wk_chess *b, wk_chess_move m, char *buf, size_t size);
/* Parse SAN for the side to move: WK_OK with *m set, or WK_ERR with a reason
 * ("not a move", "illegal", "ambiguous"). */
int wk_chess_parse_san(const wk_chess *b, const char *san, wk_chess_move *m);

/* Check a game's move text ("1. e4 e5 2. Nf3 {comment} Nc6 ... 1-0"): move numbers,
 * comments, variations, NAGs and a result token are skipped. Plays from b (or the start
 * when b is NULL). *plies = legal plies played before the first illegal or unreadable
 * move; *first_illegal = its 1-based ply or 0 when every move was legal; result gets
 * "1-0", "0-1", "1/2-1/2", "*" or "" when none is written; status is the final
 * position's WK_CHESS_* value. The reason for an illegal move goes to why (may be NULL). */
typedef struct wk_chess_game_report {
    int plies;
    int first_illegal;
    int status;
    char result[8];
    char why[96];
} wk_chess_game_report;
int wk_chess_check_game(wk_chess_game_report *out, const wk_chess *start, const char *text);

#endif
