/* chess.c — the move generator, FEN and SAN behind lib/games/chess.h.
 *
 * A plain 8×8 mailbox: fast enough for legality checks of generated games and for the
 * perft tests (hundreds of thousands of nodes in well under a second), and small enough
 * to read. Legal moves are pseudo-legal moves that do not leave the mover's king
 * attacked, found by copying the position and playing the move (copy-make: a position
 * is 72 bytes, so no unmake is needed). */
#include "chess.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

// ---- geometry --------------------------------------------------------------------

static const int knight_d[8][2] = {{1, 2}, {2, 1}, {2, -1}, {1, -2}, {-1, -2}, {-2, -1}, {-2, 1}, {-1, 2}};
static const int king_d[8][2] = {{1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
static const int diag_d[4][2] = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
static const int line_d[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};

static inline int on_board(int f, int r) { return f >= 0 && f < 8 && r >= 0 && r < 8; }
static inline int sq_of(int f, int r) { return r * 8 + f; }
static inline int abs8(int p) { return p < 0 ? -p : p; }
static inline int sign8(int p) { return (p > 0) - (p < 0); }

void wk_chess_init(wk_chess *b)
{
    wk_chess_from_fen(b, "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1");
}

// ---- FEN -------------------------------------------------------------------------

static int piece_of_char(int c)
{
    const char *s = strchr("pnbrqk", tolower(c));
    if (!c || !s) return 0;
    int p = (int)(s - "pnbrqk") + 1;
    return isupper(c) ? p : -p;
}

int wk_chess_from_fen(wk_chess *b, const char *fen)
{
    wk_chess t;
    memset(&t, 0, sizeof t);
    t.ep = -1;
    t.fullmove = 1;
    const char *p = fen;
    while (*p == ' ') p++;
    int r = 7, f = 0, kings[2] = {0, 0};
    for (; *p && *p != ' '; p++) {
        if (*p == '/') {
            if (f != 8 || r == 0) return wk_fail("chess: bad FEN '%s': rank %d does not have 8 squares", fen, r + 1);
            r--, f = 0;
        } else if (*p >= '1' && *p <= '8') {
            f += *p - '0';
            if (f > 8) return wk_fail("chess: bad FEN '%s': rank %d has more than 8 squares", fen, r + 1);
        } else {
            int pc = piece_of_char(*p);
            if (!pc || f >= 8) return wk_fail("chess: bad FEN '%s': unexpected '%c' on rank %d", fen, *p, r + 1);
            if (abs8(pc) == WK_KING) kings[pc < 0]++;
            t.sq[sq_of(f++, r)] = (int8_t)pc;
        }
    }
    if (r != 0 || f != 8) return wk_fail("chess: bad FEN '%s': the board needs 8 ranks of 8 squares", fen);
    if (kings[0] != 1 || kings[1] != 1) return wk_fail("chess: bad FEN '%s': each side needs exactly one king", fen);
    /* What no game can reach is refused, which also bounds the moves a position has
     * (WK_CHESS_MAX_MOVES in chess.h): at most 16 men and 8 pawns a side, no pawn on
     * the first or last rank. */
    int men[2] = {0, 0}, pawns[2] = {0, 0};
    for (int s = 0; s < 64; s++) {
        int pc = t.sq[s];
        if (!pc) continue;
        men[pc < 0]++;
        if (abs8(pc) != WK_PAWN) continue;
        pawns[pc < 0]++;
        if (s < 8 || s >= 56)
            return wk_fail("chess: bad FEN '%s': a pawn on rank %d (pawns never stand on the first or last rank)", fen,
                           s < 8 ? 1 : 8);
    }
    for (int c = 0; c < 2; c++)
        if (men[c] > 16 || pawns[c] > 8)
            return wk_fail("chess: bad FEN '%s': %s has %d men and %d pawns (a game has no more than 16 and 8)", fen,
                           c ? "black" : "white", men[c], pawns[c]);
    while (*p == ' ') p++;
    if (*p == 'w' || *p == 'b') t.side = *p++ == 'w' ? 1 : -1;
    else if (*p) return wk_fail("chess: bad FEN '%s': side to move must be 'w' or 'b'", fen);
    else t.side = 1;
    while (*p == ' ') p++;
    for (; *p && *p != ' '; p++) {
        switch (*p) {
        case 'K': t.castle |= WK_CASTLE_WK; break;
        case 'Q': t.castle |= WK_CASTLE_WQ; break;
        case 'k': t.castle |= WK_CASTLE_BK; break;
        case 'q': t.castle |= WK_CASTLE_BQ; break;
        case '-': break;
        default: return wk_fail("chess: bad FEN '%s': castling field has '%c'", fen, *p);
        }
    }
    while (*p == ' ') p++;
    if (*p >= 'a' && *p <= 'h' && (p[1] == '3' || p[1] == '6')) {
        t.ep = (int8_t)sq_of(p[0] - 'a', p[1] - '1');
        p += 2;
    } else if (*p == '-') {
        p++;
    } else if (*p) {
        return wk_fail("chess: bad FEN '%s': en-passant field must be '-' or a square on rank 3 or 6", fen);
    }
    /* move counters: whole numbers, clamped (sscanf's %d is undefined past INT_MAX) */
    char *end;
    long half = strtol(p, &end, 10);
    if (end != p) {
        t.halfmove = half < 0 ? 0 : half > 1000000 ? 1000000 : (int)half;
        p = end;
        long full = strtol(p, &end, 10);
        t.fullmove = end == p || full < 1 ? 1 : full > 1000000 ? 1000000 : (int)full;
    }
    /* drop castling rights whose king or rook is not home, so bad FENs cannot castle */
    if (t.sq[4] != WK_KING) t.castle &= ~(WK_CASTLE_WK | WK_CASTLE_WQ);
    if (t.sq[60] != -WK_KING) t.castle &= ~(WK_CASTLE_BK | WK_CASTLE_BQ);
    if (t.sq[7] != WK_ROOK) t.castle &= ~WK_CASTLE_WK;
    if (t.sq[0] != WK_ROOK) t.castle &= ~WK_CASTLE_WQ;
    if (t.sq[63] != -WK_ROOK) t.castle &= ~WK_CASTLE_BK;
    if (t.sq[56] != -WK_ROOK) t.castle &= ~WK_CASTLE_BQ;
    *b = t;
    return WK_OK;
}

char *wk_chess_fen(const wk_chess *b, char *buf, size_t size)
{
    char s[100];
    int n = 0;
    for (int r = 7; r >= 0; r--) {
        int empty = 0;
        for (int f = 0; f < 8; f++) {
            int pc = b->sq[sq_of(f, r)];
            if (!pc) { empty++; continue; }
            if (empty) s[n++] = (char)('0' + empty), empty = 0;
            char c = "?pnbrqk"[abs8(pc)];
            s[n++] = pc > 0 ? (char)toupper(c) : c;
        }
        if (empty) s[n++] = (char)('0' + empty);
        if (r) s[n++] = '/';
    }
    s[n++] = ' ';
    s[n++] = b->side > 0 ? 'w' : 'b';
    s[n++] = ' ';
    if (!b->castle) s[n++] = '-';
    if (b->castle & WK_CASTLE_WK) s[n++] = 'K';
    if (b->castle & WK_CASTLE_WQ) s[n++] = 'Q';
    if (b->castle & WK_CASTLE_BK) s[n++] = 'k';
    if (b->castle & WK_CASTLE_BQ) s[n++] = 'q';
    s[n++] = ' ';
    if (b->ep < 0) s[n++] = '-';
    else s[n++] = (char)('a' + (b->ep & 7)), s[n++] = (char)('1' + (b->ep >> 3));
    snprintf(s + n, sizeof s - (size_t)n, " %d %d", b->halfmove, b->fullmove);
    snprintf(buf, size, "%s", s);
    return buf;
}

// ---- attacks ---------------------------------------------------------------------

int wk_chess_attacked(const wk_chess *b, int sq, int by)
{
    int f = sq & 7, r = sq >> 3;
    /* a pawn of `by` attacks sq from one rank behind (from by's point of view) */
    int pr = r - by;
    if (pr >= 0 && pr < 8) {
        if (f > 0 && b->sq[sq_of(f - 1, pr)] == by * WK_PAWN) return 1;
        if (f < 7 && b->sq[sq_of(f + 1, pr)] == by * WK_PAWN) return 1;
    }
    for (int i = 0; i < 8; i++) {
        int nf = f + knight_d[i][0], nr = r + knight_d[i][1];
        if (on_board(nf, nr) && b->sq[sq_of(nf, nr)] == by * WK_KNIGHT) return 1;
        nf = f + king_d[i][0], nr = r + king_d[i][1];
        if (on_board(nf, nr) && b->sq[sq_of(nf, nr)] == by * WK_KING) return 1;
    }
    for (int i = 0; i < 4; i++) {
        for (int k = 1;; k++) {
            int nf = f + diag_d[i][0] * k, nr = r + diag_d[i][1] * k;
            if (!on_board(nf, nr)) break;
            int pc = b->sq[sq_of(nf, nr)];
            if (!pc) continue;
            if (pc == by * WK_BISHOP || pc == by * WK_QUEEN) return 1;
            break;
        }
        for (int k = 1;; k++) {
            int nf = f + line_d[i][0] * k, nr = r + line_d[i][1] * k;
            if (!on_board(nf, nr)) break;
            int pc = b->sq[sq_of(nf, nr)];
            if (!pc) continue;
            if (pc == by * WK_ROOK || pc == by * WK_QUEEN) return 1;
            break;
        }
    }
    return 0;
}

static int king_square(const wk_chess *b, int side)
{
    for (int s = 0; s < 64; s++)
        if (b->sq[s] == side * WK_KING) return s;
    return -1;
}

int wk_chess_in_check(const wk_chess *b)
{
    int k = king_square(b, b->side);
    return k >= 0 && wk_chess_attacked(b, k, -b->side);
}

// ---- making moves ----------------------------------------------------------------

/* Castling rights lost when a move touches these squares (king or rook homes). */
static int castle_mask(int s)
{
    switch (s) {
    case 0: return WK_CASTLE_WQ;
    case 7: return WK_CASTLE_WK;
    case 4: return WK_CASTLE_WK | WK_CASTLE_WQ;
    case 56: return WK_CASTLE_BQ;
    case 63: return WK_CASTLE_BK;
    case 60: return WK_CASTLE_BK | WK_CASTLE_BQ;
    default: return 0;
    }
}

void wk_chess_play(wk_chess *b, wk_chess_move m)
{
    int pc = b->sq[m.from];
    int capture = b->sq[m.to] != 0 || (m.flags & WK_MOVE_EP);
    b->sq[m.to] = (int8_t)(m.promo ? b->side * m.promo : pc);
    b->sq[m.from] = 0;
    if (m.flags & WK_MOVE_EP) b->sq[m.to - 8 * b->side] = 0;
    if (m.flags & WK_MOVE_CASTLE) {   /* move the rook too */
        int r = m.from >> 3;
        if ((m.to & 7) == 6) b->sq[sq_of(5, r)] = b->sq[sq_of(7, r)], b->sq[sq_of(7, r)] = 0;
        else b->sq[sq_of(3, r)] = b->sq[sq_of(0, r)], b->sq[sq_of(0, r)] = 0;
    }
    b->castle &= (int8_t)~(castle_mask(m.from) | castle_mask(m.to));
    b->ep = (m.flags & WK_MOVE_DOUBLE) ? (int8_t)((m.from + m.to) / 2) : -1;
    b->halfmove = (abs8(pc) == WK_PAWN || capture) ? 0 : b->halfmove + 1;
    if (b->side < 0) b->fullmove++;
    b->side = (int8_t)-b->side;
}

// ---- generation ------------------------------------------------------------------

static int add(wk_chess_move *mv, int n, int from, int to, int promo, int flags)
{
    mv[n].from = (uint8_t)from, mv[n].to = (uint8_t)to, mv[n].promo = (int8_t)promo, mv[n].flags = (uint8_t)flags;
    return n + 1;
}

static int add_pawn(wk_chess_move *mv, int n, int from, int to, int flags)
{
    int r = to >> 3;
    if (r == 0 || r == 7) {
        for (int p = WK_QUEEN; p >= WK_KNIGHT; p--) n = add(mv, n, from, to, p, flags);
        return n;
    }
    return add(mv, n, from, to, 0, flags);
}

static int pseudo_moves(const wk_chess *b, wk_chess_move *mv)
{
    int n = 0, us = b->side;
    for (int s = 0; s < 64; s++) {
        int pc = b->sq[s];
        if (sign8(pc) != us) continue;
        int f = s & 7, r = s >> 3, kind = abs8(pc);
        if (kind == WK_PAWN) {
            int r1 = r + us, start = us > 0 ? 1 : 6;
            if (r1 < 0 || r1 > 7) continue;
            if (!b->sq[sq_of(f, r1)]) {
                n = add_pawn(mv, n, s, sq_of(f, r1), 0);
                if (r == start && !b->sq[sq_of(f, r1 + us)]) n = add(mv, n, s, sq_of(f, r1 + us), 0, WK_MOVE_DOUBLE);
            }
            for (int df = -1; df <= 1; df += 2) {
                if (f + df < 0 || f + df > 7) continue;
                int t = sq_of(f + df, r1);
                if (sign8(b->sq[t]) == -us) n = add_pawn(mv, n, s, t, WK_MOVE_CAPTURE);
                else if (t == b->ep) n = add(mv, n, s, t, 0, WK_MOVE_CAPTURE | WK_MOVE_EP);
            }
        } else if (kind == WK_KNIGHT || kind == WK_KING) {
            const int(*d)[2] = kind == WK_KNIGHT ? knight_d : king_d;
            for (int i = 0; i < 8; i++) {
                int nf = f + d[i][0], nr = r + d[i][1];
                if (!on_board(nf, nr)) continue;
                int t = sq_of(nf, nr);
                if (sign8(b->sq[t]) == us) continue;
                n = add(mv, n, s, t, 0, b->sq[t] ? WK_MOVE_CAPTURE : 0);
            }
        } else {
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 0 && kind == WK_ROOK) continue;
                if (pass == 1 && kind == WK_BISHOP) continue;
                const int(*d)[2] = pass == 0 ? diag_d : line_d;
                for (int i = 0; i < 4; i++) {
                    for (int k = 1;; k++) {
                        int nf = f + d[i][0] * k, nr = r + d[i][1] * k;
                        if (!on_board(nf, nr)) break;
                        int t = sq_of(nf, nr);
                        if (sign8(b->sq[t]) == us) break;
                        n = add(mv, n, s, t, 0, b->sq[t] ? WK_MOVE_CAPTURE : 0);
                        if (b->sq[t]) break;
                    }
                }
            }
        }
    }
    /* castling: rights, empty squares between, and the king neither in nor passing
     * through check (the landing square is checked by the legality filter) */
    int home = us > 0 ? 4 : 60;
    int ks = us > 0 ? WK_CASTLE_WK : WK_CASTLE_BK, qs = us > 0 ? WK_CASTLE_WQ : WK_CASTLE_BQ;
    if ((b->castle & (ks | qs)) && b->sq[home] == us * WK_KING && !wk_chess_attacked(b, home, -us)) {
        if ((b->castle & ks) && !b->sq[home + 1] && !b->sq[home + 2] && b->sq[home + 3] == us * WK_ROOK &&
            !wk_chess_attacked(b, home + 1, -us))
            n = add(mv, n, home, home + 2, 0, WK_MOVE_CASTLE);
        if ((b->castle & qs) && !b->sq[home - 1] && !b->sq[home - 2] && !b->sq[home - 3] &&
            b->sq[home - 4] == us * WK_ROOK && !wk_chess_attacked(b, home - 1, -us))
            n = add(mv, n, home, home - 2, 0, WK_MOVE_CASTLE);
    }
    return n;
}

