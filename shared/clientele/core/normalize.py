"""Normalization rules for identifiers: one definition used by the API, imports and sync.

email-validator and phonenumbers are imported on first use: together they cost ~60 ms of a cold
start, and most functions (every read) never normalize an identifier."""

from __future__ import annotations


def email(value: str) -> str:
    """A syntactically valid address, domain lower-cased (no DNS lookups: it must stay fast)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None


def email_identity(address: str) -> str:
    """What makes two addresses the same consumer: the whole address, case-insensitively."""
    return address.lower()


def phone(value: str) -> str:
    """E.164 (`+14155552671`). Without a leading `+` there is no way to know the country."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(value.strip(), None)
    except phonenumbers.NumberParseException:
        raise ValueError(
            "not a valid phone number: use E.164 (e.g. +14155552671) or start with + and the country code"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number for its country code")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
