"""nnclaims: checks, by experiment, the claims of an introductory neural-network chapter.

Importing the package is cheap on purpose: the modules that need torch are imported by
name where they are used, so that pipeline steps which only summarize or plot start fast.
"""

__version__ = "0.1.0"
