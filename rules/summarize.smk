# Stage 2: merge an experiment's shards into tidy tables, run its pre-registered checks
# and their controls, and decide one verdict per claim; then stage 3, the figures from
# those tables. Cheap (no training: 0.5-5 s in the full profile), so one job does both:
# a process started once, not twice (its imports are most of either stage's time). It
# refuses a shard whose settings or code differ from today's. Editing a check or a figure
# reruns this job, never `run`: the check and figure code's fingerprints are params here.


rule summarize:
    input:
        shards=shard_files,
        explored=explore_shard_files,
    output:
        tables=report(
            directory("results/{experiment}/tables"),
            patterns=["{name}.csv"],
            caption="captions/tables.rst",
            category="Data",
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "table": "{name}"},
        ),
        checks="results/{experiment}/checks.csv",
        measurements="results/{experiment}/measurements.csv",
        verdicts="results/{experiment}/verdicts.csv",
        provenance="results/{experiment}/provenance.json",
        figures=report(
            directory("results/{experiment}/figures"),
            patterns=["{name}.svg"],
            caption="captions/figures.rst",
            category="Figures",
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "{name}"},
        ),
    log:
        "logs/summarize/{experiment}.log",
    benchmark:
        "benchmarks/summarize/{experiment}.tsv"
    params:
        cli=nnclaims_cli(),
        settings=experiment_config,  # its own settings only (rules/plan.smk)
        code=summary_code,
        figures_code=figures_code,
        explored=explore_files_flag,
        outdir=subpath(output.checks, parent=True),
    conda:
        "../environment.yml"
    shell:
        "{params.cli} summarize {wildcards.experiment} --config-json {params.settings:q}"
        " --shard-files {input.shards} {params.explored} --outdir {params.outdir}"
        " --figures {output.figures} > {log} 2>&1"
