/* chess.c — the `wick.chess` module: chess boards as Lua values over lib/games/chess.c,
 * the legality checker of the chess sketch.
 *
 *   local chess = wick.chess
 *   local b = chess.new()                -- or chess.new(fen)
 *   b:moves()                            -- {"a3", "a4", …, "Nh3"} legal moves in SAN
 *   b:play("e4")                         -- "e4", "e2e4" (SAN, UCI), or nil + reason;
 *                                           UCI input ("e2e4", "e7e8q") works too
 *   b:fen(), b:turn(), b:status(), b:in_check(), b:copy(), b:perft(depth), tostring(b)
 *   chess.check_game("1. e4 e5 2. Nf3 …")
 *     --> {plies = n, first_illegal = ply or nil, reason = s or nil,
 *          result = "1-0"|"0-1"|"1/2-1/2"|"*"|nil, status = "playing"|"checkmate"|"stalemate"} */
#include <stdio.h>
#include <string.h>

#include "../../lib/games/chess.h"
#include "../core/wk_lua.h"

#define BOARD_MT "wick.ChessBoard"

int luaopen_wick_chess(lua_State *L);

static wk_chess *check_board(lua_State *L, int idx) { return luaL_checkudata(L, idx, BOARD_MT); }

static wk_chess *push_board(lua_State *L)
{
    wk_chess *b = lua_newuserdatauv(L, sizeof *b, 0);
    luaL_setmetatable(L, BOARD_MT);
    return b;
}

/* A string argument (a FEN, a move, a game's text), or a named error. */
static const char *check_text(lua_State *L, int idx, int optional, const char *fname, const char *what)
{
    if (optional && lua_isnoneornil(L, idx)) return NULL;
    if (lua_type(L, idx) != LUA_TSTRING) luaL_error(L, "%s: %s must be a string, got %s", fname, what, luaL_typename(L, idx));
    return lua_tostring(L, idx);
}

static const char *status_name(int st)
{
    return st == WK_CHESS_CHECKMATE ? "checkmate" : st == WK_CHESS_STALEMATE ? "stalemate" : "playing";
}

/* chess.new([fen]) */
static int chess_new(lua_State *L)
{
    const char *fen = check_text(L, 1, 1, "chess.new", "the FEN");
    wk_chess *b = push_board(L);
    if (!fen) wk_chess_init(b);
    else if (wk_chess_from_fen(b, fen) != WK_OK) return wk_lua_fail(L, "chess.new");
    return 1;
}

