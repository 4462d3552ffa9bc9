# Stage 3: figures from the tables. Editing a figure (or the shared style) reruns only
# this rule: the experiment file and the style module are inputs here, not of `run`.


rule plot:
    input:
        tables="results/{experiment}/tables",
        code=experiment_source,
        style=LIBRARY_DIR / "report" / "plotting.py",
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
    shell:
        "{NNCLAIMS} plot {wildcards.experiment} --tables {input.tables} --outdir {output.figures} > {log} 2>&1"
