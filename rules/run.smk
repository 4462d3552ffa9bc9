# Stage 1: compute. One job per shard of an experiment's grid; each job runs all seeds of
# its grid points in one process (torch takes over a second to import). A shard's path
# holds its run key, a hash of the code `run` reaches and the settings that shape it:
# after any change the shard is a new file, and a stale one is never read as current.
# An experiment that tunes or chooses its seeds by power explores first, on its own seeds
# (explore, decide), and its confirmatory run reads the decisions.


rule explore:
    output:
        "results/{experiment}/explore/{key}/{shard}-of-{n}.json",
    log:
        "logs/explore/{experiment}/{key}/{shard}-of-{n}.log",
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
        "{params.cli} run {wildcards.experiment} --phase explore --config-json {params.settings:q}"
        " --shard {wildcards.shard} --shards {wildcards.n} --key {wildcards.key} --out {output} > {log} 2>&1"


rule decide:
    input:
        shards=explore_shard_files,
    output:
        "results/{experiment}/explore/{key}/decisions.json",
    log:
        "logs/decide/{experiment}/{key}.log",
    params:
        cli=nnclaims_cli(),
        settings=config_json(),
    conda:
        "../environment.yml"
    shell:
        "{params.cli} decide {wildcards.experiment} --config-json {params.settings:q}"
        " --shard-files {input.shards} --out {output} > {log} 2>&1"


rule run:
    input:
        decisions=decisions_file,
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
        "{params.cli} run {wildcards.experiment} --phase confirm --config-json {params.settings:q}"
        " --shard {wildcards.shard} --shards {wildcards.n} --key {wildcards.key} --out {output} > {log} 2>&1"
