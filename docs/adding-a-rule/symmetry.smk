# A rule of our own: a claim checked by a script instead of an experiment module.
# Copy this file to rules/ and symmetry.py to scripts/; the Snakefile includes every
# rules/*.smk, and the report shows the claim beside the experiments'.


rule zero_init_symmetry:
    output:
        verdicts="results/zero_init_symmetry/verdicts.csv",  # results/<name>/verdicts.csv: the report finds it
        provenance="results/zero_init_symmetry/provenance.json",
    log:
        "logs/zero_init_symmetry.log",
    conda:
        "../environment.yml"
    script:
        "../scripts/symmetry.py"
