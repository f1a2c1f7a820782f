"""Files over MAX_UPLOAD_BYTES, which dcc.Upload drops without a word to the server: the page says why,
beside the upload they were given to, for settings files and for data files alike (assets/upload_limit.js)."""

from __future__ import annotations

from layouts import ids, own_problem
from scenarios.budgets import MAX_UPLOAD_BYTES

from .conftest import js, wait_until
from .test_share import store


def _pick(duo, upload_id: str, path) -> None:
    duo.driver.find_element("css selector", f"#{upload_id} input[type=file]").send_keys(str(path))


def _text(duo, element_id: str) -> str:
    return js(duo, "const el = document.getElementById(arguments[0]); return el ? el.textContent : '';", element_id)


def test_files_over_the_upload_limit_are_refused_with_a_message_and_the_view_is_kept(page, tmp_path, shot):
    duo = page.duo
    before = store(duo)["settings"]
    big_csv = tmp_path / "huge.csv"
    rows = MAX_UPLOAD_BYTES // 10 + 1000
    big_csv.write_text("x,y\n" + "0.125,0.5\n" * rows)
    assert big_csv.stat().st_size > MAX_UPLOAD_BYTES
    js(duo, "document.querySelector('.dl-own').closest('details') && "
            "(document.querySelector('.dl-own').closest('details').open = true)")
    _pick(duo, own_problem.UPLOAD, big_csv)
    message = wait_until(lambda: _text(duo, own_problem.DATA_MSG), 10, what="the data file's message")
    assert "huge.csv" in message and "data files are at most 1000 kB (MAX_UPLOAD_BYTES)" in message, message
    assert "The current view is kept." in message

    big_json = tmp_path / "huge.json"
    big_json.write_text('{"steps": 10, "pad": "' + "x" * (MAX_UPLOAD_BYTES + 10) + '"}')
    _pick(duo, ids.LOAD_SETTINGS, big_json)
    message = wait_until(lambda: _text(duo, ids.FILE_MSG), 10, what="the settings file's message")
    assert "huge.json" in message and "settings files are at most 64 kB (MAX_SETTINGS_BYTES)" in message, message
    shot("refused")
    assert store(duo)["settings"] == before
