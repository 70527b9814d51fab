"""What a search term matches: the words of a consumer that free-text search looks at.

A consumer is found by a case-insensitive prefix of any word of its name, of its email (the whole
address, which covers the local part, and the domain on its own) and of its phone digits, with
or without the country code. The search index stores one entry per word; this module decides
the words, so indexing and matching can never disagree.
"""

from __future__ import annotations

import re

from clientele.consumers.models import Consumer

MIN_TERM_LENGTH = 2
MAX_TERM_LENGTH = 100

_WORD_SPLIT = re.compile(r"[\s,;/()\"]+")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")


def _name_words(name: str | None) -> set[str]:
    words: set[str] = set()
    for word in _WORD_SPLIT.split((name or "").casefold()):
        if not word:
            continue
        words.add(word)
        # "Mary-Jane O'Neil" is also found as "jane" and "neil".
        words.update(part for part in re.split(r"[-'\u2019.]", word) if part)
    return words


def _phone_words(phone: str | None) -> set[str]:
    if not phone:
        return set()
    import phonenumbers  # on first use, like core.normalize: only the functions that index a phone need it

    parsed = phonenumbers.parse(phone, None)
    return {phone.lstrip("+"), str(parsed.national_number)}


def words(consumer: Consumer) -> frozenset[str]:
    """Every word search looks at for this consumer, lower-cased."""
    found = _name_words(consumer.full_name) | _name_words(consumer.first_name) | _name_words(consumer.last_name)
    if consumer.email:
        address = consumer.email.casefold()
        found |= {address, address.rpartition("@")[2]}
    found |= _phone_words(consumer.phone)
    return frozenset(word for word in found if word)


def terms(query: str) -> list[str]:
    """The prefixes a query asks for, most selective first; every one must match some word.

    A phone-like query ("+1 (415) 555") becomes its digits; other queries are split into words.
    Raises ValueError when the query is too short or too long.
    """
    query = query.strip()
    if len(query) > MAX_TERM_LENGTH:
        raise ValueError(f"must be at most {MAX_TERM_LENGTH} characters")
    if _PHONE_LIKE.match(query) and sum(char.isdigit() for char in query) >= MIN_TERM_LENGTH:
        return [re.sub(r"\D", "", query)]
    parts = [part for part in _WORD_SPLIT.split(query.casefold()) if part]
    if not parts or max(len(part) for part in parts) < MIN_TERM_LENGTH:
        raise ValueError(f"must be at least {MIN_TERM_LENGTH} characters")
    return sorted(dict.fromkeys(parts), key=len, reverse=True)


def matches(consumer_words: frozenset[str] | set[str], query_terms: list[str]) -> bool:
    return all(any(word.startswith(term) for word in consumer_words) for term in query_terms)


def first_match(consumer_words: frozenset[str] | set[str], term: str) -> str | None:
    """The alphabetically first word a term is a prefix of: where the consumer appears in results."""
    return min((word for word in consumer_words if word.startswith(term)), default=None)