int wk_chess_moves(const wk_chess *b, wk_chess_move *moves)
{
    wk_chess_move pseudo[WK_CHESS_MAX_MOVES];
    int np = pseudo_moves(b, pseudo), n = 0;
    int king = king_square(b, b->side);
    for (int i = 0; i < np; i++) {
        wk_chess c = *b;
        wk_chess_play(&c, pseudo[i]);
        int k = pseudo[i].from == king ? pseudo[i].to : king;
        if (!wk_chess_attacked(&c, k, c.side)) moves[n++] = pseudo[i];
    }
    return n;
}

int wk_chess_status(const wk_chess *b)
{
    wk_chess_move mv[WK_CHESS_MAX_MOVES];
    if (wk_chess_moves(b, mv) > 0) return WK_CHESS_PLAYING;
    return wk_chess_in_check(b) ? WK_CHESS_CHECKMATE : WK_CHESS_STALEMATE;
}

uint64_t wk_chess_perft(const wk_chess *b, int depth)
{
    if (depth <= 0) return 1;
    wk_chess_move mv[WK_CHESS_MAX_MOVES];
    int n = wk_chess_moves(b, mv);
    if (depth == 1) return (uint64_t)n;
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        wk_chess c = *b;
        wk_chess_play(&c, mv[i]);
        total += wk_chess_perft(&c, depth - 1);
    }
    return total;
}

