"""Component ids of the analysis lab (kept beside its code; all start with dl-an-)."""

SECTION = "dl-an"
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
