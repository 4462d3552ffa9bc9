# Stage 1: compute. One job per shard of an experiment's grid; each job runs all seeds of
# its grid points in one process (torch takes over a second to import). A shard's path
# holds its run key, a hash of the code `run` reaches and the settings that shape it:
# after any change the shard is a new file, and a stale one is never read as current.
# An experiment that tunes or chooses its seeds by power explores first, on its own seeds;
# its confirmatory run reads the exploration's shards and decides from them (cheap, and
# the same in every job: the decisions are recorded in every shard). A run shard reads,
# and waits for, only the exploration shards its points need (explore_needs; all by default).


# An experiment whose exploration and confirmatory run are one shard each (every one in
# the quick profile) runs both in one job: each job is a process that spends a second or
# two importing torch before it computes anything.
rule explore_and_run:
    output:
        explored="results/{experiment}/runs/{key}/explore-0-of-1.json",
        run="results/{experiment}/runs/{key}/0-of-1.json",
    log:
        "logs/run/{experiment}/{key}/0-of-1.log",
    benchmark:
        "benchmarks/run/{experiment}/{key}/0-of-1.tsv"
    wildcard_constraints:
        experiment=ONE_JOB,
    params:
        cli=nnclaims_cli(),
        settings=experiment_config,
    threads: SETTINGS.threads
    priority: run_priority
    resources:
        mem_mb=run_mem_mb,
        runtime=run_runtime,
    conda:
        "../environment.yml"
    shell:
        "{params.cli} run {wildcards.experiment} --config-json {params.settings:q} --key {wildcards.key}"
        " --out {output.run} --explore-out {output.explored} > {log} 2>&1"


rule explore:
    output:
        "results/{experiment}/explore/{key}/{shard}-of-{n}.json",
    log:
        "logs/explore/{experiment}/{key}/{shard}-of-{n}.log",
    benchmark:
        "benchmarks/explore/{experiment}/{key}/{shard}-of-{n}.tsv"  # run time and peak memory: RESOURCES
    wildcard_constraints:
        experiment=SEPARATE_JOBS,
    params:
        cli=nnclaims_cli(),
        settings=explore_config,
    threads: SETTINGS.threads
    priority: run_priority
    resources:
        mem_mb=run_mem_mb,
        runtime=run_runtime,
    conda:
        "../environment.yml"
    shell:
        "{params.cli} run {wildcards.experiment} --phase explore --config-json {params.settings:q}"
        " --shard {wildcards.shard} --shards {wildcards.n} --key {wildcards.key} --out {output} > {log} 2>&1"


rule run:
    input:
        explored=run_explore_files,
    output:
        "results/{experiment}/runs/{key}/{shard}-of-{n}.json",
    log:
        "logs/run/{experiment}/{key}/{shard}-of-{n}.log",
    benchmark:
        "benchmarks/run/{experiment}/{key}/{shard}-of-{n}.tsv"  # run time and peak memory: RESOURCES
    wildcard_constraints:
        experiment=SEPARATE_JOBS,
    params:
        cli=nnclaims_cli(),
        settings=experiment_config,
        explored=run_explore_flag,
    threads: SETTINGS.threads
    priority: run_priority
    resources:
        mem_mb=run_mem_mb,
        runtime=run_runtime,
    conda:
        "../environment.yml"
    shell:
        "{params.cli} run {wildcards.experiment} --phase confirm --config-json {params.settings:q}"
        " --shard {wildcards.shard} --shards {wildcards.n} --key {wildcards.key} --out {output}"
        " {params.explored} > {log} 2>&1"
