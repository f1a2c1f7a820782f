"""Files in and out of the command line, neither trusted (DESIGN.md §6).

Output: a regular file (or an absent one) is written to a temporary file beside it and renamed over it
only when the write finished, so nothing is ever half-written; anything else — stdout, a device, a FIFO,
a symlink to one — is written directly and never replaced. Input: a settings file is read only if it is a
small, regular, UTF-8, strictly-JSON file of bounded nesting. Every refusal is one SpecError naming the
file and the problem (the CLI turns it into exit status 2 and one line).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from optimizers import SpecError
from scenarios import budgets


def show(text: str) -> str:
    """A path or value quoted for a one-line message; a 300-character name is cut in the middle."""
    return repr(text if len(text) <= 80 else f"{text[:50]}…{text[-20:]}")


def reason(err: OSError) -> str:
    """'No space left on device' -> 'no space left on device' (it ends a sentence of ours)."""
    text = err.strerror or str(err)
    return text[:1].lower() + text[1:]


def check_output(target: str) -> os.stat_result | None:
    """Refuse an output path that cannot be written, before any slow work: a directory, a missing folder,
    a name too long. Returns the stat of what a write would reach (None if it does not exist yet)."""
    if target == "-":
        return None
    if not target or target.endswith("/"):  # "out.csv/" would otherwise write out.csv
        raise SpecError(f"output {show(target)} is not a file name")
    try:
        info = os.stat(target)  # follows symlinks: the file, device or FIFO a write would reach
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise SpecError(f"cannot write {show(target)}: {reason(err)}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise SpecError(f"output {show(target)} is a directory")
    folder = Path(os.path.realpath(target)).parent
    if info is None and not folder.is_dir():
        raise SpecError(f"cannot write {show(target)}: folder {show(str(Path(target).parent))} does not exist")
    return info


@contextmanager
def write_errors(target: str):
    """OSError while writing (full disk, I/O error) -> SpecError; a broken pipe is left to main."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as err:
        name = "to stdout" if target == "-" else show(target)
        raise SpecError(f"cannot write {name}: {reason(err)}") from None


@contextmanager
def atomic_output(target: str, mode: str = "w"):
    """Yield a file to write to `target` ('-' is stdout); write errors become SpecError.

    A regular file, or an absent one, is replaced only if the block finishes: the data goes to a
    temporary file beside it, renamed over it at the end (a symlink to a regular file stays a symlink;
    the file it points to is replaced). Anything else — stdout, a device, a FIFO, a symlink to one — is
    opened and written directly and never replaced: renaming over /dev/null would turn the device into
    a plain file for every later `> /dev/null` on the machine.
    """
    info = check_output(target)
    if target == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        try:
            with write_errors(target):
                yield stream
                stream.flush()
        except SpecError:
            detach_stdout()  # the unwritten rest would fail again when Python flushes at exit
            raise
        return
    if info is not None and not stat.S_ISREG(info.st_mode):
        with write_errors(target), open(target, mode) as handle:
            yield handle
        return
    real = Path(os.path.realpath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    except OSError as err:
        raise SpecError(f"cannot write {show(target)}: {reason(err)}") from None
    try:
        with write_errors(target):
            with os.fdopen(fd, mode) as handle:
                yield handle
            os.chmod(tmp, stat.S_IMODE(info.st_mode) if info else 0o666 & ~_umask())  # mkstemp makes 0600
            os.replace(tmp, real)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def detach_stdout() -> None:
    """Point file descriptor 1 at /dev/null so the interpreter's final flush of stdout cannot fail."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture stdout)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def read_settings_file(name: str) -> dict:
    """The JSON object in a settings file, read without trusting the file (DESIGN.md §6).

    Only a regular file is read (a FIFO or /dev/zero is refused at once: the open does not wait for a
    writer, and the type is checked on the opened descriptor); its size is capped before reading
    (MAX_SETTINGS_BYTES), its text must be UTF-8, its nesting is capped before parsing (MAX_JSON_DEPTH:
    deep nesting would exhaust the parser's recursion), and it must be strict JSON: no NaN or Infinity,
    no key given twice. Each refusal is one SpecError naming the file and the problem.
    """
    where = f"settings file {show(name)}"
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as err:
        raise SpecError(f"cannot read {where}: {reason(err)}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SpecError(f"{where} is not a regular file (it is {_file_kind(info.st_mode)})")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > budgets.MAX_SETTINGS_BYTES:
            raise SpecError(budgets.over(f"{where} ({info.st_size:,} bytes)", "MAX_SETTINGS_BYTES") + " bytes")
        try:
            raw = handle.read(budgets.MAX_SETTINGS_BYTES + 1)
        except OSError as err:
            raise SpecError(f"cannot read {where}: {reason(err)}") from None
    if len(raw) > budgets.MAX_SETTINGS_BYTES:  # it grew while we looked
        raise SpecError(budgets.over(where, "MAX_SETTINGS_BYTES") + " bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SpecError(f"{where} is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); "
                        f"save it as UTF-8 JSON") from None
    if "\x00" in text:
        raise SpecError(f"{where} is a binary file, not JSON text")
    depth = json_depth(text)
    if depth > budgets.MAX_JSON_DEPTH:
        raise SpecError(budgets.over(f"the nesting of {where} ({depth} levels)", "MAX_JSON_DEPTH"))
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None
    except json.JSONDecodeError as err:
        raise SpecError(f"{where} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}") from None
    except ValueError as err:  # "Exceeds the limit (4300 digits) for integer string conversion: …"
        raise SpecError(f"{where} is not valid JSON: {str(err).split(':')[0]}") from None


def json_depth(text: str) -> int:
    """How deeply [ and { nest in JSON text, brackets inside strings not counted (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise SpecError(f"key {show(key)} is given twice")
        out[key] = value
    return out


def _no_constant(name: str):
    raise SpecError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((text for test, text in kinds if test(mode)), "not a regular file")
