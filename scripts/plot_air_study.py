#!/usr/bin/python3
# Copyright 2026 The provi Authors.
"""Figure-7-style panels of the AIR estimator study, and its summary table.

Reads the CSV of scripts/air_study.sh (one row per training step of each
run: estimator, seed, step, seconds, objective, objective_ema, accuracy and,
on evaluation steps, the count confusion matrix) and draws four panels, one
line per estimator and seed: the objective (its moving average) and the
count accuracy, each against cumulative training seconds (log scale) and
against steps. Prints, per run, the steps and seconds to count accuracy 0.5,
0.8 and 0.9, the last accuracy and objective, and the ms per step.

  /usr/bin/python3 scripts/plot_air_study.py [--cpu] \\
      /tmp/air_study/air_study.csv docs/air_study.png

With --cpu, time is the training's CPU seconds (the cpu_seconds column:
training runs on one thread, so this is its time on an idle core, whatever
else the machine was doing); runs whose CSV has no such column are left
out.

Needs Debian's python3-matplotlib (apt-get install python3-matplotlib),
hence /usr/bin/python3 where another python3 comes first on PATH.
"""

import csv
import sys
from collections import defaultdict

ORDER = [
    "reinforce", "reinforce-baseline", "enum", "mvd", "hybrid",
    "iwae2-reinforce", "iwae2-mvd", "hybrid-iwae2", "rws10", "advised"
]


def read_runs(path, cpu=False):
    runs = defaultdict(lambda: {"train": [], "eval": []})
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["estimator"], int(row["seed"]))
            step = int(row["step"])
            if cpu and not row.get("cpu_seconds"):
                continue
            seconds = float(row["cpu_seconds"] if cpu else row["seconds"])
            if row["objective_ema"]:
                runs[key]["train"].append(
                    (step, seconds, float(row["objective_ema"])))
            if row["accuracy"]:
                runs[key]["eval"].append((step, seconds, float(row["accuracy"])))
    return runs


def first_reaching(evals, threshold):
    for step, seconds, accuracy in evals:
        if accuracy >= threshold:
            return step, seconds
    return None


def summarise(runs):
    print("estimator           seed  steps  acc(last)  objective  ms/step"
          "  steps (s) to acc 0.5 / 0.8 / 0.9")
    for key in sorted(runs, key=lambda k: (ORDER.index(k[0])
                                           if k[0] in ORDER else 99, k[1])):
        train, evals = runs[key]["train"], runs[key]["eval"]
        if not train:
            continue
        last_step, last_seconds, last_objective = train[-1]
        reached = []
        for threshold in (0.5, 0.8, 0.9):
            hit = first_reaching(evals, threshold)
            reached.append("never" if hit is None else "%d (%.0f s)" % hit)
        print("%-19s %4d  %5d  %9.3f  %9.1f  %7.0f  %s" %
              (key[0], key[1], last_step, evals[-1][2] if evals else
               float("nan"), last_objective, 1000 * last_seconds / last_step,
               " / ".join(reached)))


def plot(runs, output, cpu=False):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    colours = plt.get_cmap("tab10")
    names = [n for n in ORDER if any(k[0] == n for k in runs)]
    names += sorted({k[0] for k in runs} - set(names))
    for key in sorted(runs):
        colour = colours(names.index(key[0]) % 10)
        label = key[0] if key[1] == min(s for n, s in runs if n == key[0]) \
            else None
        train, evals = runs[key]["train"], runs[key]["eval"]
        if train:
            steps, seconds, objective = zip(*train)
            axes[0][0].plot(seconds, objective, color=colour, label=label)
            axes[0][1].plot(steps, objective, color=colour, label=label)
        if evals:
            steps, seconds, accuracy = zip(*evals)
            # Step 0 sits at 0 s, off a log axis.
            timed = [(s, a) for s, a in zip(seconds, accuracy) if s > 0]
            if timed:
                axes[1][0].plot(*zip(*timed), color=colour, marker=".",
                                label=label)
            axes[1][1].plot(steps, accuracy, color=colour, marker=".",
                            label=label)
    for row in range(2):
        axes[row][0].set_xscale("log")
        axes[row][0].set_xlabel("training CPU time (s)" if cpu
                                else "training time (s)")
        axes[row][1].set_xlabel("training steps (batch 64)")
    for column in range(2):
        axes[0][column].set_ylabel("objective per image (EMA, ~100 steps)")
        axes[1][column].set_ylabel("count accuracy (1,024 canvases)")
        axes[1][column].set_ylim(0, 1)
    for ax in axes.flat:
        ax.grid(True, alpha=0.3)
    axes[1][1].legend(loc="lower right", fontsize="small")
    fig.suptitle("AIR on 10,240 multi-object Fashion-MNIST canvases: "
                 "estimators of the z_pres gradient")
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    print("wrote", output)


def main(argv):
    cpu = "--cpu" in argv[1:]
    paths = [a for a in argv[1:] if a != "--cpu"]
    if len(paths) != 2:
        print(__doc__)
        return 1
    runs = read_runs(paths[0], cpu)
    summarise(runs)
    plot(runs, paths[1], cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
