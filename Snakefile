"""nnclaims: run every experiment, check every claim, write the report.

    snakemake --cores 8                          the full reproduction
    snakemake --cores 8 --config profile=quick   tiny sizes, under a minute

Stages: run (train, the expensive part) -> summarize (merge shards, checks, verdicts) and
plot (figures from the tables) in one job, never retraining -> report (HTML).
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
include: "rules/report.smk"


OUR_RULES = {"plan.smk", "run.smk", "summarize.smk", "report.smk"}
for user_rules in sorted(Path(workflow.basedir, "rules").glob("*.smk")):
    if user_rules.name not in OUR_RULES:

        include: user_rules


# Results that rules of one's own write with nnclaims.evidence.publish: any rule whose
# output is results/<name>/verdicts.csv for a name that is not an experiment's.
USER_RESULTS = rules_results(workflow.rules, OUR_RULES)
verify_results(USER_RESULTS)  # every result on disk as recorded, or named and remade (rules/plan.smk)


localrules: all, summarize, report


rule all:
    input:
        all_outputs,
    default_target: True
