"""The command line against hostile input (issue 10): every case ends with one line on stderr and a
documented exit status — never a traceback, a hang, a replaced device node or a half-written file.

Device targets are only ever reached through symlinks in a temporary folder, and each test checks that
the symlink / FIFO is still one afterwards. Most cases run in-process through cli.main (fast); what
depends on the real process — its stdout, signals, the interpreter's exit — runs `python app.py`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import cli
import cli_files
from optimizers import SpecError, parse_spec
from optimizers.hyper import parse_number
from scenarios import budgets

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


def app(*args, timeout: float = 120, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def one_line(err: str) -> str:
    """The single error line of a failed command (asserting there is exactly one, and no traceback)."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def fails(argv: list[str], capsys, *parts: str) -> str:
    """cli.main(argv) exits 2 with one line on stderr naming every part; nothing on stdout."""
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    line = one_line(err)
    for part in parts:
        assert part.lower() in line.lower(), f"{line!r} does not name {part!r}"
    assert out == ""
    return line


RUN = ["run", "--steps", "3", "--csv"]


# ----------------------------------------------------------------------------- output targets
def test_a_symlink_to_dev_full_reports_no_space_and_stays_a_symlink(tmp_path, capsys):
    link = tmp_path / "full.csv"
    link.symlink_to("/dev/full")
    fails([*RUN, str(link)], capsys, "no space left", "full.csv")
    assert link.is_symlink() and os.readlink(link) == "/dev/full"
    assert [p.name for p in tmp_path.iterdir()] == ["full.csv"]  # no temporary file beside it


