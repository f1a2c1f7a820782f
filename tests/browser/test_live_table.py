"""D8 in headless Chromium: while Live runs, the comparison table shows the live runs' numbers and they change
with every chunk; on exit the normal table of the current settings is back."""

from __future__ import annotations

import time

from app import create_app

from .conftest import js, path_xy, severe_logs, wait_until

TABLE_JS = """
    const box = document.getElementById('dl-table');
    const rows = [...box.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map(td => td.textContent));
    const caption = box.querySelector('.dl-live-step');
    return {rows: rows, caption: caption ? caption.textContent : null, text: box.textContent};
"""


def table(duo) -> dict:
    return js(duo, TABLE_JS)


def test_the_table_follows_the_live_runs_and_comes_back_on_exit(dash_duo):
    dash_duo.start_server(create_app())
    wait_until(lambda: len(path_xy(dash_duo)) >= 3, 60, what="the first paths")
    normal = wait_until(lambda: table(dash_duo)["rows"] and table(dash_duo), 30, what="the normal table")
    assert normal["caption"] is None and len(normal["rows"]) == 3

    dash_duo.find_element("#dl-live-toggle").click()
    seen = []  # (step caption, final-loss column) as the chunks arrive

    def another_chunk():
        now = table(dash_duo)
        if now["caption"] and (not seen or now["caption"] != seen[-1][0]):
            seen.append((now["caption"], [row[1] for row in now["rows"]]))
        return len(seen) >= 4

    wait_until(another_chunk, 60, 0.05, what="four live chunks in the table")
    steps = [int(caption.split("after ")[1].split(" ")[0].replace(",", "")) for caption, _ in seen]
    assert steps == sorted(steps) and len(set(steps)) == 4, seen
    assert len({tuple(losses) for _, losses in seen}) >= 3, f"the live numbers did not change: {seen}"
    assert all(len(losses) == 3 for _, losses in seen)

    dash_duo.find_element("#dl-live-toggle").click()  # pause: the numbers stay
    time.sleep(1.0)
    paused = table(dash_duo)
    time.sleep(1.0)
    assert table(dash_duo)["caption"] == paused["caption"]

    dash_duo.find_element("#dl-live-exit").click()
    wait_until(lambda: table(dash_duo)["caption"] is None and len(table(dash_duo)["rows"]) == 3, 30,
               what="the normal table after exit")
    assert table(dash_duo)["rows"] == normal["rows"]  # the same settings: the same numbers as before Live
    assert severe_logs(dash_duo) == [], "the browser console logged errors"
