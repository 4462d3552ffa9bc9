# Stage 2: merge an experiment's shards into tidy tables, run its pre-registered
# checks, and decide one verdict per claim. Cheap: no training.


rule summarize:
    input:
        shards=shard_files,
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
    params:
        code=summarize_code,
        outdir=subpath(output.checks, parent=True),
    shell:
        "{NNCLAIMS} summarize {wildcards.experiment} --shard-files {input.shards}"
        " --outdir {params.outdir} > {log} 2>&1"
