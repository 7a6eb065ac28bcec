"""Small talk: greetings, thanks, acknowledgements and chit-chat are never answered with a card."""

from __future__ import annotations

import re

_PHRASES = r"""
hi+|hello+|hey+|heya|hiya|yo|howdy|greetings|good (?:morning|afternoon|evening|night|day)
|salam|salaam|assalamu? ?alaikum|namaste|hola|bonjour|ciao|marhaba
|thanks?(?: you)?(?: (?:so|very) much)?(?: a lot)?|thx|ty|tysm|thank u|much appreciated
|appreciate it|cheers|great|good|nice|cool|awesome|perfect|excellent|wow|lol|haha+|hmm+
|ok(?:ay)?|k+|kk|alright|all right|sure|fine|got it|i see|understood|noted|yes|yeah|yep|yup|no
|nope|nah|bye|goodbye|good bye|see (?:you|ya)(?: later)?|later|take care|how are (?:you|u)
|how r u|how is it going|whats up|what's up|sup|who are (?:you|u)|what are you
|(?:are|r) (?:you|u) (?:a )?(?:bot|human|real|ai|robot)|who (?:are|r) (?:you|u)
|tell me a joke|(?:a )?joke|say something|test|testing
|good bot|bad bot|dear|sir|madam|bot|please|pls|plz|again|there|everyone|all|guys|friend
|help|menu|start|commands|options
"""
_ONE = re.compile(rf"^(?:{_PHRASES.strip().replace(chr(10), '')})$")
_SPLIT = re.compile(r"[\s,.!?;:()\-*_~\"']+")


_KINDS = (
    ("help", re.compile(r"\b(help|menu|start|commands|options)\b")),
    ("thanks", re.compile(r"\b(thanks?|thx|ty|tysm|thank u|appreciated?|cheers)\b")),
    ("farewell", re.compile(r"\b(bye|goodbye|good bye|see (you|ya)|later|take care)\b")),
)


def kind_of(text: str) -> str:
    """What a message of pure small talk is: help, thanks, farewell, or else a greeting."""
    lowered = text.lower()
    return next((kind for kind, pattern in _KINDS if pattern.search(lowered)), "greeting")


def strip_small_talk(text: str) -> str:
    """The question with leading and trailing pleasantries removed ("hi, how do I apply? thx")."""
    parts = [p for p in _SPLIT.split(text) if p]
    lowered = [p.lower() for p in parts]
    start, end = 0, len(parts)
    start = _consume(lowered, start, end, forward=True)
    end = _consume(lowered, start, end, forward=False)
    if start == 0 and end == len(parts):
        return text
    return " ".join(parts[start:end])


def _consume(words: list[str], start: int, end: int, *, forward: bool) -> int:
    """Skip runs of one to four words that together form a pleasantry."""
    moved = True
    while moved and start < end:
        moved = False
        for size in (4, 3, 2, 1):
            if end - start < size:
                continue
            chunk = words[start : start + size] if forward else words[end - size : end]
            phrase = " ".join(w for w in chunk if re.search(r"\w", w))
            if (phrase and _ONE.match(phrase)) or not phrase:
                if forward:
                    start += size
                else:
                    end -= size
                moved = True
                break
    return start if forward else end
