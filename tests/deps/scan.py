#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""tests/deps/scan.py TOP: what the suite and the demo use from the system.

Reads the project's own files -- shell scripts and the Makefiles' recipes
under tests/, scripts/, daemon/, bench/, mk/ and .ci/, the Python files and
the Python here-documents in them, the C sources of the userspace tools --
and prints one requirement a line, resolved against this host:

  cmd NAME          a command the host scripts and recipes run
  applet NAME       a command the VM's busybox must provide (guest scripts)
  py MODULE         a non-stdlib module Debian's /usr/bin/python3 must import
  pc NAME           a pkg-config module the Makefiles ask for
  file PATH         a system header the C sources include (where the host
                    has it) or a system path a script names
  link CC FLAGS...  CC must link a program with FLAGS (sanitizers, -lX)
  deb NAME          a package a script asks dpkg-query about

each followed by " @ FILE:LINE" of its first use. Only stdlib, so Debian's
python runs it before anything is installed. Also fails (exit 1, "error:"
lines on stderr) when a host script runs python3 through PATH or a Python
file names another interpreter: the project's Python is /usr/bin/python3,
whose modules come from Debian packages (a pyenv python first in PATH has
other modules).
"""

import ast
import os
import re
import shutil
import subprocess
import sys

TOP = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
DIRS = ["tests", "scripts", "daemon", "bench", "mk", ".ci"]
# Scripts that run inside the test VMs (busybox) ...
GUEST = re.compile(r"^(tests/vm/(tests/|init$|lib\.sh$|demo/demo\.sh$)"
                   r"|bench/vm/|daemon/verifierd/demo-run\.sh$)")
# ... and inside the whole-system VM, whose packages tests/system/
# build-rootfs.sh installs there itself.
SYSTEM_GUEST = re.compile(r"^tests/system/system-test\.sh$")
# C sources built for the host (not kernel modules)
C_DIRS = ["daemon", "tests/tools", "tests/vm/tools", "bench"]
SYSPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PYTHON = "/usr/bin/python3"

KEYWORDS_CMD = {"then", "do", "else", "elif", "if", "while", "until", "!",
                "{", "time"}
KEYWORDS_END = {"fi", "done", "}", "esac"}
# commands that run their (non-option) argument as a command
WRAPPERS = {"exec", "nice", "timeout", "env", "xargs", "command", "nohup",
            "setsid", "stdbuf", "ionice", "sudo", "chroot", "taskset",
            "unshare", "flock"}
WRAPPER_ARGS = {"nice": {"-n"}, "timeout": {"-k", "-s", "--signal",
                                            "--kill-after"},
                "xargs": {"-n", "-P", "-I", "-L", "-s", "-d", "-E"},
                "ionice": {"-c", "-n"}, "stdbuf": {"-i", "-o", "-e"},
                "env": {"-u", "-C"}, "flock": {"-w", "-E"}}
# positional words a wrapper takes before the command
WRAPPER_SKIP = {"timeout": 1, "chroot": 1, "taskset": 1, "flock": 1}
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
COMPILERS = re.compile(r"^(cc|gcc|clang)(-[0-9]+)?$")

reqs = {}          # (kind, value) -> "file:line"
errors = []


def need(kind, value, where):
    reqs.setdefault((kind, value), where)


# ------------------------------------------------------------------ shell
class Shell:
    """A small lexer for the shell the project writes: finds the words in
    command position (also inside $(...), `...` and "..."), here-documents
    and the commands they feed."""

    def __init__(self, text):
        self.s = text
        self.i = 0
        self.line = 1
        self.cmds = []       # (line, word, [args...])
        self.heredocs = []   # (line, command words, body)
        self.pending = []    # here-documents waiting for the next newline
        self.current = []    # command words of the current pipeline

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def adv(self, n=1):
        for _ in range(n):
            if self.i < len(self.s) and self.s[self.i] == "\n":
                self.line += 1
            self.i += 1

    def skip_balanced(self, open_, close):
        depth = 1
        while self.i < len(self.s) and depth:
            c = self.peek()
            if c == "\\":
                self.adv(2)
                continue
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
            self.adv()

    def subshell(self, close):
        """Parse commands up to the matching close character."""
        self.parse(close)
        if self.peek() == close:
            self.adv()

    def word(self):
        """Read one word; returns (text with quotes removed, literal?)."""
        out = []
        literal = True
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t\n;&|()<>":
                break
            if c == "\\":
                if self.peek(1) == "\n":
                    self.adv(2)
                    continue
                out.append(self.peek(1))
                self.adv(2)
            elif c == "'":
                self.adv()
                j = self.s.find("'", self.i)
                j = len(self.s) if j < 0 else j
                out.append(self.s[self.i:j])
                self.adv(j - self.i + 1)
            elif c == '"':
                self.adv()
                while self.i < len(self.s) and self.peek() != '"':
                    d = self.peek()
                    if d == "\\":
                        out.append(self.peek(1))
                        self.adv(2)
                    elif d == "$" or d == "`":
                        literal = False
                        self.dollar()
                        out.append("$")
                    else:
                        out.append(d)
                        self.adv()
                self.adv()
            elif c == "$" or c == "`":
                literal = False
                self.dollar()
                out.append("$")
            else:
                out.append(c)
                self.adv()
        return "".join(out), literal

    def dollar(self):
        if self.peek() == "`":
            self.adv()
            self.subshell("`")
        elif self.s.startswith("$((", self.i):
            self.adv(3)
            self.skip_balanced("(", ")")
            self.adv()
        elif self.s.startswith("$(", self.i):
            self.adv(2)
            self.subshell(")")
        elif self.s.startswith("${", self.i):
            self.adv(2)
            self.skip_balanced("{", "}")
        else:
            self.adv()

    def read_heredocs(self):
        for line, words, delim, strip in self.pending:
            body = []
            while self.i < len(self.s):
                j = self.s.find("\n", self.i)
                j = len(self.s) if j < 0 else j
                text = self.s[self.i:j]
                self.adv(j - self.i + 1)
                if (text.lstrip("\t") if strip else text) == delim:
                    break
                body.append(text)
            self.heredocs.append((line, words, "\n".join(body) + "\n"))
        self.pending = []

    def parse(self, close=None):
        expect = True        # next word is in command position
        words = []           # the current simple command
        wrap = None          # wrapper state: [name, positional words left]
        case_state = None    # None, "subject", "pattern"
        stack = []           # case states of enclosing case statements
        skip_words = 0       # for: NAME in ...
        while self.i < len(self.s):
            c = self.peek()
            if close and c == close:
                return
            if c in " \t":
                self.adv()
                continue
            if c == "\\" and self.peek(1) == "\n":
                self.adv(2)
                continue
            if c == "#":
                while self.i < len(self.s) and self.peek() != "\n":
                    self.adv()
                continue
            if c == "\n":
                self.adv()
                if self.pending:
                    self.read_heredocs()
                if skip_words:
                    skip_words = 0
                expect, words, wrap = True, [], None
                self.current = []
                continue
            if c in ";&|":
                op = c
                self.adv()
                if self.peek() in ";&|":
                    op += self.peek()
                    self.adv()
                if op == ";;" or op == ";&":
                    case_state = "pattern"
                if op != "|":
                    self.current = []
                skip_words = 0
                expect, words, wrap = True, [], None
                continue
            if c == "(":
                self.adv()
                if self.peek() == "(":       # (( arithmetic ))
                    self.adv()
                    self.skip_balanced("(", ")")
                    self.adv()
                    continue
                if words and not expect:     # name() {
                    if self.peek() == ")":
                        self.adv()
                    continue
                expect, words, wrap = True, [], None
                continue
            if c == ")":
                self.adv()
                if case_state == "pattern":
                    case_state = "body"
                expect, words, wrap = True, [], None
                continue
            # a redirection (2>&1, >file, <<'EOF'): its target is no command
            m = re.match(r"[0-9]*(<<-?|<<<|>>|>&|<&|<>|>\||>|<)", self.s[self.i:])
            if m:
                op = m.group(1)
                self.adv(len(m.group(0)))
                while self.peek() in " \t":
                    self.adv()
                target, _ = self.word()
                if op in ("<<", "<<-"):
                    self.pending.append((self.line, list(self.current),
                                         target, op == "<<-"))
                continue
            line = self.line
            w, literal = self.word()
            if w == "":
                self.adv()
                continue
            if case_state == "subject":
                if w == "in":
                    case_state = "pattern"
                continue
            if w == "esac" and (expect or case_state == "pattern"):
                case_state = stack.pop() if stack else None
                expect = False
                continue
            if case_state == "pattern":
                continue
            if skip_words:
                continue
            words.append(w)
            if not expect:
                if wrap:
                    name, left = wrap[0], wrap[1]
                    if w.startswith("-"):
                        if w in WRAPPER_ARGS.get(name, ()):
                            wrap = [name, left, "arg"]
                        continue
                    if len(wrap) == 3:
                        wrap = [name, left]
                        continue
                    if name == "env" and ASSIGN.match(w):
                        continue
                    if left:
                        wrap = [name, left - 1]
                        continue
                    wrap = None
                    if name == "chroot":     # runs in another root
                        continue
                    self.found(line, w, literal, words)
                    if w in WRAPPERS:
                        wrap = [w, WRAPPER_SKIP.get(w, 0)]
                continue
            if ASSIGN.match(w):
                if w.endswith("=") and self.peek() == "(":
                    self.adv()
                    self.skip_balanced("(", ")")
                continue
            if w in KEYWORDS_CMD:
                continue
            if w in KEYWORDS_END:
                expect = False
                continue
            if w == "case":
                stack.append(case_state)
                case_state = "subject"
                continue
            if w in ("for", "select"):
                skip_words = 1
                continue
            if w == "function":
                expect = False
                continue
            expect = False
            self.found(line, w, literal, words)
            if w in WRAPPERS:
                wrap = [w, WRAPPER_SKIP.get(w, 0)]

    def found(self, line, w, literal, words):
        self.cmds.append((line, w, literal, words))
        self.current.append(w)


def shell_functions(text):
    return set(re.findall(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w.-]*)\s*\(\)",
                          text))


def builtins():
    out = subprocess.run(["bash", "-c", "compgen -b; compgen -k"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


# --------------------------------------------------------------- makefiles
def make_vars(paths):
    vals = {}
    for path in paths:
        for line in logical_lines(path):
            m = re.match(r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)"
                         r"\s*(\?=|:=|::=|\+=|=)\s*(.*)$", line[1])
            if not m or line[1].startswith("\t"):
                continue
            name, op, val = m.groups()
            if op == "+=":
                vals[name] = (vals.get(name, "") + " " + val).strip()
            elif op == "?=":
                vals.setdefault(name, val)
            else:
                vals[name] = val
    return vals


def logical_lines(path):
    """(first line number, text) with backslash-newlines joined"""
    out = []
    buf, start = "", None
    with open(path, errors="replace") as f:
        for n, raw in enumerate(f, 1):
            raw = raw.rstrip("\n")
            if start is None:
                start = n
            if raw.endswith("\\"):
                buf += raw[:-1] + " "
                continue
            out.append((start, buf + raw))
            buf, start = "", None
    return out


def make_expand(text, vals, shells, depth=0):
    """Expand $(VAR) and ${VAR}; $(shell X) becomes '' and X is kept in
    shells for scanning; other functions expand to their last argument."""
    if depth > 8:
        return text
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "$":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt in "({":
            close = ")" if nxt == "(" else "}"
            depth_p, j = 1, i + 2
            while j < len(text) and depth_p:
                if text[j] == nxt:
                    depth_p += 1
                elif text[j] == close:
                    depth_p -= 1
                j += 1
            inner = text[i + 2:j - 1]
            i = j
            fn = re.match(r"^([a-z-]+)\s+(.*)$", inner, re.S)
            if fn:
                name, args = fn.groups()
                if name == "shell":
                    shells.append(make_expand(args, vals, shells, depth + 1))
                    continue
                if name in ("filter-out", "filter", "patsubst", "subst"):
                    parts = args.split(",")
                    out.append(make_expand(parts[-1], vals, shells, depth + 1))
                continue
            if inner in vals:
                out.append(make_expand(vals[inner], vals, shells, depth + 1))
            else:
                out.append("x")      # automatic or unknown: a file name
            continue
        out.append("x")              # $@, $<, $^ ...
        i += 2
    return "".join(out)


# ------------------------------------------------------------------ python
STDLIB = set(sys.stdlib_module_names)


def python_imports(src, where_file, first_line, local):
    try:
        tree = ast.parse(src)
    except SyntaxError as e:
        errors.append("%s:%d: cannot parse Python: %s"
                      % (where_file, first_line, e))
        return
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module]
        for n in names:
            top = n.split(".")[0]
            if top in STDLIB or top in local:
                continue
            need("py", top, "%s:%d" % (where_file, first_line + node.lineno - 1))


# -------------------------------------------------------------------- main
def rel(path):
    return os.path.relpath(path, TOP)


def files():
    out = [os.path.join(TOP, "Makefile")]
    for d in DIRS:
        for root, dirs, names in os.walk(os.path.join(TOP, d)):
            dirs[:] = [x for x in dirs if not x.startswith(".")
                       or x == ".ci"]
            if rel(root).startswith(("build", "daemon/fuzz/")):
                continue
            for n in sorted(names):
                out.append(os.path.join(root, n))
    return [f for f in out if os.path.isfile(f)]


def kind_of(path):
    name = os.path.basename(path)
    if name == "Makefile" or name.endswith(".mk"):
        return "make"
    if name.endswith(".py"):
        return "py"
    if name.endswith((".c", ".h")):
        return "c"
    try:
        with open(path, "rb") as f:
            first = f.readline(200)
    except OSError:
        return None
    if name.endswith(".sh") or re.match(rb"#!\s*/bin/(ba)?sh", first) or \
       re.match(rb"#!\s*/usr/bin/env\s+(ba)?sh", first):
        return "sh"
    if re.match(rb"#!.*python", first):
        return "py"
    return None


def main():
    all_files = files()
    kinds = {f: kind_of(f) for f in all_files}
    local_py = {os.path.basename(f)[:-3] for f in all_files if f.endswith(".py")}
    texts = {}
    for f, k in kinds.items():
        if k:
            with open(f, errors="replace") as fh:
                texts[f] = fh.read()
    funcs = set()
    for f, k in kinds.items():
        if k in ("sh", "make"):
            funcs |= shell_functions(texts[f])
    skip = builtins() | funcs
    host_names = {}
    busybox = shutil.which("busybox", path=SYSPATH)
    applets = set()
    if busybox:
        applets = set(subprocess.run([busybox, "--list"], capture_output=True,
                                     text=True).stdout.split())

    def command(word, literal, where, guest, words):
        if not literal or not word:
            return
        if word == PYTHON or (word == "python3" and not guest):
            if word != PYTHON:
                errors.append("%s: runs python3 from PATH; use %s (Debian's, "
                              "whose modules deps.list installs)" % (where, PYTHON))
            need("cmd", PYTHON, where)
            return
        if "/" in word:
            if word.startswith(("/usr/", "/bin/", "/sbin/")) and not guest:
                need("cmd", word, where)
            return
        if not NAME.match(word) or word in skip:
            return
        if guest:
            if word in applets:
                need("applet", word, where)
            return
        if word not in host_names:
            host_names[word] = shutil.which(word, path=SYSPATH)
        if host_names[word]:
            need("cmd", word, where)
        else:
            unresolved.setdefault(word, where)

    unresolved = {}
    makefiles = [f for f, k in kinds.items() if k == "make"]
    for f in all_files:
        k = kinds[f]
        r = rel(f)
        if k is None or SYSTEM_GUEST.match(r):
            continue
        guest = bool(GUEST.match(r))
        if k == "py":
            first = texts[f].split("\n", 1)[0]
            if first.startswith("#!") and first[2:].strip() != PYTHON:
                errors.append("%s:1: interpreter %s; use #!%s"
                              % (r, first[2:].strip(), PYTHON))
            python_imports(texts[f], r, 1, local_py)
            continue
        if k == "c":
            continue
        chunks = []
        if k == "sh":
            chunks.append((1, texts[f]))
        else:
            # this file after the Makefiles of its directory and those
            # above it (a build.mk is included by its parent's Makefile)
            d = os.path.dirname(f)
            ctx = [m for m in makefiles if m != f and
                   (d + "/").startswith(os.path.dirname(m) + "/")
                   and os.path.dirname(m) != TOP]
            vals = make_vars(sorted(ctx, key=len) + [f])
            for name, val in vals.items():
                if re.match(r"^(CC|CXX|CLANG|PKGCONF|PKG_CONFIG|PYTHON\d*)$",
                            name) and val.split():
                    chunks.append((0, val.split()[0]))
            for n, line in logical_lines(f):
                shells = []
                if line.startswith("\t"):
                    body = make_expand(line.lstrip("\t").lstrip("@+-"),
                                       vals, shells)
                    chunks.append((n, body))
                    link_probe(body, "%s:%d" % (r, n))
                else:
                    make_expand(line, vals, shells)
                chunks += [(n, s) for s in shells]
        for n, text in chunks:
            sh = Shell(text)
            sh.parse()
            for line, w, literal, words in sh.cmds:
                where = "%s:%d" % (r, max(n, 1) + line - 1)
                command(w, literal, where, guest, words)
                if w in ("pkg-config",) and literal:
                    for a in words[words.index(w) + 1:]:
                        if not a.startswith("-") and NAME.match(a):
                            need("pc", a, where)
            for line, words, body in sh.heredocs:
                if any(w in (PYTHON, "python3", "$")
                       or w.endswith("python3") for w in words):
                    python_imports(body, r, max(n, 1) + line, local_py)
            # for t in gcc make ...; do command -v "$t" ...: a list of tools
            for m in re.finditer(r"\bfor\s+(\w+)\s+in\s+((?:[^;\n\\]|\\\n)*)"
                                 r"[;\n]\s*do\b(?:(?!\bdone\b).){0,300}?"
                                 r"command\s+-v\s+\"?\$\{?\1\b", text, re.S):
                where = "%s:%d" % (r, max(n, 1) + text.count("\n", 0, m.start()))
                for w in m.group(2).split():
                    command(w, True, where, guest, [])
            for line, w, literal, words in sh.cmds:
                if w == "dpkg-query":
                    for a in words[words.index(w) + 1:]:
                        if not a.startswith("-") and NAME.match(a):
                            need("deb", a, "%s:%d" % (r, max(n, 1) + line - 1))
            code = re.sub(r"(?m)^\s*#.*$", "", text)    # not in comments
            for path in re.findall(r"(?<![\w$/.-])(/usr/(?:src|include|share|lib)/"
                                   r"[A-Za-z0-9_./*+-]*[A-Za-z0-9_*+-])", code):
                if "*" not in path and not os.path.exists(path):
                    continue
                need("file", path, "%s" % r)
    headers(all_files, kinds)
    for (kind, value), where in sorted(reqs.items()):
        print("%s %s @ %s" % (kind, value, where))
    for word, where in sorted(unresolved.items()):
        print("note: %s (%s) is not a command on this host: not checked"
              % (word, where), file=sys.stderr)
    for e in errors:
        print("error: " + e, file=sys.stderr)
    return 1 if errors else 0


def link_probe(body, where):
    words = body.split()
    if not words or not COMPILERS.match(words[0]):
        return
    flags = sorted({w for w in words if w.startswith(("-fsanitize=", "-l"))
                    and not w.startswith("-fsanitize-")}
                   | ({"-pthread"} if "-pthread" in words else set()))
    if flags:
        need("link", " ".join([words[0]] + flags), where)


def headers(all_files, kinds):
    pcs = sorted(v for k, v in reqs if k == "pc")
    cflags = subprocess.run(["pkg-config", "--cflags-only-I"] + pcs,
                            capture_output=True, text=True).stdout.split()
    out = subprocess.run(["cc", "-xc", "-E", "-v", "/dev/null"],
                         capture_output=True, text=True).stderr
    m = re.search(r"#include <...> search starts here:\n(.*?)End of search",
                  out, re.S)
    sysdirs = [d.strip() for d in m.group(1).splitlines()] if m else []
    incdirs = [f[2:] for f in cflags if f.startswith("-I")] + sysdirs
    ours = [os.path.join(TOP, "include/uapi")]
    for f in all_files:
        r = rel(f)
        if kinds[f] != "c" or not r.startswith(tuple(C_DIRS)):
            continue
        with open(f, errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                mm = re.match(r"\s*#\s*include\s*<([^>]+)>", line)
                if not mm:
                    continue
                h = mm.group(1)
                if any(os.path.exists(os.path.join(d, h))
                       for d in ours + [os.path.dirname(f)]):
                    continue
                for d in incdirs:
                    p = os.path.join(d, h)
                    if os.path.exists(p):
                        need("file", os.path.realpath(p)
                             if "/gcc/" not in p else p, "%s:%d" % (r, n))
                        break
                else:
                    errors.append("%s:%d: <%s> is not on this host" % (r, n, h))


if __name__ == "__main__":
    sys.exit(main())