// ---- SAN -------------------------------------------------------------------------

char *wk_chess_san(const wk_chess *b, wk_chess_move m, char *buf, size_t size)
{
    char s[16];
    int n = 0, kind = abs8(b->sq[m.from]);
    if (m.flags & WK_MOVE_CASTLE) {
        n = snprintf(s, sizeof s, "%s", (m.to & 7) == 6 ? "O-O" : "O-O-O");
    } else {
        if (kind == WK_PAWN) {
            if (m.flags & WK_MOVE_CAPTURE) s[n++] = (char)('a' + (m.from & 7));
        } else {
            s[n++] = "??NBRQK"[kind];
            /* disambiguate among other pieces of the same kind reaching the same square */
            wk_chess_move mv[WK_CHESS_MAX_MOVES];
            int nm = wk_chess_moves(b, mv), others = 0, same_file = 0, same_rank = 0;
            for (int i = 0; i < nm; i++) {
                if (mv[i].to != m.to || mv[i].from == m.from || b->sq[mv[i].from] != b->sq[m.from]) continue;
                others++;
                same_file += (mv[i].from & 7) == (m.from & 7);
                same_rank += (mv[i].from >> 3) == (m.from >> 3);
            }
            if (others) {
                if (!same_file) s[n++] = (char)('a' + (m.from & 7));
                else if (!same_rank) s[n++] = (char)('1' + (m.from >> 3));
                else s[n++] = (char)('a' + (m.from & 7)), s[n++] = (char)('1' + (m.from >> 3));
            }
        }
        if (m.flags & WK_MOVE_CAPTURE) s[n++] = 'x';
        s[n++] = (char)('a' + (m.to & 7));
        s[n++] = (char)('1' + (m.to >> 3));
        if (m.promo) s[n++] = '=', s[n++] = "??NBRQK"[m.promo];
    }
    wk_chess c = *b;
    wk_chess_play(&c, m);
    int st = wk_chess_status(&c);
    if (st == WK_CHESS_CHECKMATE) s[n++] = '#';
    else if (wk_chess_in_check(&c)) s[n++] = '+';
    s[n] = 0;
    snprintf(buf, size, "%s", s);
    return buf;
}

