"""An η change must not wake the own-problem section (issue 10: every POST of the η flow costs a class's
server CPU): the data preview's server callback listens to a browser-side hash of the data, not to the
settings, and that hash (layouts/own_problem.DATA_KEY_JS, run here in node) changes only with the data.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from layouts import own_problem


def _server_callbacks(app) -> list[dict]:
    deps = json.loads(app.server.test_client().get("/_dash-dependencies").data)
    return [d for d in deps if not d.get("clientside_function")]


def test_no_server_callback_of_the_section_listens_to_the_settings():
    import app as app_module

    app = app_module.create_app()
    preview = [d for d in _server_callbacks(app) if own_problem.PREVIEW in d["output"]]
    assert len(preview) == 1
    assert [i["id"] for i in preview[0]["inputs"]] == [own_problem.DATA_SEEN]
    deps = json.loads(app.server.test_client().get("/_dash-dependencies").data)
    gate = [d for d in deps if d.get("clientside_function") and own_problem.DATA_SEEN in d["output"]]
    assert len(gate) == 1 and [i["id"] for i in gate[0]["inputs"]] == ["dl-settings"]


def _keys(calls: list) -> list:
    script = ("const window = {dash_clientside: {no_update: 'NO_UPDATE'}};\n"
              f"const key = {own_problem.DATA_KEY_JS.strip()};\n"
              f"console.log(JSON.stringify({json.dumps(calls)}.map(([s, seen]) => key(s, seen))));")
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_data_hash_changes_with_the_data_only():
    data = "x,y\n0.1,0\n0.9,1\n"
    base = {"problem": "data", "data": data, "optimizers": ["gd:eta=0.5"]}
    first, same_data, other_data, no_data = _keys([[base, None], [{**base, "optimizers": ["gd:eta=0.1"]}, None],
                                                   [{**base, "data": data + "0.5,1\n"}, None],
                                                   [{"problem": "rosenbrock"}, None]])
    assert isinstance(first, str) and first == same_data != other_data
    assert no_data == "NO_UPDATE"  # the store starts as null: a page without data sends nothing
    # what the page does: the store holds the last key; an η change (same data) sends nothing
    again, switched, hostile, empty = _keys([[{**base, "optimizers": ["gd:eta=0.2"]}, first],
                                             [{"problem": "rosenbrock"}, first],
                                             [{"problem": "data", "data": {"nested": [1, None]}}, None], [None, None]])
    assert again == "NO_UPDATE" and switched is None and isinstance(hostile, str) and empty == "NO_UPDATE"
