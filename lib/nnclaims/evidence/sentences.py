"""Protocol 3, rule 11 with amendment P3-1: the chapter's sentence a claim tests.

A claim cites each sentence it tests by source file and place, restates it in our words
and quotes only its decisive words ("always", "at least 75%", "hundreds of layers"): the
words a check must honour as written. No whole sentence of the sources is reproduced, so
the quote is capped at a dozen words.

Only the sentences that Protocol 3 quotes claim-by-claim carry the source's own words. The
older claims' decisive words were taken from the catalogue's restatement (in our words, by
its preamble), and the sources are not on this machine to check them: such a sentence says
``words="catalogue"`` and its page shows the words without quotation marks, saying whose they
are, so that no reader takes our wording for the chapter's.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UserError

MAX_QUOTED_WORDS = 12  # P3-1: "at most a dozen"
WORDS = ("source", "catalogue")  # whose the decisive words are: the source's, or the catalogue's restatement


class SentenceError(UserError, ValueError):
    """A claim's sentence that breaks P3-1."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of the sources that a claim tests.

    source: the source file (e.g. "003"); place: where in it (a section or paragraph);
    restated: the sentence in our words; decisive: its decisive words, quoted exactly;
    hope: the source states a hope or a caution, not a fact (the first-layer templates);
    words: whose the decisive words are (`WORDS`): the source's, or the catalogue's.
    """

    source: str
    place: str
    restated: str
    decisive: tuple[str, ...]
    hope: bool = False
    words: str = "source"

    def __post_init__(self) -> None:
        if self.words not in WORDS:
            raise SentenceError(f"sentence of {self.source} ({self.place}): words {self.words!r} is not allowed; "
                                f"allowed values: {', '.join(WORDS)}")
        if not self.source or not self.place or not self.restated:
            raise SentenceError("a sentence needs its source file, its place in it and our restatement")
        if not self.decisive:
            raise SentenceError(f"sentence of {self.source} ({self.place}): quote its decisive words")
        words = sum(len(q.split()) for q in self.decisive)
        if words > MAX_QUOTED_WORDS:
            raise SentenceError(f"sentence of {self.source} ({self.place}) quotes {words} words; "
                                f"P3-1 allows at most {MAX_QUOTED_WORDS}")

    @property
    def citation(self) -> str:
        """How the page cites it: source, place and the quoted words."""
        if self.words == "catalogue":
            return f"{self.source}, {self.place}; decisive words in the catalogue's restatement, " \
                   f"the source's own not checked: {'; '.join(self.decisive)}"
        quoted = ", ".join(f"“{q}”" for q in self.decisive)
        return f"{self.source}, {self.place}: {quoted}"
