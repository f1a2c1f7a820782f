"""The analysis lab on the page: η sweeps, hyperparameter maps and basin maps (see analysis/)."""
