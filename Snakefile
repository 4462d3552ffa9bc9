"""nnclaims: run every experiment, check every claim, write the report.

    snakemake --cores 8                          the full reproduction
    snakemake --cores 8 --config profile=quick   tiny sizes, under a minute

Stages, one rule file each: run (train, the expensive part) -> summarize (merge shards,
checks, verdicts) -> plot (figures from the tables; never retrains) -> report (HTML).
Every key of config/config.yaml is described in config/schema.yaml.
"""

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: f"{workflow.basedir}/config/config.yaml"


report: "rules/captions/workflow.rst"  # for `snakemake --report`; our own HTML is reports/index.html


include: "rules/experiments.smk"  # checks the config, discovers experiments/*.py


validate(config, "config/schema.yaml")  # fills in defaults for keys left out


include: "rules/run.smk"
include: "rules/summarize.smk"
include: "rules/plot.smk"
include: "rules/report.smk"


localrules: all, summarize, plot, report


rule all:
    input:
        "reports/index.html",
    default_target: True
