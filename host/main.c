/* main.c — the `wick` program's entry: reads the command line and runs what it asks
 * for, the way lua5.4 does, plus --watch.
 *
 *   wick [options] [script [args]]
 *     -e stat   run the string stat          -l mod   require mod into global mod
 *     -l g=mod  require mod into global g    -i       the REPL after the script
 *     -v        print the version, BLAS      -E       ignore LUA_INIT and LUA_PATH…
 *     -W        turn warnings on             --       stop handling options
 *     -         run stdin as the script      --watch script  re-run it on every save
 *     -h, --help  print this usage and exit 0
 *
 * Options run in the order given, then the script with `arg` set as lua.c sets it
 * (arg[0] the script, arg[1..] its arguments, negative indices the interpreter and its
 * options). With nothing to run, stdin on a terminal gets the REPL; otherwise stdin is
 * read as a script, so `echo 'print(1)' | wick` works like lua5.4. -v adds a second line
 * to lua5.4's: the BLAS, the kernel set its GEMMs run on and why, and the threads.
 *
 * Start-up is kept cheap on purpose (`wick -e ''` must stay under 15 ms): the wick
 * module is only preloaded, so a script pays for it when it says require "wick", and
 * nothing of the REPL (libedit, history file) is touched unless the REPL starts. The one
 * thing done before anything else is putting OpenBLAS on the kernels the CPU's features
 * allow (wk_lua_blas_setup; lib/core/cpu.c says what that costs). */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bindings/wick.h"
#include "host.h"

/* What the options asked for; filled by parse_args. */
struct options {
    int script;   /* argv index of the script; argc when there is none */
    int has_e;    /* some -e or -l: there was something to run */
    int has_i;    /* -i */
    int has_v;    /* -v (also implied by -i, as in lua5.4) */
    int has_E;    /* -E */
    int watch;    /* --watch */
    int help;     /* -h or --help: print the usage, run nothing */
};

// ---------------------------------------------------------------------------- options

/* The usage goes to stdout when asked for (--help, so `wick --help | less` works) and
 * to stderr after a wrong option, under the reason. */
static void print_usage(const char *badopt, const char *why)
{
    FILE *out = badopt ? stderr : stdout;
    if (badopt)
        fprintf(stderr, "%s: %s '%s'\n", WICK_PROGNAME, why, badopt);
    fprintf(out,
            "usage: %s [options] [script [args]]\n"
            "Available options are:\n"
            "  -e stat   execute string 'stat'\n"
            "  -i        enter the REPL after executing 'script'\n"
            "  -l mod    require library 'mod' into global 'mod'\n"
            "  -l g=mod  require library 'mod' into global 'g'\n"
            "  -v        show version, BLAS kernels and threads\n"
            "  -E        ignore environment variables\n"
            "  -W        turn warnings on\n"
            "  --watch script  run 'script' again each time it is saved\n"
            "  --        stop handling options\n"
            "  -         run stdin as the script and stop handling options\n"
            "  -h, --help  print this usage and exit\n"
            "Sketchbook commands (the first word):\n"
            "  runs [sketch] [--limit N] [--status S]        list recorded runs, newest first\n"
            "  show RUN|last [--all]                         one run: outputs, inputs, metrics\n"
            "  pack DIR             bundle a sketch (.wick)  info F.wick     what a bundle holds\n"
            "  unpack F.wick [DIR]  give the folder back     F.wick [args]   run a bundle (or: run F.wick)\n"
            "  sweep sketch.lua --param k=a,b …              run a parameter grid (GNU parallel or Slurm)\n",
            WICK_PROGNAME);
    fflush(out);
}

static void print_version(void)
{
    char blas[512];
    printf("%s %s (%s)\n", WICK_PROGNAME, WK_VERSION, LUA_RELEASE);
    printf("BLAS: %s\n", wk_lua_blas_describe(blas, sizeof blas));
    fflush(stdout);
}

/* Fill o from argv; returns 0, or prints why the command line is wrong and returns -1.
 * Only checks and records: the options run later, in order, in run_options. */
