"""nnclaims: run every experiment, check every claim, write the report.

    snakemake --cores 8                          the full reproduction
    snakemake --cores 8 --config profile=quick   tiny sizes, under a minute

Stages, one rule file each: run (train, the expensive part) -> summarize (merge shards,
checks, verdicts) -> plot (figures from the tables; never retrains) -> report (HTML).
Every setting is described, with its default, in config/schema.yaml. Rule files of your
own in rules/ are included after ours (README, "Adding a rule").
"""

import re
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


report: "rules/captions/workflow.rst"  # for `snakemake --report`; our own HTML is reports/index.html


include: "rules/plan.smk"  # validates the config before anything reads it, plans every result
include: "rules/run.smk"
include: "rules/summarize.smk"
include: "rules/plot.smk"
include: "rules/report.smk"


OUR_RULES = {"plan.smk", "run.smk", "summarize.smk", "plot.smk", "report.smk"}
for user_rules in sorted(Path(workflow.basedir, "rules").glob("*.smk")):
    if user_rules.name not in OUR_RULES:

        include: user_rules


# Results that rules of one's own write with nnclaims.evidence.publish: any rule whose
# output is results/<name>/verdicts.csv for a name that is not an experiment's.
USER_RESULTS = sorted({m.group(1) for r in workflow.rules for f in r.output
                       if (m := re.fullmatch(r"results/([A-Za-z0-9_.-]+)/verdicts\.csv", str(f)))} - set(EXPERIMENTS))


localrules: all, summarize, plot, report


rule all:
    input:
        all_outputs,
    default_target: True