def test_a_symlink_to_dev_null_is_written_through_and_stays_a_symlink(tmp_path, capsys):
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    assert cli.main([*RUN, str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat(link).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null.csv"]


def test_a_fifo_target_gets_the_rows_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert cli.main([*RUN, str(fifo)]) == 0
    reader.join(30)
    assert not reader.is_alive()
    lines = received[0].decode().splitlines()
    assert lines[0] == "optimizer,step,epoch,w,b,loss,eta" and len(lines) == 1 + 4  # header, steps 0..3
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["rows.fifo"]


def test_a_symlink_to_a_regular_file_stays_a_symlink_and_its_file_is_replaced(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    assert cli.main([*RUN, str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert real.read_text().startswith("optimizer,step,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_replacing_a_regular_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    assert cli.main([*RUN, str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text().startswith("optimizer,")


def test_an_interrupt_while_writing_removes_the_temporary_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "x.gif"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), cli_files.atomic_output(str(target), "wb") as handle:
        handle.write(b"half")
        assert len(list(tmp_path.glob(".x.gif.*"))) == 1
        raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["x.gif"] and target.read_bytes() == b"old"


@pytest.mark.parametrize("case", ["missing folder", "a directory", "name too long", "parent is a file",
                                  "trailing slash", "symlink loop"])
def test_an_unwritable_output_path_is_one_line_and_creates_nothing(tmp_path, capsys, case):
    (tmp_path / "plain").write_text("")
    (tmp_path / "loop-a").symlink_to("loop-b")
    (tmp_path / "loop-b").symlink_to("loop-a")
    target, part = {
        "missing folder": (tmp_path / "no-such-folder" / "out.csv", "no-such-folder"),
        "a directory": (tmp_path, "directory"),
        "name too long": (tmp_path / ("x" * 300), "too long"),
        "parent is a file": (tmp_path / "plain" / "out.csv", "not a directory"),
        "trailing slash": (f"{tmp_path / 'out.csv'}/", "not a file name"),  # would have written out.csv
        "symlink loop": (tmp_path / "loop-a", "symbolic links"),
    }[case]
    line = fails([*RUN, str(target)], capsys, part)
    assert len(line) < 300  # a 300-character name is shortened in the message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop-a", "loop-b", "plain"]
    assert (tmp_path / "loop-a").is_symlink() and (tmp_path / "plain").read_text() == ""


@pytest.mark.parametrize("argv", [["run", "--bogus", "x\ny"], ["run", "--optimizer", "gd\nfoo"],
                                  ["run", "--problem", "a\nb"], ["export", "--preset", "a\nb", "--format", "png",
                                                                 "-o", "x.png"]])
def test_a_newline_typed_into_a_value_does_not_break_the_one_line_message(capsys, argv):
    assert "\\n" in fails(argv, capsys)


def test_a_spec_with_a_control_character_is_refused(capsys):
    fails(["run", "--optimizer", "gd:eta=\n1"], capsys, "control character")


# ----------------------------------------------------------------------------- stdout
def test_csv_to_a_full_stdout_exits_2_with_one_line(tmp_path):
    link = tmp_path / "full"
    link.symlink_to("/dev/full")
    with open(link, "w") as full:
        result = app("run", "--steps", "3", "--csv", "-", stdout=full)
    assert result.returncode == 2
    assert "no space left" in one_line(result.stderr).lower()


def test_list_to_a_full_stdout_exits_2_with_one_line(tmp_path):
    link = tmp_path / "full"
    link.symlink_to("/dev/full")
    with open(link, "w") as full:
        result = app("list", "--json", stdout=full)
    assert result.returncode == 2 and "no space left" in one_line(result.stderr).lower()


@pytest.mark.parametrize("args", [["list", "--json"], ["run", "--steps", "2000", "--csv", "-"]])
def test_a_closed_pipe_ends_quietly(args):
    proc = subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before the first write: every write meets EPIPE
    err = proc.communicate(timeout=120)[1]
    assert err == "" and proc.returncode == 128 + signal.SIGPIPE


def test_list_json_into_head_prints_no_traceback():
    result = subprocess.run(f"{sys.executable} app.py run --steps 5000 --csv - | head -c 10; "
                            f"{sys.executable} app.py list --json | head -c 10", shell=True, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.stderr == "" and result.stdout == "optimizer,{\n \"proble"


# ----------------------------------------------------------------------------- settings files
def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


SETTINGS_CASES = {  # name: (file contents, parts of the message)
    "200-level nesting": ("[" * 200 + "]" * 200, ["MAX_JSON_DEPTH", "200"]),
    "deep view": ('{"view": ' + '{"a": ' * 30 + "1" + "}" * 31, ["MAX_JSON_DEPTH"]),
    "binary": (bytes(range(256)), ["not UTF-8", "0x80"]),
    "nul bytes": ('{"steps": 5}\x00\x00', ["binary"]),
    "latin-1": ('{"problem": "caf\xe9"}'.encode("latin-1"), ["not UTF-8", "0xe9"]),
    "json error": ('{"steps": 10,\n "problem": }', ["not valid JSON", "line 2", "column 13"]),
    "NaN": ('{"steps": NaN}', ["NaN"]),
    "duplicate key": ('{"steps": 5, "steps": 6}', ["steps", "twice"]),
    "4,301-digit integer": ('{"steps": ' + "9" * 4301 + "}", ["not valid JSON", "digits"]),
    "over the size cap": (" " * (budgets.MAX_SETTINGS_BYTES + 1) + "{}", ["MAX_SETTINGS_BYTES"]),
    "not an object": ("[1, 2]", ["object"]),
    "a bool for steps": ('{"steps": true}', ["steps"]),
    "steps 1e15": ('{"steps": 1e15}', ["steps"]),
}


@pytest.mark.parametrize("name", list(SETTINGS_CASES))
def test_a_hostile_settings_file_is_one_line_and_writes_nothing(tmp_path, capsys, name):
    data, parts = SETTINGS_CASES[name]
    path = write(tmp_path / "s.json", data)
    out = tmp_path / "out.csv"
    fails(["export", "--settings", str(path), "--format", "csv", "-o", str(out)], capsys, *parts)
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_a_settings_file_with_a_utf8_bom_is_read(tmp_path):
    path = write(tmp_path / "s.json", b"\xef\xbb\xbf" + json.dumps({"steps": 4}).encode())
    assert cli_files.read_settings_file(str(path)) == {"steps": 4}


@pytest.mark.parametrize("case", ["directory", "missing", "name too long"])
def test_a_settings_path_that_is_no_file_is_one_line(tmp_path, capsys, case):
    name, part = {"directory": (str(tmp_path), "directory"), "missing": (str(tmp_path / "none.json"), "no such"),
                  "name too long": (str(tmp_path / ("s" * 300)), "too long")}[case]
    line = fails(["export", "--settings", name, "--format", "csv", "-o", str(tmp_path / "o.csv")], capsys, part)
    assert len(line) < 300


def test_a_fifo_or_dev_zero_as_settings_is_refused_at_once_without_reading(tmp_path):
    fifo = tmp_path / "settings.fifo"
    os.mkfifo(fifo)  # no writer ever: reading it would wait forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # endless: reading it would fill the memory
    for path, kind in ((fifo, "FIFO"), (zero, "character device")):
        result = app("export", "--settings", str(path), "--format", "csv", "-o", str(tmp_path / "o.csv"),
                     timeout=60)
        assert result.returncode == 2
        line = one_line(result.stderr)
        assert "not a regular file" in line and kind in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and zero.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.fifo", "zero.json"]


def test_json_depth_ignores_brackets_inside_strings():
    assert cli_files.json_depth('{"a": "[[[{{{\\"]]]", "b": [[1]]}') == 3
    assert cli_files.json_depth("[]") == 1 and cli_files.json_depth('"x"') == 0


# ----------------------------------------------------------------------------- serving options
@pytest.mark.parametrize("port", ["99999999", "0", "-1", "abc", "1_0", "80.5"])
def test_a_bad_port_is_one_line_and_nothing_is_served(capsys, port):
    served = []
    status = cli.main([f"--port={port}"], serve=lambda **kw: served.append(kw))
    err = capsys.readouterr().err
    assert status == 2 and served == []
    line = one_line(err)
    assert "--port" in line and (port in line or "65535" in line)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_debug_on_a_reachable_host_is_refused_because_the_debugger_runs_code(capsys, host):
    served = []
    status = cli.main(["--debug", "--host", host], serve=lambda **kw: served.append(kw))
    line = one_line(capsys.readouterr().err)
    assert status == 2 and served == []
    assert host in line and "Werkzeug" in line and "run code" in line


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_debug_on_loopback_is_served(host):
    served = []
    assert cli.main(["serve", "--debug", "--host", host, "--port", "8123"], serve=lambda **kw: served.append(kw)) == 0
    assert served == [{"host": host, "port": 8123, "debug": True}]


def test_a_reachable_host_without_debug_is_served():
    served = []
    assert cli.main(["--host", "0.0.0.0"], serve=lambda **kw: served.append(kw)) == 0
    assert served == [{"host": "0.0.0.0", "port": 8050, "debug": False}]


# ----------------------------------------------------------------------------- export budgets
def test_a_png_over_the_pixel_budget_is_refused_before_rendering(tmp_path, capsys):
    out = tmp_path / "big.png"
    line = fails(["export", "--preset", "default", "--format", "png", "--width", "4000", "--height", "4000",
                  "--scale", "8", "-o", str(out)], capsys, "MAX_EXPORT_PIXELS", f"{budgets.MAX_EXPORT_PIXELS:,}")
    assert "1,024 M" in line  # 4000 × 4000 × 8² pixels
    assert not out.exists()


def test_a_gif_over_the_pixel_frame_budget_is_refused_before_rendering(tmp_path, capsys):
    out = tmp_path / "big.gif"
    fails(["export", "--preset", "default", "--format", "gif", "--width", "4000", "--height", "4000",
           "--frames", "60", "-o", str(out)], capsys, "MAX_EXPORT_PIXEL_FRAMES", "960 M")
    assert not out.exists()


def test_the_default_export_sizes_fit_the_budgets():
    from layouts.export import ExportOptions

    cli.check_export_size("png", ExportOptions())  # 900 × 760 at scale 2: 1800 × 1520 pixels
    cli.check_export_size("gif", ExportOptions())  # 900 × 760 × 60 frames
    cli.check_export_size("png", ExportOptions(width=4000, height=4000, scale=1))
    with pytest.raises(SpecError):
        cli.check_export_size("png", ExportOptions(width=4000, height=4000, scale=1.1))


def test_a_truncated_png_from_the_renderer_is_an_error_not_a_file(tmp_path, capsys, monkeypatch):
    import layouts.export

    monkeypatch.setattr(layouts.export, "export_bytes", lambda *a, **k: PNG[:3])  # what a failed render gave
    out = tmp_path / "x.png"
    fails(["export", "--preset", "default", "--format", "png", "-o", str(out)], capsys, "3 bytes", "PNG")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- specs and numbers
BAD_RUNS = {
    "duplicate hyperparameter": (["--optimizer", "gd:eta=1,eta=2"], ["eta", "twice"]),
    "duplicate schedule parameter": (["--schedule", "step:drop=0.5,drop=0.2"], ["drop", "twice"]),
    "duplicate spec option": (["--optimizer", "gd|schedule=cosine|schedule=constant"], ["schedule", "twice"]),
    "underscore digits": (["--optimizer", "gd:eta=1_0"], ["eta", "1_0"]),
    "hexadecimal": (["--optimizer", "gd:eta=0x10"], ["0x10"]),
    "infinity": (["--optimizer", "adam:eps=infinity"], ["eps", "infinity"]),
    "nan hyperparameter": (["--optimizer", "adam:eta=nan"], ["eta", "nan"]),
    "overflowing hyperparameter": (["--optimizer", "gd:eta=1e999"], ["eta", "1e999"]),
    "nan start": (["--start=nan,0"], ["start", "nan"]),
    "inf start": (["--start=0,-inf"], ["start", "-inf"]),
    "steps 1e15": (["--steps", "1e15"], ["steps", "1e15"]),
    "underscore steps": (["--steps", "1_000"], ["steps", "1_000"]),
    "nan seed": (["--seed", "nan"], ["seed", "nan"]),
}


@pytest.mark.parametrize("name", list(BAD_RUNS))
def test_bad_run_input_is_one_line_naming_it(tmp_path, capsys, name):
    args, parts = BAD_RUNS[name]
    fails(["run", "--steps", "3", *args, "--csv", str(tmp_path / "o.csv")], capsys, *parts)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text, value", [("1", 1.0), ("-2.5", -2.5), ("1e-3", 0.001), (".5", 0.5), ("5.", 5.0),
                                         ("+1E+3", 1000.0), (" 2 ", 2.0)])
def test_plain_decimal_and_scientific_numbers_are_read(text, value):
    assert parse_number(text, "x") == value


def test_a_spec_with_scientific_values_still_parses():
    spec = parse_spec("adam:eta=1e-1,eps=1E-8|schedule=step:drop=.5,every=5")
    assert spec.hp == {"eta": 0.1, "eps": 1e-8} and spec.schedule.params == {"drop": 0.5, "every": 5}


def test_an_unknown_subcommand_is_one_line(capsys):
    fails(["frobnicate"], capsys, "frobnicate")


def test_running_out_of_memory_is_one_line(capsys, monkeypatch):
    def allocate(*args, **kwargs):
        raise MemoryError("Unable to allocate 15.6 GiB for an array with shape (100001, 10000, 2)")

    monkeypatch.setattr(cli, "run_spec", allocate)
    fails(["run", "--steps", "3"], capsys, "out of memory", "--steps")


# ----------------------------------------------------------------------------- logging
def test_exporting_leaves_the_levels_of_loggers_alone(tmp_path):
    names = ("kaleido", "choreographer", "logistro", "descent-lab-test", "")
    logging.getLogger("kaleido").setLevel(logging.INFO)
    try:
        before = {n: logging.getLogger(n).level for n in names}
        out = tmp_path / "x.png"
        assert cli.main(["export", "--preset", "default", "--format", "png", "--width", "300", "--height", "300",
                         "--scale", "1", "-o", str(out)]) == 0
        assert out.read_bytes()[:8] == PNG
        assert {n: logging.getLogger(n).level for n in names} == before
    finally:
        logging.getLogger("kaleido").setLevel(logging.NOTSET)


# ----------------------------------------------------------------------------- signals
def _catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler for signum yet (cli.main installs one for SIGTERM)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(mask >> (signum - 1) & 1)


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_gif_export_exits_soon_with_one_line_and_leaves_no_file(tmp_path, signum, status):
    target = tmp_path / "x.gif"
    proc = subprocess.Popen([sys.executable, "app.py", "export", "--preset", "default", "--format", "gif",
                             "--frames", "140", "-o", str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _catches(proc.pid, signal.SIGTERM) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert _catches(proc.pid, signal.SIGTERM), "cli.main never started"
        time.sleep(1.0)  # into the simulation / render (the whole export takes several seconds)
        assert proc.poll() is None, "the export finished before the signal: make it slower"
        proc.send_signal(signum)
        sent = time.monotonic()
        err = proc.communicate(timeout=30)[1]
        assert time.monotonic() - sent < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == status
    assert "interrupted" in one_line(err)
    assert list(tmp_path.iterdir()) == [], "the target or a temporary file was left behind"
