# Stage 4: collect every experiment's verdicts into results/verdicts.csv and
# results/checks.csv, and render reports/index.html with one page per claim.


rule report:
    input:
        verdicts=expand("results/{experiment}/verdicts.csv", experiment=EXPERIMENTS),
        checks=expand("results/{experiment}/checks.csv", experiment=EXPERIMENTS),
        figures=expand("results/{experiment}/figures", experiment=EXPERIMENTS),
        templates=LIBRARY_DIR / "templates",
        renderer=LIBRARY_DIR / "report.py",
    output:
        index="reports/index.html",
        verdicts=report("results/verdicts.csv", caption="captions/verdicts.rst", category="Results"),
        checks=report("results/checks.csv", caption="captions/checks.rst", category="Results"),
        measurements="results/measurements.csv",
    log:
        "logs/report.log",
    params:
        reports=subpath(output.index, parent=True),
        experiments=list(EXPERIMENTS),
    shell:
        "{NNCLAIMS} report --reports {params.reports} --only {params.experiments} > {log} 2>&1"
