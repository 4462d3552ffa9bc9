# Stage 4: collect every experiment's verdicts into results/verdicts.csv,
# results/checks.csv and results/measurements.csv, and render reports/index.html with
# one page per claim. It checks that every result it shows is today's. It is the only writer
# of these files for good (a report by hand goes elsewhere; the partial report that
# rules/plan.smk writes after a failed run is made again by this rule on the next run).


rule report:
    input:
        verdicts=summarized("verdicts.csv"),
        checks=summarized("checks.csv"),
        measurements=summarized("measurements.csv"),
        provenance=summarized("provenance.json"),
        figures=summarized("figures"),
        yours=user_results,  # what rules of your own publish
        sources=relative_to_workdir(e.path for e in EXPERIMENTS.values()),  # the claims and expectations shown
        templates=relative_to_workdir(sorted((LIBRARY_DIR / "report" / "templates").glob("*.html"))),
        renderer=relative_to_workdir([LIBRARY_DIR / "report" / "html.py", LIBRARY_DIR / "report" / "format.py"]),
    output:
        index="reports/index.html",
        verdicts=report("results/verdicts.csv", caption="captions/verdicts.rst", category="Results"),
        checks=report("results/checks.csv", caption="captions/checks.rst", category="Results"),
        measurements="results/measurements.csv",
        record="results/provenance.json",  # the checksums of the three tables above
    log:
        "logs/report.log",
    benchmark:
        "benchmarks/report.tsv"
    params:
        cli=nnclaims_cli(),
        settings=config_json(),
        reports=subpath(output.index, parent=True),
        tables=subpath(output.verdicts, parent=True),
        only=f"--only {' '.join(EXPERIMENTS)}" if EXPERIMENTS else "",
        extra=lambda wildcards: f"--extra {' '.join(USER_RESULTS)}" if USER_RESULTS else "",
    conda:
        "../environment.yml"
    shell:
        "{params.cli} report --workflow --config-json {params.settings:q} --reports {params.reports}"
        " --tables {params.tables} {params.only} {params.extra} > {log} 2>&1"
