"""Text normalization shared by matching, lexical search and the engine."""

from __future__ import annotations

import re
import unicodedata

MAX_QUESTION_CHARS = 1000

# Invisible and bidirectional-control characters users paste by accident; they break matching.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_WORD = re.compile(r"[a-z0-9]+")
# Markup pasted from web pages ("<b>visa</b>") is noise to the question.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")

# Short forms users type, expanded before matching names and words.
EXPANSIONS = {
    "mt": "mount",
    "st": "saint",
    "univ": "university",
    "uni": "university",
    "intl": "international",
    "hosp": "hospital",
    "lor": "letter",
    "lors": "letters",
    "loc": "letter",
    "rec": "recommendation",
    "recs": "recommendations",
}

STOPWORDS = frozenset(
    """a an the and or of to in on at for with by from about into as is are was were be been
    being am do does did doing have has had having i me my mine we our you your he she it its they
    them their this that these those there here what which who whom whose when where why how can
    could should would will shall may might must any some all each every no not so than too very
    just also only if then but please tell give show know want like get got need info information
    hi hey hello pls plz thanks thank u r ur im i'm iam us s t""".split()
)


def clean(text: str) -> str:
    """NFKC-normalized, invisible and control characters removed, whitespace collapsed, capped."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _TAG.sub(" ", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUESTION_CHARS]


def words(text: str) -> list[str]:
    """Lowercase word tokens with short forms expanded ("Mt." -> "mount", "&" -> "and")."""
    lowered = text.lower().replace("&", " and ").replace("'s", "").replace("’s", "")
    return [EXPANSIONS.get(w, w) for w in _WORD.findall(lowered)]


def stem(word: str) -> str:
    """A deliberately light stemmer: plural and common verb endings only."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(("ses", "xes", "ches", "shes")):
                return word[:-1]
            return word[: -len(suffix)] + keep
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning (stopwords dropped)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