static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->script = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {   /* the script: options end here */
            o->script = i;
            return 0;
        }
        switch (a[1]) {
        case '\0':   /* "-": stdin is the script */
            o->script = i;
            return 0;
        case '-':
            if (a[2] == '\0') {   /* "--": the next word, if any, is the script */
                o->script = i + 1 < argc ? i + 1 : argc;
                return 0;
            }
            if (strcmp(a, "--watch") == 0) {
                if (i + 1 >= argc) {
                    print_usage(a, "a script must follow");
                    return -1;
                }
                o->watch = 1;
                o->script = i + 1;
                return 0;
            }
            if (strcmp(a, "--help") == 0) {
                o->help = 1;
                return 0;
            }
            print_usage(a, "unrecognized option");
            return -1;
        case 'h':   /* help wins over anything before it: nothing runs */
            if (a[2] != '\0') {
                print_usage(a, "unrecognized option");
                return -1;
            }
            o->help = 1;
            return 0;
        case 'E':
        case 'W':
        case 'i':
        case 'v':
            if (a[2] != '\0') {   /* "-vx" is no option of ours */
                print_usage(a, "unrecognized option");
                return -1;
            }
            if (a[1] == 'E')
                o->has_E = 1;
            else if (a[1] == 'i')
                o->has_i = o->has_v = 1;
            else if (a[1] == 'v')
                o->has_v = 1;
            break;
        case 'e':
        case 'l':
            o->has_e = 1;
            if (a[2] == '\0') {   /* the argument is the next word */
                i++;
                if (i >= argc || argv[i][0] == '-') {
                    print_usage(a, "an argument must follow");
                    return -1;
                }
            }
            break;
        default:
            print_usage(a, "unrecognized option");
            return -1;
        }
    }
    return 0;
}

// ---------------------------------------------------------------------------- running

static int dostring(lua_State *L, const char *s, const char *name)
{
    return wk_docall_report(L, luaL_loadbuffer(L, s, strlen(s), name), 0);
}

