# Stage 2: merge an experiment's shards into tidy tables, run its pre-registered checks
# and their controls, and decide one verdict per claim. Cheap: no training. It refuses a
# shard whose settings or code differ from today's.


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
    log:
        "logs/summarize/{experiment}.log",
    benchmark:
        "benchmarks/summarize/{experiment}.tsv"
    params:
        cli=nnclaims_cli(),
        settings=experiment_config,  # its own settings only (rules/plan.smk)
        code=summary_code,
        explored=explore_files_flag,
        outdir=subpath(output.checks, parent=True),
    conda:
        "../environment.yml"
    shell:
        "{params.cli} summarize {wildcards.experiment} --config-json {params.settings:q}"
        " --shard-files {input.shards} {params.explored} --outdir {params.outdir} > {log} 2>&1"
