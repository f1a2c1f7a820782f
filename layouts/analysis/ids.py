"""Component ids of the analysis lab (kept beside its code; all start with dl-an-)."""

SECTION = "dl-an"
SUMMARY = "dl-an-summary"  # the card's <summary>: its clicks open and close the card
KIND = "dl-an-kind"  # sweep | map | basin
OPTS = "dl-an-opts"  # which of the main view's optimizers (checklist of their indices)
SWEEP_RANGE = "dl-an-sweep-range"  # "LO:HI:N[:log]" for η
AXIS1 = "dl-an-axis1"  # "NAME=LO:HI:N[:log]"
AXIS2 = "dl-an-axis2"
GRID = "dl-an-grid"
STEPS = "dl-an-steps"
METRIC = "dl-an-metric"
RUN = "dl-an-run"
CANCEL = "dl-an-cancel"
PROGRESS = "dl-an-progress"
PROGRESS_WRAP = "dl-an-progress-wrap"
MSG = "dl-an-msg"
JOB = "dl-an-job"  # store: the checked request + what it was computed for (problem, start, sources)
SHOWN = "dl-an-shown"  # store: the job whose figures are on screen (clicks are read against it)
GRAPH = "dl-an-graph"
GRAPH2 = "dl-an-graph2"  # the second basin map (GD vs momentum side by side)
CONTROLS = "dl-an-controls"
CSV = "dl-an-csv"  # button: the shown map as CSV
DOWNLOAD = "dl-an-download"
VIEW_FEED = "dl-an-view-feed"  # store: the main view's settings, passed on only when they ask for a new analysis
FOLLOW_FEED = "dl-an-follow-feed"  # store: the main view's settings, passed on only while a sweep or map is shown
MARKS = "dl-an-marks"  # store: what the "current" markers of the shown sweep or map need (logic.marks)