int wk_chess_parse_san(const wk_chess *b, const char *san, wk_chess_move *m)
{
    char s[16];
    size_t len = 0;
    for (const char *p = san; *p && !isspace((unsigned char)*p); p++) {
        if (strchr("+#!?", *p)) continue;   /* check marks and annotations */
        if (len + 1 >= sizeof s) return wk_fail("chess: '%.20s' is not a move", san);
        s[len++] = *p;
    }
    s[len] = 0;
    if (!len) return wk_fail("chess: empty move");
    wk_chess_move mv[WK_CHESS_MAX_MOVES];
    int nm = wk_chess_moves(b, mv);
    /* castling, written with letter O or digit 0 */
    if (!strcmp(s, "O-O") || !strcmp(s, "0-0") || !strcmp(s, "O-O-O") || !strcmp(s, "0-0-0")) {
        int file = len == 3 ? 6 : 2;
        for (int i = 0; i < nm; i++)
            if ((mv[i].flags & WK_MOVE_CASTLE) && (mv[i].to & 7) == file) return *m = mv[i], WK_OK;
        return wk_fail("chess: %s is illegal here", s);
    }
    /* [piece][from file][from rank][x]to-square[=promotion] */
    const char *p = s;
    int kind = WK_PAWN, ff = -1, fr = -1, promo = 0;
    if (strchr("NBRQK", *p)) kind = (int)(strchr("PNBRQK", *p) - "PNBRQK") + 1, p++;
    char body[16];
    int nb = 0;
    for (; *p && *p != '='; p++)
        if (*p != 'x' && *p != ':' && *p != '-') body[nb++] = *p;
    body[nb] = 0;
    if (*p == '=') p++;
    /* a promotion piece may follow "=" or stand right after the square ("e8Q") */
    if (nb >= 3 && strchr("NBRQ", body[nb - 1]) && kind == WK_PAWN) promo = body[--nb], body[nb] = 0;
    if (*p) {
        if (!strchr("NBRQ", *p) || p[1]) return wk_fail("chess: '%s' has a bad promotion piece", san);
        promo = *p;
    }
    if (promo) promo = (int)(strchr("PNBRQK", promo) - "PNBRQK") + 1;
    if (nb < 2 || nb > 4) return wk_fail("chess: '%s' is not a move", san);
    int tf = body[nb - 2] - 'a', tr = body[nb - 1] - '1';
    if (!on_board(tf, tr)) return wk_fail("chess: '%s' is not a move (no target square)", san);
    for (int i = 0; i < nb - 2; i++) {
        if (body[i] >= 'a' && body[i] <= 'h' && ff < 0) ff = body[i] - 'a';
        else if (body[i] >= '1' && body[i] <= '8' && fr < 0) fr = body[i] - '1';
        else return wk_fail("chess: '%s' is not a move", san);
    }
    int to = sq_of(tf, tr), found = 0, needs_promo = 0;
    for (int i = 0; i < nm; i++) {
        if (mv[i].to != to || abs8(b->sq[mv[i].from]) != kind) continue;
        if (ff >= 0 && (mv[i].from & 7) != ff) continue;
        if (fr >= 0 && (mv[i].from >> 3) != fr) continue;
        if (kind == WK_PAWN && ff < 0 && (mv[i].from & 7) != tf) continue;   /* "d5" never captures */
        if (mv[i].promo != promo) {
            needs_promo |= mv[i].promo && !promo;
            continue;
        }
        if (found++) return wk_fail("chess: %s is ambiguous", san);
        *m = mv[i];
    }
    if (found) return WK_OK;
    if (needs_promo) return wk_fail("chess: %s needs a promotion piece (=Q, =R, =B or =N)", san);
    return wk_fail("chess: %s is illegal here", san);
}

