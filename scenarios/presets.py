"""The course's demos as scenarios: declarative presets, one entry each.

A scenario is data: the settings it loads (problem, optimizers with their hyperparameters, schedule
and batch mode, start, steps, view), a short explanation in our own words with the update equations
(MathJax), and "what to notice". tests/test_scenarios.py checks each claim numerically, so a scenario
can never silently stop showing what it says. Adding a scenario = adding one `Scenario(...)` below.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .settings import defaults, load_settings

GROUPS = ("Basics", "Momentum", "Stochastic", "Learning rates", "Adaptive methods", "Choosing", "Analysis")


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    group: str
    settings: dict  # merged over the problem's defaults
    explanation: str  # Markdown; $$…$$ and $…$ render with MathJax
    notice: str  # what to notice
    source: str = ""  # where in the course material
    view: dict = field(default_factory=dict)  # merged into settings["view"]

    def full_settings(self) -> dict:
        problem = self.settings.get("problem")
        base = defaults(None if problem == "custom" else problem)  # a typed loss brings its own start
        merged = {**base, **copy.deepcopy(self.settings)}
        merged["view"] = {**base["view"], **self.settings.get("view", {}), **self.view}
        settings, _ = load_settings(merged, strict=True)
        return settings

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "group": self.group, "source": self.source}


GD_EQ = r"$$\theta_{t+1} = \theta_t - \eta\,\nabla L(\theta_t)$$"
MOMENTUM_EQ = r"$$v_t = \gamma\, v_{t-1} + \eta\,\nabla L(\theta_t), \qquad \theta_{t+1} = \theta_t - v_t$$"
NAG_EQ = (r"$$\theta_{look} = \theta_t - \gamma v_{t-1},\quad v_t = \gamma v_{t-1} + \eta\,\nabla L(\theta_{look}),"
          r"\quad \theta_{t+1} = \theta_t - v_t$$")
ADAGRAD_EQ = r"$$v_t = v_{t-1} + g_t^2, \qquad \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{v_t + \epsilon}}\, g_t$$"
RMSPROP_EQ = (r"$$v_t = \beta v_{t-1} + (1-\beta) g_t^2, \qquad "
              r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{v_t + \epsilon}}\, g_t$$")
ADAM_EQ = (r"$$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$$"
           r"$$\hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t},\quad "
           r"\theta_{t+1} = \theta_t - \frac{\eta\,\hat m_t}{\sqrt{\hat v_t + \epsilon}}$$")
SIGMOID_LOSS = (r"$$f(x) = \sigma(wx + b) = \frac{1}{1 + e^{-(wx+b)}}, \qquad "
                r"L(w, b) = \sum_i \tfrac12\,(y_i - f(x_i))^2$$")

ARMIJO_EQ = (r"$$\eta \leftarrow \eta_0;\quad \text{while } L(\theta - \eta g) > L(\theta) - c\,\eta\,\|g\|^2:"
             r"\ \eta \leftarrow \tfrac12 \eta;\qquad \theta \leftarrow \theta - \eta g$$")
QHM_EQ = (r"$$b_t = \beta b_{t-1} + (1-\beta) g_t,\qquad "
          r"\theta_{t+1} = \theta_t - \eta\left((1-\nu)\, g_t + \nu\, b_t\right)$$")
SPARSE = {"problem": "sigmoid-sparse", "start": [-2.0, -4.0]}
VALLEY = {"problem": "sigmoid-valley"}

SCENARIOS: tuple[Scenario, ...] = (
    # ------------------------------------------------------------------ basics
    Scenario(
        "guess-parameters", "Guess the parameters", "Basics",
        {"problem": "sigmoid-2pt", "optimizers": ["gd:eta=1"], "steps": 0, "start": [0.5, 0.0]},
        "Two points, $(0.5, 0.2)$ and $(2.5, 0.9)$, and a neuron with two knobs, $w$ and $b$. "
        "Type a guess and see how far the sigmoid passes from the points; the loss adds up the "
        "squared misses." + SIGMOID_LOSS,
        "Each row of the course's guess table is a little better than the last — but guessing gives "
        "no hint which way to turn the knobs. That is what the gradient will give us.",
        "slides 001: Learning parameters — guess work", view={"mode": "guess", "panels": ["fit"]}),
    Scenario(
        "error-surface", "The error surface and gradient descent", "Basics",
        {"problem": "sigmoid-2pt", "optimizers": ["gd:eta=1"], "steps": 400, "start": [-2.0, -2.0]},
        "Plot the loss for every $(w, b)$ in $[-6, 6]^2$ and the guessing game becomes a walk on a "
        "landscape. Gradient descent takes a step against the slope:" + GD_EQ,
        "From (−2, −2) the surface is almost flat: for the first sixty or so steps the loss barely "
        "moves. Then the path reaches the cliff and drops to the minimum in a few dozen steps.",
        "slides 001: gradient descent on the error surface", view={"panels": ["loss"]}),
    Scenario(
        "contour-quiz", "Reading contours: guess the 3-D surface", "Basics",
        {"problem": "himmelblau", "optimizers": ["gd:eta=0.01"], "steps": 0},
        "A contour line joins points of equal loss — horizontal slices of the surface seen from "
        "above. Where lines crowd together the surface is steep; where they spread out it is flat.",
        "Pick the 3-D surface that matches the contour map, then reveal. Check the spacing: dense "
        "lines where the gradient is large, sparse lines on the flat parts.",
        "slides 001: contours — guess the 3d surface",
        view={"mode": "quiz", "quiz": {"answer": "himmelblau",
                                       "choices": ["bowl", "himmelblau", "saddle", "rosenbrock"]}}),
    # ------------------------------------------------------------------ momentum
    Scenario(
        "gd-vs-momentum", "Momentum escapes the plateau", "Momentum",
        {"problem": "sigmoid-2pt", "optimizers": ["gd:eta=1", "momentum:eta=1,gamma=0.9"], "steps": 200},
        "On a gentle slope the gradient is tiny, so gradient descent crawls. Momentum keeps a "
        "running sum of past updates, so repeated small pushes in the same direction add up:"
        + MOMENTUM_EQ,
        "Momentum leaves the plateau sooner and reaches a loss of 1e-3 some 35 steps before plain GD.",
        "slides 001: momentum based gradient descent"),
    Scenario(
        "momentum-valley", "The momentum valley: u-turns, and it still wins", "Momentum",
        {**VALLEY, "optimizers": ["gd:eta=1", "momentum:eta=1,gamma=0.9"], "steps": 100},
        "These points make a long, narrow valley. Momentum builds up speed along it, overshoots "
        "across the valley floor, turns round, overshoots again…" + MOMENTUM_EQ,
        "After 100 steps momentum is at a loss below 1e-4 despite its u-turns, while gradient "
        "descent is still above 0.1 — the course's slide shows 0.00001 against 0.36.",
        "slides 001: momentum — oscillations in the minima valley", view={"panels": ["loss"]}),
    Scenario(
        "nag-vs-momentum", "NAG: look before you leap", "Momentum",
        {**VALLEY, "optimizers": ["momentum:eta=1,gamma=0.9", "nag:eta=1,gamma=0.9"], "steps": 100},
        "Momentum will move by at least $\\gamma v_{t-1}$ anyway, so Nesterov's method measures the "
        "gradient there — at the look-ahead point — and corrects course before it overshoots:"
        + NAG_EQ,
        "NAG's look-ahead points (drawn hollow) see the far wall of the valley coming: its "
        "oscillations are smaller and it makes fewer u-turns than momentum.",
        "slides 001: Nesterov accelerated gradient descent", view={"lookahead": True}),
    # ------------------------------------------------------------------ stochastic
    Scenario(
        "stochastic-vs-full", "Stochastic vs full-batch gradient descent", "Stochastic",
        {**VALLEY, "optimizers": ["gd:eta=1", "gd:eta=1|batch=stochastic", "gd:eta=1|batch=minibatch:2"],
         "steps": 300},
        "Full batch sums the gradient over all N points before one update; stochastic GD updates "
        "after every single point, mini-batch after every B points. One epoch is one pass over the "
        "data: 1, N and N/B updates respectively.",
        "The stochastic path zig-zags and its loss often goes up — each of the 3 points pulls the "
        "parameters its own way — while full-batch GD's loss only goes down. Count the epochs: in "
        "300 updates full batch does 300 epochs, mini-batches of 2 do 150, stochastic GD 100.",
        "slides 001: stochastic and mini-batch gradient descent", view={"panels": ["loss"], "x_axis": "epoch"}),
    Scenario(
        "minibatch-size", "Mini-batches: more points, less noise", "Stochastic",
        {**SPARSE, "optimizers": ["gd:eta=0.25|batch=minibatch:2", "gd:eta=0.05|batch=minibatch:10",
                                  "gd:eta=0.01|batch=minibatch:50"], "steps": 1000},
        "A mini-batch gradient is an estimate of the full gradient from B points — like estimating "
        "P(heads) from B coin tosses instead of one. The larger B, the better the estimate. Our "
        "gradients are sums over the batch, so η·B is kept at 0.5: the same step for the same "
        "average gradient.",
        "With B = 2 the loss goes up at almost every fifth update; with B = 10 far less often; with "
        "B = 50 it goes down smoothly.",
        "slides 001: mini-batch gradient descent, k = 2", view={"panels": ["loss"]}),
    Scenario(
        "stochastic-momentum-nag", "Stochastic momentum and NAG", "Stochastic",
        {**VALLEY, "optimizers": ["gd:eta=1|batch=stochastic", "momentum:eta=1,gamma=0.9|batch=stochastic",
                                  "nag:eta=1,gamma=0.9|batch=stochastic"], "steps": 300},
        "Momentum and NAG work with any gradient estimate, including one point at a time.",
        "Both still oscillate, but after 60 updates they are far below plain stochastic GD; NAG's "
        "u-turns are shorter: its loss climbs back up far less than momentum's.",
        "slides 001: stochastic momentum and NAG", view={"panels": ["loss"]}),
    # ------------------------------------------------------------------ learning rates
    Scenario(
        "too-large-eta", "Too large a learning rate", "Learning rates",
        {**VALLEY, "optimizers": ["gd:eta=1", "gd:eta=10"], "steps": 200},
        "Why not escape the plateau with a big $\\eta$? Because $\\eta$ multiplies every gradient, "
        "the small ones on the plateau and the large ones on the cliff alike." + GD_EQ,
        "With η = 10 the steps across the narrow valley are far too long: the path bounces from "
        "wall to wall, its loss goes up and down, and after 200 steps it is still near 0.2 while "
        "η = 1 has crept down steadily.",
        "slides 001: tips for adjusting the learning rate", view={"panels": ["loss"]}),
    Scenario(
        "diverging-eta", "…and a larger one diverges", "Learning rates",
        {"problem": "bowl", "optimizers": ["gd:eta=0.5", "gd:eta=1.9", "gd:eta=2.1"], "steps": 60},
        "On the bowl $L = \\tfrac12(x^2 + y^2)$ a GD step multiplies the distance to the minimum by "
        "$1 - \\eta$. Below $\\eta = 1$ it shrinks smoothly; between 1 and 2 it flips sign each step "
        "but still shrinks; above 2 it grows.",
        "η = 1.9 zig-zags into the minimum; η = 2.1 zig-zags out and is stopped with a "
        "'diverged' marker once its loss passes 1e6 — never clipped to look finite.",
        "slides 001: learning rate too large"),
    Scenario(
        "finding-eta", "Finding a learning rate: a log grid, then a finer one", "Learning rates",
        {**SPARSE, "optimizers": ["gd:eta=0.0001", "gd:eta=0.001", "gd:eta=0.01", "gd:eta=0.1", "gd:eta=1",
                                  "gd:eta=0.5", "gd:eta=2", "gd:eta=3"], "steps": 5},
        "Run a few epochs with η = 0.0001, 0.001, 0.01, 0.1, 1.0, pick the best, then try values "
        "around it. A heuristic, not a law — but it finds a good η in a handful of short runs.",
        "After 5 epochs η = 1 wins the coarse grid by far (the small rates have hardly moved); on the "
        "finer grid around it η = 0.5 does better still, while 2 and 3 overshoot.",
        "slides 001: tips for the initial learning rate", view={"panels": ["loss"]}),
    Scenario(
        "step-decay", "Step decay and halve-on-increase", "Learning rates",
        {**VALLEY, "optimizers": ["gd:eta=10", "gd:eta=10|schedule=step:drop=0.5,every=50",
                                  "gd:eta=10|schedule=halve-on-increase"], "steps": 300},
        "Annealing: start with a large η to travel fast, shrink it to settle. Step decay halves η "
        "every few epochs (here 50; one epoch = one full-batch update); halve-on-increase halves it "
        "only after an epoch that made the loss worse.",
        "With a constant η = 10 the path keeps bouncing across the valley. Step decay halves η at "
        "steps 50, 100, 150, …; halve-on-increase halves it only the few times the loss went up — "
        "both settle at the bottom.",
        "slides 001: tips for annealing the learning rate", view={"panels": ["loss", "eta"]}),
    Scenario(
        "exp-and-1t-decay", "Exponential and 1/t decay", "Learning rates",
        {**VALLEY, "optimizers": ["gd:eta=10", "gd:eta=10|schedule=exponential:k=0.01",
                                  "gd:eta=10|schedule=inverse-time:k=0.05"], "steps": 300},
        r"$$\eta_t = \eta_0 e^{-kt} \qquad\qquad \eta_t = \frac{\eta_0}{1 + kt}$$"
        "Two smooth ways to shrink η: exponential decay forgets η₀ fast, 1/t decay slowly.",
        "η follows the two formulas exactly; where the constant η = 10 keeps bouncing across the "
        "valley, both decaying rates calm the path down and reach the bottom.",
        "slides 001: exponential and 1/t decay", view={"panels": ["loss", "eta"]}),
    Scenario(
        "sutskever-momentum", "The momentum schedule of Sutskever et al.", "Learning rates",
        {"problem": "sigmoid-2pt", "optimizers": ["momentum:eta=1,gamma=0.9",
                                                  "momentum:eta=1,gamma=0.99,gamma_schedule=sutskever"],
         "steps": 1000},
        r"$$\gamma_t = \min\left(1 - 2^{-1-\log_2(\lfloor t/250 \rfloor + 1)},\ \gamma_{max}\right)$$"
        "Start with little momentum and raise it in stages: γ = 0.5 for the first 250 updates, "
        "0.75 until 500, 0.875 until 1000, …, never above γ_max.",
        "γ steps up every 250 updates (0.5, 0.75, 0.8333…): the scheduled run starts cautiously "
        "and speeds up later.",
        "slides 001: tips for momentum"),
    # ------------------------------------------------------------------ adaptive methods
    Scenario(
        "sparse-features", "Sparse features: who moves w?", "Adaptive methods",
        {**SPARSE, "optimizers": ["gd:eta=0.02", "momentum:eta=0.02,gamma=0.9", "nag:eta=0.02,gamma=0.9",
                                  "adagrad:eta=0.1"], "steps": 60},
        "80 of the 100 points have x = 0, so $\\partial L/\\partial w = \\sum (f-y) f (1-f)\\, x$ "
        "gets almost nothing, while $\\partial L/\\partial b$ gets a term from every point. "
        "AdaGrad divides each parameter's step by the root of its own squared-gradient history:"
        + ADAGRAD_EQ,
        "GD, momentum and NAG first travel almost straight along b. AdaGrad gives the rarely "
        "updated w a large effective learning rate and moves it much further.",
        "slides 001: AdaGrad; notes 000", view={"panels": ["params", "lr"]}),
    Scenario(
        "adagrad-stalls", "AdaGrad stalls near the minimum", "Adaptive methods",
        {**SPARSE, "optimizers": ["adagrad:eta=0.1"], "steps": 1000},
        "AdaGrad's denominator only grows. The frequently updated parameter b collects squared "
        "gradients fastest, so its effective learning rate $\\eta/\\sqrt{v_b+\\epsilon}$ decays fastest.",
        "The effective learning rate of b (lower panel) falls far below that of w and the path "
        "creeps in the b direction near the end.",
        "slides 001: AdaGrad's flip side", view={"panels": ["loss", "lr"]}),
    Scenario(
        "rmsprop-vs-adagrad", "RMSProp keeps moving where AdaGrad stalls", "Adaptive methods",
        {**SPARSE, "optimizers": ["adagrad:eta=0.1", "rmsprop:eta=0.1,beta=0.9",
                                  "rmsprop:eta=0.01,beta=0.9", "rmsprop:eta=0.5,beta=0.9"], "steps": 1000},
        "RMSProp replaces AdaGrad's growing sum by a decaying average, so old gradients are "
        "forgotten and the denominator stops growing:" + RMSPROP_EQ,
        "RMSProp (β = 0.9, η = 0.1) gets lower than AdaGrad; changing η₀ changes its path a lot "
        "(0.01 crawls, 0.5 rattles) — RMSProp is still sensitive to η₀.",
        "slides 001: RMSProp; notes 003", view={"panels": ["loss", "lr"]}),
    Scenario(
        "adadelta", "AdaDelta: no learning rate to tune", "Adaptive methods",
        {"problem": "sigmoid-2pt", "optimizers": ["adadelta:eta=1,beta=0.95"], "steps": 1500, "start": [-2.0, -2.0]},
        r"$$\Delta\theta_t = -\frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,\quad "
        r"u_t = \beta u_{t-1} + (1-\beta)\Delta\theta_t^2$$"
        "AdaDelta replaces η by the RMS of its own past updates. The ratio has the units of θ, "
        "so the step does not depend on the scale of the loss.",
        "The first step has size √(ε/(1−β)) whatever the gradient's size; the steps then grow as the "
        "history of updates builds up.",
        "notes 003: AdaDelta", view={"panels": ["loss", "lr"]}),
    Scenario(
        "adam-bias-correction", "Adam with and without bias correction", "Adaptive methods",
        {"problem": "sigmoid-2pt", "optimizers": ["adam:eta=0.1", "adam:eta=0.1,bias_correction=off"],
         "steps": 200},
        ADAM_EQ + "Without the correction the first averages are biased towards 0: "
        "$m_1 = (1-\\beta_1)g_1$ and $v_1 = (1-\\beta_2)g_1^2$.",
        "The corrected first step has size η (m̂₁/√v̂₁ = ±1); the uncorrected one is up to "
        "η·(1−β₁)/√(1−β₂) ≈ 3.16 η (about 2.7–2.9 η here, where the tiny plateau gradient makes ε "
        "count) — the two paths part at the very first step.",
        "slides 001: Adam; why bias correction", view={"panels": ["params", "state"]}),
    Scenario(
        "why-bias-correction", "Why bias correction: E[m̂] = E[g]", "Adaptive methods",
        {"problem": "sigmoid-2pt", "optimizers": ["adam:eta=0.0001"], "steps": 60},
        r"$$m_t = (1-\beta)\sum_{i=1}^t \beta^{t-i} g_i \;\Rightarrow\; E[m_t] = (1-\beta^t)\,E[g]$$"
        "With a tiny η the point barely moves, so the gradient stream is nearly constant: "
        "a clean test of the running average.",
        "m creeps up as (1 − 0.9ᵗ)·g while m̂ = m/(1 − 0.9ᵗ) equals g from the first step.",
        "slides 001: explanation for why we need bias correction", view={"panels": ["state"]}),
    Scenario(
        "adamax-vs-adam", "AdaMax: the L∞ norm keeps the step steady", "Adaptive methods",
        {"problem": "sparse-stream", "optimizers": ["adam:eta=0.1|batch=stochastic",
                                                    "adamax:eta=0.1|batch=stochastic"], "steps": 100, "start": [0.0]},
        r"$$u_t = \max(\beta_2 u_{t-1},\ |g_t|), \qquad "
        r"\theta_{t+1} = \theta_t - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}$$"
        "A rare feature: the gradient is 1 in every tenth round and 0 in between. Adam's "
        "bias-corrected $\\hat v$ sinks during every run of zeros; AdaMax's max-norm $u$ only decays "
        "by $\\beta_2$ per round.",
        "Adam's effective learning rate η/√v̂ saw-tooths (0.1 → 0.32 → 0.24 → …); AdaMax's η/u stays "
        "at 0.1 to within 1%.",
        "notes 003: Lp norms and AdaMax", view={"panels": ["lr"]}),
    Scenario(
        "nadam", "NAdam vs Adam vs NAG", "Adaptive methods",
        {**VALLEY, "optimizers": ["nag:eta=1,gamma=0.9", "adam:eta=0.1", "nadam:eta=0.1"], "steps": 200},
        r"$$\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t + \epsilon}}\left(\frac{\beta_1 m_t}{1-\beta_1^{t+1}}"
        r" + \frac{(1-\beta_1) g_t}{1-\beta_1^t}\right)$$"
        "NAdam puts Nesterov's look-ahead into Adam: instead of the current momentum it uses the "
        "momentum one step ahead.",
        "NAdam takes nearly Adam's route but gets to a loss of 1e-3 about 20 steps sooner and ends "
        "lower; NAG with γ = 0.9 is fastest of the three on this valley.",
        "notes 003: NAdam", view={"panels": ["loss"]}),
    Scenario(
        "adam-may-not-converge", "Adam may not converge (Reddi et al. 2018)", "Adaptive methods",
        {"problem": "reddi", "optimizers": ["adam:eta=0.5,beta1=0,beta2=0.1|batch=stochastic|schedule=warmup:steps=1",
                                            "amsgrad:eta=0.5,beta1=0,beta2=0.1|batch=stochastic|schedule=warmup:steps=1"],
         "steps": 3000, "start": [0.0]},
        "Online losses $f_t(x) = 3x$ every third round and $-x$ otherwise, $x \\in [-1, 1]$: "
        "the best fixed point is $x = -1$. With $\\beta_1 = 0$, $\\beta_2 = 1/(1+C^2) = 0.1$ and "
        "$\\eta_t = 0.5/\\sqrt{t+1}$, Adam forgets the rare large gradient within a step while "
        "the frequent small ones keep pushing. AMSGrad keeps the maximum of $v$:"
        r"$$v^{max}_t = \max(v^{max}_{t-1}, v_t)$$",
        "Adam's x goes to +1 — the worst point — and stays; AMSGrad's goes to −1.",
        "slides 001: 'some recent work suggests a problem with Adam'", view={"panels": ["params"]}),
    Scenario(
        "sparse-4d", "The 4-input neuron: one learning rate per weight", "Adaptive methods",
        {"problem": "sigmoid-sparse-4d", "optimizers": ["gd:eta=0.02", "adagrad:eta=0.1"], "steps": 200},
        "With four inputs the gradient for weight $w^j$ is $\\sum (f-y) f (1-f)\\, x^j$: a feature "
        "that is usually 0 gives its weight few updates. AdaGrad keeps one accumulator per weight.",
        "AdaGrad's effective learning rates are largest for the sparsest features (x4, x3) and "
        "smallest for the dense x1 and for b.",
        "notes 000; slides 001: adaptive learning rate", view={"panels": ["lr", "params"], "dims": [0, 4]}),
    Scenario(
        "cyclic-schedules", "Cyclic, cosine, warm restarts and warm-up, side by side", "Learning rates",
        {"problem": "sigmoid-2pt", "optimizers": ["gd:eta=0.5|schedule=triangular:eta_max=4,step_size=50",
                                                  "gd:eta=4|schedule=cosine:eta_min=0",
                                                  "gd:eta=4|schedule=warm-restarts:t0=100,t_mult=2,eta_min=0",
                                                  "gd:eta=4|schedule=warmup:steps=100"], "steps": 400},
        "Schedules from the notes: a triangle between η₀ and η_max, half a cosine down to η_min, "
        "cosines that restart, and a linear warm-up followed by 1/√t decay.",
        "Each η curve follows its formula: the triangle peaks every 100 steps, the restarts come "
        "at 100 and 300, the warm-up peaks at step 100.",
        "notes 003: learning rate schedules", view={"mode": "side", "panels": ["eta"]}),
    # ------------------------------------------------------------------ choosing
    Scenario(
        "which-optimizer", "Which optimizer? Adam vs SGD + momentum with annealing", "Choosing",
        {"problem": "sigmoid-2pt", "optimizers": ["adam:eta=0.1", "momentum:eta=1,gamma=0.9|schedule=cosine:eta_min=0",
                                                  "nag:eta=1,gamma=0.9|schedule=cosine:eta_min=0"], "steps": 300},
        "Adam with its defaults is the common first choice; many papers also report SGD with "
        "(Nesterov) momentum and a simple annealing schedule doing as well.",
        "All three reach the minimum. Adam with its defaults gets there first on this toy; NAG with "
        "cosine annealing is close behind, momentum with the same schedule slower.",
        "slides 001: million dollar question", view={"panels": ["loss"]}),
    Scenario(
        "global-minimum", "Looking for the global minimum: many starts", "Choosing",
        {"problem": "himmelblau", "optimizers": ["gd:eta=0.01"], "starts": 40, "steps": 300, "start": [0.0, 0.0]},
        "Gradient descent finds the minimum of the valley it starts in. A simple answer to the "
        "forum question: start from many points and keep the best end point.",
        "The 40 starts end in all four of Himmelblau's minima (all with loss 0) — where you end "
        "depends only on where you start.",
        "forum thread 002: techniques that search for a global minimum"),
    # ------------------------------------------------------------------ analysis (many runs at once)
    Scenario(
        "eta-sweep", "Choosing η by a sweep", "Analysis",
        {"problem": "sigmoid-2pt", "optimizers": ["gd:eta=1", "gd:eta=10"], "steps": 300},
        "Instead of trying a handful of learning rates, run 41 of them at once — η from 0.01 to 100 on a "
        "log scale, 300 steps each, one batched engine call — and plot how many steps each needs to reach "
        "a loss of 1e-4. Click a point to run that η in the main view." + GD_EQ,
        "Below η ≈ 0.8 gradient descent is still crawling along the plateau after 300 steps; from η = 1 "
        "(the course's choice, 276 steps) the count drops steadily to 15 steps near η = 12; above η ≈ 25 "
        "the steps overshoot the narrow valley and most runs never settle.",
        "slides 001: tips for the initial learning rate",
        view={"analysis": {"kind": "sweep", "optimizers": ["gd"], "vary": ["eta=0.01:100:41:log"], "steps": 300}}),
    Scenario(
        "momentum-map", "Momentum's η × γ map: the fast corner and the diverging corner", "Analysis",
        {"problem": "ravine", "optimizers": ["gd:eta=0.17", "momentum:eta=0.2,gamma=0.78"], "steps": 300},
        "Every cell is one momentum run on the ravine ½(0.1x² + 10y²): η across, γ up, coloured by the "
        "steps to reach 1e-4. On a quadratic with curvature λ, momentum is stable exactly when "
        r"$$0 < \eta\lambda < 2(1 + \gamma)$$"
        "so the steep direction (λ = 10) draws the border of the diverged region.",
        "Right of the line η = 0.2(1 + γ) every run diverges (dark red): more momentum tolerates a larger η. "
        "Just left of that line, at γ ≈ 0.8, is the fast corner — under 30 steps, where the best plain "
        "gradient descent (the γ = 0 row) needs about 270.",
        "slides 001: momentum; tips for momentum",
        view={"analysis": {"kind": "map", "optimizers": ["momentum"],
                           "vary": ["eta=0.001:1:40:log", "gamma=0:0.99:34"], "steps": 300}}),
    Scenario(
        "which-minimum", "Which minimum? Basins of attraction, GD vs momentum", "Analysis",
        {"problem": "himmelblau", "optimizers": ["gd:eta=0.01", "momentum:eta=0.01,gamma=0.9"], "steps": 500},
        "Start a run from every point of a 40 × 40 grid and colour the start by the minimum it ends in: "
        "the basins of attraction. Himmelblau's four minima are equally deep, so the question of the "
        "forum thread — which minimum do I get? — is answered by where you start, and by the optimizer.",
        "Gradient descent's four basins are solid regions around their minima (neighbouring starts "
        "disagree across about 3% of the grid's edges). Momentum overshoots: its basins are frayed and "
        "interleaved, and from a third of the starts it ends in a different minimum than GD.",
        "forum thread 002: techniques that search for a global minimum",
        view={"analysis": {"kind": "basin", "optimizers": ["gd:eta=0.01", "momentum:eta=0.01,gamma=0.9"],
                           "grid": 40, "steps": 500}}),
    Scenario(
        "adam-betas", "Adam's β₁ × β₂ map", "Analysis",
        {"problem": "sigmoid-2pt", "optimizers": ["adam:eta=0.1", "adam:eta=0.1,beta1=0.99,beta2=0.5"],
         "steps": 300},
        ADAM_EQ + "Each cell is one Adam run with η = 0.1: β₁ (the memory of the gradient) across, β₂ "
        "(the memory of its square) up, coloured by the steps to reach a loss of 1e-4.",
        "For β₁ up to about 0.6 the map barely changes along β₁ (45–100 steps) and a longer β₂ memory "
        "only slows Adam down here; at β₁ = 0.99 the momentum outlasts the short second-moment memory and "
        "no run with β₂ ≤ 0.95 reaches the target in 300 steps. The usual choice (β₁ = 0.9, β₂ close to 1) "
        "takes about twice as long as the fastest cell on this toy.",
        "slides 001: Adam",
        view={"analysis": {"kind": "map", "optimizers": ["adam:eta=0.1"],
                           "vary": ["beta1=0:0.99:12", "beta2=0.5:0.9999:12"], "steps": 300}}),
    # ------------------------------------------------------------------ your own problem (DESIGN.md §7)
    Scenario(
        "line-search", "Line search vs a fixed η", "Learning rates",
        {"problem": "rosenbrock", "optimizers": ["gd:eta=0.001", "gd:eta=0.003", "gd:eta=1|schedule=armijo:c=0.5"],
         "steps": 500, "start": [-1.5, 2.0]},
        ARMIJO_EQ + "Instead of fixing η, backtracking tries η₀ at every update and halves it until the "
        "loss falls by at least $c$ times what the gradient promises (Armijo's condition). Each halving costs "
        "one more evaluation of the loss.",
        "On Rosenbrock's banana a fixed η must be found by trial: 0.001 is still above a loss of 4 after 500 "
        "steps, 0.003 diverges within five. The line search starts every update at η₀ = 1, lowers the loss "
        "at every step and ends below 1e-8; the η it accepts (lower panel) jumps between about 0.0005 and 1, "
        "for about 8 loss evaluations per update.",
        "Armijo 1966; the LMU vistool's line search", view={"panels": ["loss", "eta"]}),
    Scenario(
        "qhm-between", "QHM: between plain SGD and momentum", "Momentum",
        {"problem": "sigmoid-2pt", "optimizers": ["gd:eta=10", "qhm:eta=10,beta=0.9,nu=0.7",
                                                  "momentum:eta=1,gamma=0.9"], "steps": 300, "start": [-2.0, -2.0]},
        QHM_EQ + "Quasi-hyperbolic momentum (Ma & Yarats 2019) steps by a weighted average of the plain "
        "gradient and a momentum buffer $b$, an average of past gradients. With $\\nu = 0$ it is gradient "
        "descent with the same η; with $\\nu = 1$ it is momentum: $\\eta b$ is the course's velocity $v$ with "
        "γ = β and a rate η(1 − β) — here exactly momentum with η = 1, γ = 0.9.",
        "QHM with ν = 0.7 sits between its two ends: it reaches a loss of 1e-3 after 25 steps, GD (ν = 0) "
        "after 15 and momentum (ν = 1) after 148 — the immediate gradient part gets it off the plateau "
        "early, the momentum part carries it on.",
        "Ma & Yarats 2019, quasi-hyperbolic momentum", view={"panels": ["loss"]}),
)

# Typed-loss scenarios: their settings carry the loss (scenarios/settings.py's problem "custom"); the page and
# the exports resolve a problem with settings.problem_of(settings).
YOUR_FUNCTION = Scenario(
    "your-function", "Your function: Rosenbrock typed in", "Basics",
    {"problem": "custom", "loss": "(1 - x)^2 + 100*(y - x^2)^2", "window": "-2:2,-1:3",
     "optimizers": ["gd:eta=0.002", "momentum:eta=0.001,gamma=0.9", "adam:eta=0.05"], "steps": 500,
     "start": [-1.5, 2.0]},
    "Type any loss $f(x, y)$ from numbers, $x$, $y$, $\\pi$, $e$, + − × ÷ and powers (** or ^) and the "
    "functions sin cos tan exp log sqrt abs tanh sinh cosh arctan sigmoid. Its gradient is worked out "
    "symbolically, so every optimizer runs on it as on the built-in surfaces.",
    "Typed in, Rosenbrock's $(1 - x)^2 + 100(y - x^2)^2$ is the built-in Rosenbrock: the same surface, "
    "the same three paths, the same losses to 12 digits.",
    "lilipads/gradient_descent_viz #10: custom functions")
USER_SCENARIOS: tuple[Scenario, ...] = (YOUR_FUNCTION,)
SCENARIOS += USER_SCENARIOS

SCENARIO_BY_ID: dict[str, Scenario] = {s.id: s for s in SCENARIOS}


def get_scenario(name: str) -> Scenario:
    from optimizers import SpecError

    try:
        return SCENARIO_BY_ID[name]
    except KeyError:
        raise SpecError(f"unknown preset {name!r} (known: {', '.join(SCENARIO_BY_ID)})") from None