static int board_moves(lua_State *L)
{
    wk_chess *b = check_board(L, 1);
    wk_chess_move mv[WK_CHESS_MAX_MOVES];
    int n = wk_chess_moves(b, mv);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        char s[16];
        lua_pushstring(L, wk_chess_san(b, mv[i], s, sizeof s));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* A UCI coordinate move ("e2e4", "e7e8q") among the legal moves, or 0. */
static int find_uci(const wk_chess *b, const char *s, wk_chess_move *m)
{
    size_t n = strlen(s);
    if (n < 4 || n > 5 || s[0] < 'a' || s[0] > 'h' || s[2] < 'a' || s[2] > 'h' || s[1] < '1' || s[1] > '8' ||
        s[3] < '1' || s[3] > '8')
        return 0;
    int from = (s[1] - '1') * 8 + (s[0] - 'a'), to = (s[3] - '1') * 8 + (s[2] - 'a');
    int promo = 0;
    if (n == 5) {
        const char *p = strchr("nbrq", s[4]);
        if (!p) return 0;
        promo = (int)(p - "nbrq") + WK_KNIGHT;
    }
    wk_chess_move mv[WK_CHESS_MAX_MOVES];
    int nm = wk_chess_moves(b, mv);
    for (int i = 0; i < nm; i++)
        if (mv[i].from == from && mv[i].to == to && mv[i].promo == promo) return *m = mv[i], 1;
    return 0;
}

/* board:play(move) -> the move's SAN and UCI, or nil + reason (the board is unchanged). */
static int board_play(lua_State *L)
{
    wk_chess *b = check_board(L, 1);
    const char *s = check_text(L, 2, 0, "board:play", "the move");
    wk_chess_move m;
    if (!find_uci(b, s, &m) && wk_chess_parse_san(b, s, &m) != WK_OK) {
        lua_pushnil(L);
        lua_pushstring(L, wk_errmsg());
        return 2;
    }
    char san[16], uci[8];
    wk_chess_san(b, m, san, sizeof san);
    snprintf(uci, sizeof uci, "%c%c%c%c%s", 'a' + (m.from & 7), '1' + (m.from >> 3), 'a' + (m.to & 7),
             '1' + (m.to >> 3), m.promo ? (const char[]){"??nbrq"[m.promo], 0} : "");
    wk_chess_play(b, m);
    lua_pushstring(L, san);
    lua_pushstring(L, uci);
    return 2;
}

static int board_fen(lua_State *L)
{
    char buf[100];
    lua_pushstring(L, wk_chess_fen(check_board(L, 1), buf, sizeof buf));
    return 1;
}

static int board_turn(lua_State *L)
{
    lua_pushstring(L, check_board(L, 1)->side > 0 ? "white" : "black");
    return 1;
}

static int board_status(lua_State *L)
{
    lua_pushstring(L, status_name(wk_chess_status(check_board(L, 1))));
    return 1;
}

static int board_in_check(lua_State *L)
{
    lua_pushboolean(L, wk_chess_in_check(check_board(L, 1)));
    return 1;
}

static int board_copy(lua_State *L)
{
    wk_chess *b = check_board(L, 1);
    *push_board(L) = *b;
    return 1;
}

static int board_perft(lua_State *L)
{
    wk_chess *b = check_board(L, 1);
    lua_Integer d = wk_lua_check_int(L, 2, "board:perft", "depth", 0, 6);
    lua_pushinteger(L, (lua_Integer)wk_chess_perft(b, (int)d));
    return 1;
}

/* tostring(board): the board as eight text ranks, white in capitals, then the FEN. */
static int board_tostring(lua_State *L)
{
    wk_chess *b = check_board(L, 1);
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    for (int r = 7; r >= 0; r--) {
        luaL_addchar(&buf, (char)('1' + r));
        luaL_addchar(&buf, ' ');
        for (int f = 0; f < 8; f++) {
            int pc = b->sq[r * 8 + f];
            char c = pc ? ".PNBRQK"[pc < 0 ? -pc : pc] : '.';
            if (pc < 0) c = (char)(c - 'A' + 'a');
            luaL_addchar(&buf, c);
            luaL_addchar(&buf, f < 7 ? ' ' : '\n');
        }
    }
    char fen[100];
    luaL_addstring(&buf, "  a b c d e f g h\n");
    luaL_addstring(&buf, wk_chess_fen(b, fen, sizeof fen));
    luaL_pushresult(&buf);
    return 1;
}

/* chess.check_game(text [, fen]) */
static int chess_check_game(lua_State *L)
{
    const char *text = check_text(L, 1, 0, "chess.check_game", "the game's text");
    const char *fen = check_text(L, 2, 1, "chess.check_game", "the FEN");
    wk_chess start;
    if (fen && wk_chess_from_fen(&start, fen) != WK_OK) return wk_lua_fail(L, "chess.check_game");
    wk_chess_game_report r;
    wk_chess_check_game(&r, fen ? &start : NULL, text);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, r.plies);
    lua_setfield(L, -2, "plies");
    if (r.first_illegal) {
        lua_pushinteger(L, r.first_illegal);
        lua_setfield(L, -2, "first_illegal");
        lua_pushstring(L, r.why);
        lua_setfield(L, -2, "reason");
    }
    if (r.result[0]) {
        lua_pushstring(L, r.result);
        lua_setfield(L, -2, "result");
    }
    lua_pushstring(L, status_name(r.status));
    lua_setfield(L, -2, "status");
    return 1;
}

static const luaL_Reg board_methods[] = {
    {"moves", board_moves}, {"play", board_play},     {"fen", board_fen},
    {"turn", board_turn},   {"status", board_status}, {"in_check", board_in_check},
    {"copy", board_copy},   {"perft", board_perft},   {NULL, NULL}};

static const luaL_Reg chess_funcs[] = {{"new", chess_new}, {"check_game", chess_check_game}, {NULL, NULL}};

int luaopen_wick_chess(lua_State *L)
{
    if (luaL_newmetatable(L, BOARD_MT)) {
        luaL_newlib(L, board_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, board_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, chess_funcs);
    return 1;
}