// ---- whole games -----------------------------------------------------------------

/* Skip to the next movetext token; returns its length (0 at the end). Comments
 * {…} and ;… lines, variations (…), NAGs $n and tag lines [..] are skipped. */
static size_t next_token(const char **pp)
{
    const char *p = *pp;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p == '{') {
            while (*p && *p != '}') p++;
            if (*p) p++;
        } else if (*p == ';') {
            while (*p && *p != '\n') p++;
        } else if (*p == '[') {
            while (*p && *p != ']') p++;
            if (*p) p++;
        } else if (*p == '(') {
            int depth = 0;
            do {
                if (*p == '(') depth++;
                else if (*p == ')') depth--;
                p++;
            } while (*p && depth > 0);
        } else if (*p == '$') {
            p++;
            while (isdigit((unsigned char)*p)) p++;
        } else {
            break;
        }
    }
    *pp = p;
    size_t n = 0;
    while (p[n] && !isspace((unsigned char)p[n]) && !strchr("{(;$", p[n])) n++;
    return n;
}

int wk_chess_check_game(wk_chess_game_report *out, const wk_chess *start, const char *text)
{
    wk_chess b;
    if (start) b = *start;
    else wk_chess_init(&b);
    memset(out, 0, sizeof *out);
    const char *p = text;
    size_t n;
    while ((n = next_token(&p)) > 0) {
        char tok[32];
        snprintf(tok, sizeof tok, "%.*s", (int)(n < 31 ? n : 31), p);
        p += n;
        if (!strcmp(tok, "1-0") || !strcmp(tok, "0-1") || !strcmp(tok, "1/2-1/2") || !strcmp(tok, "*")) {
            memcpy(out->result, tok, strlen(tok) + 1);   /* at most "1/2-1/2" */
            break;
        }
        /* move numbers: "12." "12..." or "12.e4" glued to the move */
        char *t = tok;
        while (isdigit((unsigned char)*t)) t++;
        if (t != tok && *t == '.') {
            while (*t == '.') t++;
            if (!*t) continue;
        } else {
            t = tok;
        }
        wk_chess_move m;
        if (wk_chess_parse_san(&b, t, &m) != WK_OK) {
            out->first_illegal = out->plies + 1;
            snprintf(out->why, sizeof out->why, "%s", wk_errmsg());
            break;
        }
        wk_chess_play(&b, m);
        out->plies++;
    }
    out->status = wk_chess_status(&b);
    return WK_OK;
}
