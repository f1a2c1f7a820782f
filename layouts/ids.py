"""Every component id of the page, in one place (STYLE.md). Pattern-matching ids are built by helpers.

Stores (per browser tab, never on the server):
  SETTINGS  the page state (scenarios.settings dict); the single source of truth
  REVISION  bumped by whoever replaces SETTINGS from outside the controls (scenario, link, file,
            contour click): the control panel is re-rendered from SETTINGS when it changes
  DRAWN     small key of what the figures were built for (problem, dims, mode, runs, specs)
  TRAJ      compact per-step trajectory data drawn by the browser (figures.payload)
  LIVE      Live-mode state: checkpoints of the engine, specs of the last chunk
  STEP      the playback step (written by assets/descent.js via set_props; read as State only)
"""

SETTINGS = "dl-settings"
REVISION = "dl-revision"
DRAWN = "dl-drawn"
TRAJ = "dl-traj"
TRAJ0 = "dl-traj0"  # the first view's payload, in the layout; copied into TRAJ once on load (descent.js: boot)
SURFACE0 = "dl-surface0"  # the first view's 3-D surface: drawn once the contour map shows its paths
LIVE = "dl-live"
STEP = "dl-step"
CONTROLS_SIG = "dl-controls-sig"

CONTROLS = "dl-controls"  # container re-rendered from SETTINGS
ADD_CHOICE = "dl-add-choice"
ADD = "dl-add"
STATUS = "dl-status"  # notices and divergence messages
TABLE = "dl-table"
INSPECTOR = "dl-inspector"
INSPECT = "dl-inspect"

SURFACE = "dl-surface"
CONTOUR = "dl-contour"
LOSS = "dl-loss"
ETA = "dl-eta"
PARAMS = "dl-params"
FIT = "dl-fit"
FIGURES = (SURFACE, CONTOUR, LOSS, ETA, PARAMS, FIT)

# playback bar (plain DOM driven by assets/descent.js: no server callback listens to these)
PLAY = "dl-play"
BACK = "dl-back"
FORWARD = "dl-forward"
RESET = "dl-reset"
SPEED = "dl-speed"
SCRUB = "dl-scrub"
STEP_LABEL = "dl-step-label"

LIVE_TOGGLE = "dl-live-toggle"
LIVE_EXIT = "dl-live-exit"
LIVE_TICK = "dl-live-tick"
LIVE_LABEL = "dl-live-label"
NOOP = "dl-noop"  # benchmark: a do-nothing server round trip on the same page
NOOP_OUT = "dl-noop-out"


def hp(kind: str, opt: int, name: str) -> dict:
    """Per-optimizer hyperparameter control: kind in box, slider, bool, choice."""
    return {"type": f"hp-{kind}", "opt": opt, "name": name}


def opt_ctl(kind: str, opt: int) -> dict:
    """Per-optimizer control without a name: sched, batch, batch-k, rm, dup, preview."""
    return {"type": kind, "opt": opt}


def sched_param(opt: int, name: str) -> dict:
    return {"type": "sched-p", "opt": opt, "name": name}


def glob(name: str) -> dict:
    """Global control: problem, steps, convention, shuffle, seed, mode, dim0, dim1, starts."""
    return {"type": "g", "name": name}


def start(i: int) -> dict:
    return {"type": "start", "i": i}


def msg(key: str) -> dict:
    """The message beside a control ('' when the value is fine)."""
    return {"type": "msg", "key": key}

# scenarios (layouts/scenario_ui.py)
SCENARIO = "dl-scenario"  # the picker
SCENARIO_PREV = "dl-scenario-prev"
SCENARIO_NEXT = "dl-scenario-next"
PRESENT = "dl-present"
SCENARIO_CARD = "dl-scenario-card"
SCENARIO_TEXT = "dl-scenario-text"
GUESS_PANEL = "dl-guess"
GUESS_W = "dl-guess-w"
GUESS_B = "dl-guess-b"
GUESS_LOSS = "dl-guess-loss"
GUESS_FIT = "dl-guess-fit"
GUESS_TABLE = "dl-guess-table"
QUIZ_PANEL = "dl-quiz"
QUIZ_REVEAL = "dl-quiz-reveal"

# share and export (layouts/share.py)
URL = "dl-url"  # dcc.Location: the query string carries every setting
LINK_QUERY = "dl-link-query"  # the address's query as the browser last reported it
LINK_OPENED = "dl-link-opened"  # True once the address has been turned into SETTINGS
LINK_NOTICE = "dl-link-notice"  # yellow bar: what a link got wrong and what was used instead
LINK_NOTICE_BODY = "dl-link-notice-body"
LINK_NOTICE_CLOSE = "dl-link-notice-close"
COPY_LINK = "dl-copy-link"
LINK_BOX = "dl-link-box"  # read-only text box with the link (selected when the clipboard is refused)
COPY_FEEDBACK = "dl-copy-feedback"
SAVE_SETTINGS = "dl-save-settings"
SETTINGS_DOWNLOAD = "dl-settings-download"
LOAD_SETTINGS = "dl-load-settings"  # dcc.Upload
FILE_MSG = "dl-file-msg"
EXPORT_FORMAT = "dl-export-format"
EXPORT_OPTIONS = "dl-export-options"  # pop-over with plot, scale, theme
EXPORT_PLOT = "dl-export-plot"
EXPORT_PLOT_WRAP = "dl-export-plot-wrap"
EXPORT_SCALE = "dl-export-scale"
EXPORT_SCALE_WRAP = "dl-export-scale-wrap"
EXPORT_THEME = "dl-export-theme"
EXPORT_THEME_WRAP = "dl-export-theme-wrap"
EXPORT = "dl-export"
EXPORT_MSG = "dl-export-msg"
EXPORT_DOWNLOAD = "dl-export-download"
EXPORT_PROGRESS_WRAP = "dl-export-progress-wrap"  # shown while an export job runs: bar, stage, Cancel
EXPORT_PROGRESS = "dl-export-progress"  # html.Progress
EXPORT_STAGE = "dl-export-stage"  # "rendering frame 12/60"
EXPORT_CANCEL = "dl-export-cancel"