/* -l [g=]mod: g = require(mod); g defaults to mod. */
static int dolibrary(lua_State *L, const char *spec)
{
    const char *eq = strchr(spec, '=');
    const char *mod = eq ? eq + 1 : spec;
    lua_getglobal(L, "require");
    lua_pushstring(L, mod);
    int status = wk_call(L, 1, 1);
    if (status == LUA_OK) {
        if (eq)
            lua_pushlstring(L, spec, (size_t)(eq - spec));
        else
            lua_pushstring(L, spec);
        lua_insert(L, -2);
        lua_setglobal(L, lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    return wk_report(L, status, 1);
}

/* Run -e, -l and -W in the order given. Returns 0, or -1 after reporting a failure. */
static int run_options(lua_State *L, char **argv, int script)
{
    for (int i = 1; i < script; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            continue;
        if (a[1] == 'e' || a[1] == 'l') {
            const char *val = a[2] ? a + 2 : argv[++i];
            int status = a[1] == 'e' ? dostring(L, val, "=(command line)") : dolibrary(L, val);
            if (status != LUA_OK)
                return -1;
        } else if (a[1] == 'W') {
            lua_warning(L, "@on", 0);
        }
    }
    return 0;
}

/* LUA_INIT_5_4 or LUA_INIT: "@file" runs the file, anything else is Lua code. */
static int run_init(lua_State *L)
{
    const char *name = "=LUA_INIT_5_4";
    const char *init = getenv(name + 1);
    if (init == NULL) {
        name = "=LUA_INIT";
        init = getenv(name + 1);
    }
    if (init == NULL)
        return LUA_OK;
    if (init[0] == '@')
        return wk_docall_report(L, luaL_loadfile(L, init + 1), 0);
    return dostring(L, init, name);
}

/* The global `arg`: arg[0] is the script (or the program when there is none). */
static void make_arg_table(lua_State *L, char **argv, int argc, int script)
{
    if (script == argc)
        script = 0;
    lua_createtable(L, argc - script - 1, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

/* Run argv[script] (or stdin for "-") with the words after it as its `...`. */
static int run_script(lua_State *L, char **argv, int argc, int script)
{
    const char *path = argv[script];
    int from_stdin = strcmp(path, "-") == 0 && strcmp(argv[script - 1], "--") != 0;
    lua_pushstring(L, from_stdin ? "stdin" : path);
    lua_setfield(L, LUA_REGISTRYINDEX, WICK_SCRIPT_KEY);
    int status = luaL_loadfile(L, from_stdin ? NULL : path);
    if (status == LUA_OK) {
        int narg = argc - script - 1;
        luaL_checkstack(L, narg, "too many arguments to script");
        for (int i = script + 1; i < argc; i++)
            lua_pushstring(L, argv[i]);
        wk_hooks_run_start(L, path);   /* only when -l wick loaded it already */
        status = wk_call(L, narg, 0);
        wk_hooks_run_end(L, status, NULL);
    }
    return wk_report(L, status, 1);
}

// ---------------------------------------------------------------------------- commands

/* The sketchbook's commands: `wick runs`, `wick pack sketches/tsne`, … and `wick x.wick`
 * (the same as `wick run x.wick`). A word only names a command in first position, so a
 * script called "pack" still runs as `wick ./pack`. The commands are Lua functions
 * (wick._commands, in the sketchbook sugar under bindings/store); the host only finds and calls them. */
static const char *const commands[] = {"runs", "show", "pack", "unpack", "info", "run", "sweep", NULL};

/* The command argv asks for, or NULL; *first is the index of its first argument. */
static const char *command_of(int argc, char **argv, int *first)
{
    if (argc < 2) return NULL;
    for (int i = 0; commands[i]; i++)
        if (strcmp(argv[1], commands[i]) == 0) {
            *first = 2;
            return commands[i];
        }
    size_t n = strlen(argv[1]);
    if (n > 5 && strcmp(argv[1] + n - 5, ".wick") == 0 && argv[1][0] != '-') {
        *first = 1;
        return "run";
    }
    return NULL;
}

/* Run wick._commands[name] with the words from argv[first] on as a list; the exit
 * status is what it returns (nil: 0), or 1 after an error. */
static int run_command(lua_State *L, const char *name, char **argv, int argc, int first)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, "wick");
    if (wk_report(L, wk_call(L, 1, 1), 1) != LUA_OK) return 1;
    if (lua_getfield(L, -1, "_commands") != LUA_TTABLE || lua_getfield(L, -1, name) != LUA_TFUNCTION) {
        fprintf(stderr, "%s: the command '%s' is not in this build\n", WICK_PROGNAME, name);
        return 1;
    }
    lua_createtable(L, argc - first, 0);
    for (int i = first; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - first + 1);
    }
    int status = wk_call(L, 1, 1);
    if (status != LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
        /* a command's error is about its arguments or files: the message, no traceback */
        const char *msg = lua_tostring(L, -1), *tb = strstr(msg, "\nstack traceback:");
        if (tb) {
            lua_pushlstring(L, msg, (size_t)(tb - msg));
            lua_replace(L, -2);
        }
    }
    if (wk_report(L, status, 1) != LUA_OK) return 1;
    int code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    return code;
}

/* Everything after the state exists, run protected so even running out of memory
 * while setting up is reported rather than fatal. Arguments come as light userdata;
 * the exit status is returned as an integer. */
static int protected_main(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = (char **)lua_touserdata(L, 2);
    struct options o;
    lua_settop(L, 0);
    int first = 0;
    const char *command = command_of(argc, argv, &first);
    if (command) {
        luaL_openlibs(L);
        luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
        lua_pushcfunction(L, luaopen_wick);
        lua_setfield(L, -2, "wick");
        lua_pop(L, 1);
        make_arg_table(L, argv, argc, 0);
        lua_pushinteger(L, run_command(L, command, argv, argc, first));
        return 1;
    }
    if (parse_args(argc, argv, &o) != 0) {
        lua_pushinteger(L, 1);
        return 1;
    }
    if (o.help) {
        print_usage(NULL, NULL);
        lua_pushinteger(L, 0);
        return 1;
    }
    if (o.has_v)
        print_version();
    if (o.has_E) {   /* package.path/cpath must not read LUA_PATH… either */
        lua_pushboolean(L, 1);
        lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
    }
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_wick);
    lua_setfield(L, -2, "wick");
    lua_pop(L, 1);
    make_arg_table(L, argv, argc, o.script);
    lua_pushinteger(L, 1);   /* the exit status if anything below fails */
    if (!o.has_E && run_init(L) != LUA_OK)
        return 1;
    if (run_options(L, argv, o.script) != 0)
        return 1;
    if (o.watch) {
        lua_pushinteger(L, wk_watch(L, argv, argc, o.script));
        return 1;
    }
    if (o.script < argc && run_script(L, argv, argc, o.script) != LUA_OK)
        return 1;
    if (o.has_i) {
        wk_repl(L);
    } else if (o.script == argc && !o.has_e && !o.has_v) {
        if (isatty(STDIN_FILENO)) {
            print_version();
            wk_repl(L);
        } else {   /* like lua5.4 -: a piped program */
            lua_pushstring(L, "stdin");
            lua_setfield(L, LUA_REGISTRYINDEX, WICK_SCRIPT_KEY);
            if (wk_docall_report(L, luaL_loadfile(L, NULL), 0) != LUA_OK)
                return 1;
        }
    }
    lua_pushinteger(L, 0);
    return 1;
}

int main(int argc, char **argv)
{
    wk_lua_blas_setup(argv);   /* before any BLAS call or thread */
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        wk_message("cannot create Lua state: not enough memory", 1);
        return EXIT_FAILURE;
    }
    lua_pushcfunction(L, protected_main);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int status = lua_pcall(L, 2, 1, 0);
    int code = status == LUA_OK ? (int)lua_tointeger(L, -1) : 1;
    wk_report(L, status, 1);
    lua_close(L);
    return code;
}
