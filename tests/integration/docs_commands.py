#!/usr/bin/env python3
"""Every bench command in the docs runs as written, as far as parsing goes.

Usage: docs_commands.py BENCH SOURCE_ROOT

The commands are taken from the fenced code blocks of README.md and
docs/*.md: every line of a block tagged sh, bash or shell, and in any other
block the lines that start with a "$ " prompt (what follows them is output).
A line ending in a backslash continues on the next. Code spans in the prose
that start with `bench ` or `build/bench/bench ` count too, but for
synopses of a run (placeholders such as FILE, [OPTIONS], ...). Each command is split
as the shell would (quotes, &&, ||, ;, |, redirections), and every piece
that runs bench (a word named bench, e.g. build/bench/bench, after any
wrapper such as env or prlimit) is checked:

- a run (no subcommand): `bench ARGS --dry-run` must exit 0: every flag,
  name, parameter and value parses and validates, nothing runs. --out and
  --trace paths are made relative to a scratch directory, whose
  subdirectories are created first;
- a subcommand (report, compare, ab, info, overhead, claims): every --flag
  given must be one that the subcommand's --help names (for ab, the flags
  of a run too).

A "$ " command whose first output line is a refusal ("bench: ...", not a
warning or a note) documents bad input: its dry run must exit 2 and say
exactly that line; a command ending with the comment "# refused" must
exit 2 too. Words holding an unexpanded $VARIABLE or
$(command) make the command unverifiable; it is listed as skipped. The test
fails when no command at all is found (the docs cannot have lost them all),
and names the file and line of every command that does not parse.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

# Subcommands that are runs with their own defaults: --dry-run applies.
RUN_SUBCOMMANDS = {"pyref"}
SUBCOMMANDS = {"report", "compare", "ab", "info", "overhead", "claims",
               "gate-power"}
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")"}
REDIRECTIONS = {">", ">>", "<", "<<", ">&", "<&", "&>", ">|"}
SHELL_TAGS = {"sh", "bash", "shell"}


def doc_files(root):
    files = [os.path.join(root, "README.md")]
    docs = os.path.join(root, "docs")
    if os.path.isdir(docs):
        files += sorted(os.path.join(docs, f) for f in os.listdir(docs)
                        if f.endswith(".md"))
    return [f for f in files if os.path.isfile(f)]


def commands_in(path):
    """Yields (line number, command, first output line or None)."""
    tag = None
    pending, start, prompt = None, 0, False
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, 1):
        fence = re.match(r"^\s*(```|~~~)\s*([\w+-]*)", line)
        if fence:
            tag = None if tag is not None else fence.group(2).lower()
            pending = None
            continue
        if tag is None:
            continue
        if pending is not None:
            pending += " " + line.strip()
        elif tag in SHELL_TAGS and line.strip() and \
                not line.lstrip().startswith("#"):
            pending, start, prompt = line.strip(), number, False
        elif line.startswith("$ "):
            pending, start, prompt = line[2:].strip(), number, True
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        output = None
        if prompt and number < len(lines) and \
                not lines[number].startswith(("$ ", "```", "~~~")):
            output = lines[number]
        yield start, pending, output
        pending = None


def inline_commands(path):
    """Yields (line number, command) for `bench ...` code spans in prose.

    Spans may wrap over lines. A run with placeholders (an upper-case word
    such as FILE or N, "[", "...") is a synopsis, not a command: left out.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Blank out fenced blocks, keeping the line count.
    text = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1[^\n]*$",
                  lambda m: "\n" * m.group(0).count("\n"), text)
    for m in re.finditer(r"(?<!`)`((?:build/bench/)?bench [^`]+)`(?!`)",
                         text):
        command = " ".join(m.group(1).split())
        words = command.split()
        synopsis = "[" in command or "..." in command or any(
            re.fullmatch(r"[A-Z][A-Z_]+|N", w.split("=")[-1])
            for w in words)
        if synopsis and words[1] not in SUBCOMMANDS:
            continue
        yield text.count("\n", 0, m.start()) + 1, command, None


def documents_refusal(output):
    """The first output line is bench's one-line refusal of bad input."""
    return output is not None and output.startswith("bench: ") and \
        not re.match(r"bench: (warning|note|dry run)\b", output)


