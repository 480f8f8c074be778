#!/usr/bin/python3
# Copyright 2026 The provi Authors.
"""Extracts posteriordb posteriors and summarises their reference draws.

For each posterior named on the command line (or every one in POSTERIORS),
writes <out>/<posterior>/ with
  data.json               posteriordb's data set, unzipped, unchanged;
  posterior_info.json     posteriordb's posterior record;
  reference_summary.json  means, sds (ddof = 1) and type-7 quantiles of the
                          reference draws (all chains pooled) on the
                          constrained scale and on Stan's unconstrained
                          scale, with the unconstrained covariance.
Where the snapshot lacks the reference draws (it keeps only summary
statistics), the summary holds the means and sds those statistics give and
no quantiles, unconstrained moments or covariance.

Usage (Python 3 standard library only):
  /usr/bin/python3 make_reference.py --repo=/path/to/posteriordb.git \
      --out=examples/posteriordb_data [posterior ...]
`--repo` is a git directory of github.com/stan-dev/posteriordb (bare or
not); files are read with `git show HEAD:<path>`.
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import zipfile

DB = "posterior_database"


def _log(x):
    return math.log(x)


def _logit(x):
    return math.log(x) - math.log1p(-x)


# Stan's unconstrained coordinates, per posterior: (name, function of one
# draw, a dict of constrained values by Stan name). lower=0 -> log; a
# 2-simplex -> logit of its first element (Stan's stick breaking for K = 2);
# positive_ordered -> log of the first element and of the increments.
def _regression(dims):
    names = ["beta[%d]" % (i + 1) for i in range(dims)]
    coords = [(n, (lambda n: lambda d: d[n])(n)) for n in names]
    return coords + [("log_sigma", lambda d: _log(d["sigma"]))]


UNCONSTRAINED = {
    "arma-arma11": [
        ("mu", lambda d: d["mu"]),
        ("phi", lambda d: d["phi"]),
        ("theta", lambda d: d["theta"]),
        ("log_sigma", lambda d: _log(d["sigma"])),
    ],
    "earnings-earn_height": _regression(2),
    "earnings-logearn_interaction_z": _regression(4),
    "gp_pois_regr-gp_regr": [
        ("log_rho", lambda d: _log(d["rho"])),
        ("log_alpha", lambda d: _log(d["alpha"])),
        ("log_sigma", lambda d: _log(d["sigma"])),
    ],
    "kidiq-kidscore_momhs": _regression(2),
    "kidiq_with_mom_work-kidscore_interaction_c": _regression(4),
    "kidiq_with_mom_work-kidscore_mom_work": _regression(4),
    "mesquite-mesquite": _regression(7),
    "nes2000-nes": _regression(9),
    "sblri-blr": _regression(5),
    "hmm_example-hmm_example": [
        ("logit_theta1[1]", lambda d: _logit(d["theta1[1]"])),
        ("logit_theta2[1]", lambda d: _logit(d["theta2[1]"])),
        ("log_mu[1]", lambda d: _log(d["mu[1]"])),
        ("log_diff_mu[2]", lambda d: _log(d["mu[2]"] - d["mu[1]"])),
    ],
    # No reference draws in the snapshot: summary statistics only.
    "mcycle_gp-accel_gp": None,
}

POSTERIORS = list(UNCONSTRAINED)


class Repo:
    def __init__(self, path):
        self.path = path

    def read(self, path):
        return subprocess.run(
            ["git", "-C", self.path, "show", "HEAD:" + path],
            check=True, capture_output=True).stdout

    def json(self, path):
        return json.loads(self.read(path))

    def zipped_json(self, path):
        with zipfile.ZipFile(io.BytesIO(self.read(path))) as archive:
            names = archive.namelist()
            if len(names) != 1:
                raise ValueError("%s: expected one member, got %s" %
                                 (path, names))
            return archive.read(names[0])

    def commit(self):
        return subprocess.run(
            ["git", "-C", self.path, "rev-parse", "HEAD"], check=True,
            capture_output=True, text=True).stdout.strip()


def quantile(sorted_values, p):
    """Type-7 quantile (R's default, numpy's 'linear')."""
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] -
                                            sorted_values[lo])


def sig(x, digits=6):
    return float("%.*g" % (digits, x))


def stats(values):
    n = len(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean)**2 for v in values) / (n - 1))
    s = sorted(values)
    out = {"mean": sig(mean), "sd": sig(sd)}
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        out["q%02d" % round(100 * p)] = sig(quantile(s, p))
    return out


def covariance(columns):
    n = len(columns[0])
    means = [math.fsum(c) / n for c in columns]
    centred = [[v - m for v in c] for c, m in zip(columns, means)]
    cov = []
    for a in centred:
        cov.append([
            sig(math.fsum(x * y for x, y in zip(a, b)) / (n - 1), 12)
            for b in centred
        ])
    return cov


def summarise(repo, name):
    info = repo.json("%s/posteriors/%s.json" % (DB, name))
    mean_value = repo.json(
        "%s/reference_posteriors/summary_statistics/mean_value/mean_value/"
        "%s.json" % (DB, name))
    official = dict(zip(mean_value["names"],
                        zip(mean_value["mean_value"],
                            mean_value["mcse_mean"])))
    summary = {"posterior": name}
    try:
        chains = json.loads(repo.zipped_json(
            "%s/reference_posteriors/draws/draws/%s.json.zip" % (DB, name)))
    except subprocess.CalledProcessError:
        chains = None
    parameters = {}
    if chains is None:
        squared = repo.json(
            "%s/reference_posteriors/summary_statistics/mean_squared_value/"
            "mean_squared_value/%s.json" % (DB, name))
        draws_info = repo.json(
            "%s/reference_posteriors/draws/info/%s.info.json" % (DB, name))
        n = draws_info["diagnostics"]["ndraws"]
        summary["source"] = (
            "stan-dev/posteriordb reference_posteriors/summary_statistics "
            "(mean_value, mean_squared_value); the snapshot lacks the draws")
        summary["n_draws"] = n
        for p, m, m2 in zip(squared["names"], mean_value["mean_value"],
                            squared["mean_squared_value"]):
            variance = max(m2 - m * m, 0.0) * n / (n - 1)
            parameters[p] = {
                "mean": sig(m),
                "sd": sig(math.sqrt(variance)),
                "posteriordb_mean_value": sig(official[p][0]),
                "posteriordb_mcse_mean": sig(official[p][1]),
            }
        summary["parameters"] = parameters
        return info, summary
    names = list(chains[0].keys())
    pooled = {p: [v for chain in chains for v in chain[p]] for p in names}
    summary["source"] = (
        "stan-dev/posteriordb reference_posteriors/draws (%d chains x %d "
        "draws pooled, NUTS, thin 10)" % (len(chains), len(chains[0][names[0]])))
    summary["n_draws"] = len(pooled[names[0]])
    summary["n_chains"] = len(chains)
    for p in names:
        entry = stats(pooled[p])
        if p in official:
            entry["posteriordb_mean_value"] = sig(official[p][0])
            entry["posteriordb_mcse_mean"] = sig(official[p][1])
        parameters[p] = entry
    summary["parameters"] = parameters
    coords = UNCONSTRAINED[name]
    draws = [{p: pooled[p][i] for p in names}
             for i in range(summary["n_draws"])]
    columns = [[f(d) for d in draws] for _, f in coords]
    summary["unconstrained"] = {
        "note": ("Stan unconstrained parameterisation (log for lower=0, "
                 "logit of the first element for a 2-simplex, log of the "
                 "first element and of the increments for positive_ordered)."),
        "parameters": {c[0]: stats(col) for c, col in zip(coords, columns)},
        "cov_names": [c[0] for c in coords],
        "cov": covariance(columns),
    }
    return info, summary


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("posteriors", nargs="*")
    args = parser.parse_args()
    repo = Repo(args.repo)
    for name in args.posteriors or POSTERIORS:
        if name not in UNCONSTRAINED:
            sys.exit("unknown posterior %s; known: %s" %
                     (name, ", ".join(POSTERIORS)))
        info, summary = summarise(repo, name)
        directory = os.path.join(args.out, name)
        os.makedirs(directory, exist_ok=True)
        data = repo.zipped_json("%s/data/data/%s.json.zip" %
                                (DB, info["data_name"]))
        with open(os.path.join(directory, "data.json"), "wb") as f:
            f.write(data)
        write_json(os.path.join(directory, "posterior_info.json"), info)
        write_json(os.path.join(directory, "reference_summary.json"), summary)
        print("%s: %d parameters" % (name, len(summary["parameters"])))
    print("posteriordb commit %s" % repo.commit())


if __name__ == "__main__":
    main()
