# Stage 1: train. One job per shard of an experiment's grid; each job runs all seeds
# of its grid points in one process (torch takes over a second to import).


rule run:
    output:
        "results/{experiment}/shards/{shard}-of-{n}.json",
    log:
        "logs/run/{experiment}/{shard}-of-{n}.log",
    params:
        code=run_code,
        profile=PROFILE,
        seed=config["seed"],
        seeds=n_seeds,
        device=config["device"],
        engine=config["engine"],
        torch_threads=config["threads"],
        mnist_path=config["mnist_path"],
    threads: config["threads"]
    resources:
        mem_mb=run_mem_mb,
        runtime=run_runtime,
    shell:
        "{NNCLAIMS} run {wildcards.experiment} --profile {params.profile}"
        " --shard {wildcards.shard} --shards {wildcards.n} --seed {params.seed} --seeds {params.seeds}"
        " --device {params.device} --engine {params.engine} --threads {params.torch_threads}"
        " --mnist-path '{params.mnist_path}' --out {output} > {log} 2>&1"
