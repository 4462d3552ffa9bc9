# Stage 4: collect every experiment's verdicts into results/verdicts.csv,
# results/checks.csv and results/measurements.csv, and render reports/index.html with
# one page per claim.


rule report:
    input:
        verdicts=expand("results/{experiment}/verdicts.csv", experiment=EXPERIMENTS),
        checks=expand("results/{experiment}/checks.csv", experiment=EXPERIMENTS),
        measurements=expand("results/{experiment}/measurements.csv", experiment=EXPERIMENTS),
        provenance=expand("results/{experiment}/provenance.json", experiment=EXPERIMENTS),
        figures=expand("results/{experiment}/figures", experiment=EXPERIMENTS),
        templates=sorted((LIBRARY_DIR / "report" / "templates").glob("*.html")),  # files: editing one reruns this
        renderer=LIBRARY_DIR / "report" / "html.py",
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
