"""Run one pipeline on one layer in this process, several times; print medians and peak memory as JSON."""

from __future__ import annotations

import gc
import json
import resource
import statistics
import sys

from symconv import ConvSpec

from .pipelines import PIPELINES


def main() -> None:
    pipeline, spec_json, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    spec = ConvSpec(**json.loads(spec_json))
    results = []
    for _ in range(runs):
        results.append(PIPELINES[pipeline](spec))
        gc.collect()
    medians = {stage: statistics.median(r[stage] for r in results) for stage in results[0]}
    # "objects" (building every SymPy entry) is reported beside the pipeline, not in its total.
    medians["total"] = statistics.median(sum(v for k, v in r.items() if k != "objects") for r in results)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": medians, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