def bench_pieces(command):
    """The argument lists of the pieces of command that run bench."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    pieces, current = [], []
    for token in tokens + [";"]:
        if token in SEPARATORS:
            pieces.append(current)
            current = []
        else:
            current.append(token)
    for piece in pieces:
        for i, word in enumerate(piece):
            if os.path.basename(word) == "bench" and not word.endswith("/"):
                args = []
                for arg in piece[i + 1:]:
                    if arg in REDIRECTIONS or re.match(r"^\d*[<>]", arg):
                        if args and args[-1].isdigit():
                            args.pop()
                        break
                    args.append(arg)
                yield args
                break


_help_cache = {}


def help_text(bench, sub):
    if sub not in _help_cache:
        argv = [bench] + ([sub] if sub else []) + ["--help"]
        run = subprocess.run(argv, capture_output=True, text=True,
                             timeout=60)
        _help_cache[sub] = run.stdout + run.stderr
    return _help_cache[sub]


def check_subcommand(bench, args):
    known = help_text(bench, args[0])
    if args[0] == "ab":
        known += help_text(bench, None)
    flags = set(re.findall(r"--[a-z][a-z0-9_-]*", known))
    for arg in args[1:]:
        if not arg.startswith("--"):
            continue
        name = arg.split("=", 1)[0]
        if name.startswith("--benchmark_") and args[0] == "ab":
            continue
        if name not in flags:
            return "bench %s has no flag %s (see bench %s --help)" % (
                args[0], name, args[0])
    return None


PATH_FLAGS = ("--out", "--trace", "--benchmark_out")


def in_scratch(path, scratch):
    """path moved inside the scratch directory, its directory made."""
    moved = os.path.join(scratch, path.lstrip("/"))
    os.makedirs(os.path.dirname(moved), exist_ok=True)
    return moved


def scratch_paths(args, scratch):
    """args with every --out/--trace path inside the scratch directory."""
    out, path_next = [], False
    for arg in args:
        if path_next:
            arg, path_next = in_scratch(arg, scratch), False
        elif arg in PATH_FLAGS:
            path_next = True
        else:
            for flag in PATH_FLAGS:
                if arg.startswith(flag + "="):
                    arg = flag + "=" + in_scratch(arg[len(flag) + 1:],
                                                  scratch)
        out.append(arg)
    return out


def check_run(bench, args, refused, refusal, scratch):
    if args in (["--completion=bash"], ["--completion"]):
        argv = [bench] + args
    else:
        argv = [bench] + scratch_paths(args, scratch) + ["--dry-run"]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                         cwd=scratch)
    want = 2 if refused else 0
    if run.returncode != want:
        why = (run.stderr.strip() or run.stdout.strip()).splitlines()
        return "exit %d, expected %d: %s" % (
            run.returncode, want, why[-1] if why else "")
    if refusal is not None and run.stderr.strip() != refusal.strip():
        return "the docs say\n    %s\n    bench says\n    %s" % (
            refusal, run.stderr.strip())
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    bench, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    checked, skipped, failures = 0, [], []
    with tempfile.TemporaryDirectory() as scratch:
        for path in doc_files(root):
            rel = os.path.relpath(path, root)
            found = list(commands_in(path)) + list(inline_commands(path))
            for number, command, output in found:
                refusal = output if documents_refusal(output) else None
                refused = refusal is not None or re.search(
                    r"#\s*refused\s*$", command) is not None
                try:
                    pieces = list(bench_pieces(command))
                except ValueError as e:
                    failures.append("%s:%d: %s: %s" % (rel, number, command,
                                                       e))
                    continue
                for args in pieces:
                    if any("$" in a or "`" in a for a in args):
                        skipped.append("%s:%d" % (rel, number))
                        continue
                    if args and args[0] in SUBCOMMANDS:
                        why = check_subcommand(bench, args)
                    elif args and args[0] not in RUN_SUBCOMMANDS and \
                            not args[0].startswith("-"):
                        why = "unknown subcommand %s" % args[0]
                    else:
                        why = check_run(bench, args, refused, refusal,
                                        scratch)
                    checked += 1
                    # A feature this build leaves out (PAPI, Python, MPI)
                    # is refused by name: the command is right, not here.
                    if why and "built without" in why:
                        skipped.append("%s:%d" % (rel, number))
                        continue
                    if why:
                        failures.append("%s:%d: %s\n    %s" % (
                            rel, number, command, why))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if skipped:
        print("skipped (shell variables, or a feature this build lacks): " + ", ".join(skipped))
    print("%d bench commands checked, %d failed" % (checked, len(failures)))
    if checked == 0:
        print("FAIL: no bench command found in README.md or docs/*.md",
              file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
