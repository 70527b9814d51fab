"""Duplicate suggestions: pairs of profiles that are probably one person, each with its reasons and a
score, kept by a stream function from the match keys written with every consumer (never by a Scan):
a changed consumer is compared only with the profiles sharing one of its keys, and a key held by
more than COMMON_KEY_HOLDERS profiles (an office phone, a common name in a big city) is reported and
not read whole. A dismissed pair does not come back."""

# consumers: the profiles, their match keys and phone entries.
BUILDS_ON: tuple[str, ...] = ("consumers",)
