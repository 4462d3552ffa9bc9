# Stage 1: train. One job per shard of an experiment's grid; each job runs all seeds of
# its grid points in one process (torch takes over a second to import). A shard's path
# holds its run key, a hash of the code `run` reaches and the settings that shape it:
# after any change the shard is a new file, and a stale one is never read as current.


rule run:
    output:
        "results/{experiment}/runs/{key}/{shard}-of-{n}.json",
    log:
        "logs/run/{experiment}/{key}/{shard}-of-{n}.log",
    params:
        cli=nnclaims_cli(),
        settings=config_json(),
    threads: SETTINGS.threads
    resources:
        mem_mb=run_mem_mb,
        runtime=run_runtime,
    conda:
        "../environment.yml"
    shell:
        "{params.cli} run {wildcards.experiment} --config-json {params.settings:q}"
        " --shard {wildcards.shard} --shards {wildcards.n} --key {wildcards.key} --out {output} > {log} 2>&1"
