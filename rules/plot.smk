# Stage 3: figures from the tables. Editing a figure (or the shared style) reruns only
# this rule: the figure code's fingerprint is a param here, not of `run`.


rule plot:
    input:
        tables="results/{experiment}/tables",
        provenance="results/{experiment}/provenance.json",
    output:
        figures=report(
            directory("results/{experiment}/figures"),
            patterns=["{name}.svg"],
            caption="captions/figures.rst",
            category="Figures",
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "{name}"},
        ),
    log:
        "logs/plot/{experiment}.log",
    benchmark:
        "benchmarks/plot/{experiment}.tsv"
    params:
        cli=nnclaims_cli(),
        code=figures_code,
    conda:
        "../environment.yml"
    shell:
        "{params.cli} plot {wildcards.experiment} --outdir {output.figures} > {log} 2>&1"
