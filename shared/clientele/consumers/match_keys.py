"""Match keys: values two profiles of one person are likely to share, normalized so that spelling
does not hide them. Each consumer's keys are written with it (store.MatchKey, in its own
transaction); clientele.duplicates compares a consumer only with the profiles sharing one of them.

  email               the address up to provider rules: case, and for Gmail dots and +tags
  name_postal_code    the normalized full name with the address's postal code
  name_city           the normalized full name with the address's city
  name_email_domain   the normalized full name with the email's domain (not a public mailbox provider)
  klaviyo_profile     the Klaviyo profile the consumer is synced with or pulled from

The phone's own entries (store.PhoneEntry, exact E.164) serve as its key, and the email's
uniqueness claim as the email key of every address that is its own canonical form: only an address
that differs from it (a Gmail variant) is written as a key, and a look-up reads both.
"""

from __future__ import annotations

import re
import unicodedata

from clientele.consumers.models import Consumer

GMAIL_LIKE = frozenset({"gmail.com", "googlemail.com"})
# Addresses at these domains say nothing about who someone works for: no name_email_domain key.
PUBLIC_MAILBOXES = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
    }
)


def canonical_email(email: str) -> str:
    """The mailbox an address reaches: lower case; at Gmail, without dots or a +tag, one domain."""
    local, _, domain = email.strip().lower().rpartition("@")
    if domain in GMAIL_LIKE:
        local, domain = local.split("+", 1)[0].replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _plain(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: "José  O'Neil" -> "jose oneil"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w\s]", "", letters).split())


def normalized_name(consumer: Consumer) -> str | None:
    """The full name (or its parts) folded, when it has at least two words: one word alone is too common."""
    name = consumer.full_name or " ".join(part for part in (consumer.first_name, consumer.last_name) if part)
    plain = _plain(name) if name else ""
    return plain if len(plain.split()) >= 2 else None


def written(consumer: Consumer) -> dict[str, str]:
    """The keys stored as MatchKey items: all but an email key its uniqueness claim already holds."""
    found = keys(consumer)
    if consumer.email and found.get("email") == consumer.email.lower():
        del found["email"]
    return found


def keys(consumer: Consumer) -> dict[str, str]:
    """{reason: value} of the consumer's match keys."""
    found: dict[str, str] = {}
    if consumer.email:
        found["email"] = canonical_email(consumer.email)
    name = normalized_name(consumer)
    address = consumer.address
    if name and address and address.postal_code:
        postal_code = re.sub(r"[\W_]", "", address.postal_code).upper()  # "1000-001" is "1000 001"
        found["name_postal_code"] = f"{name}|{postal_code}"
    if name and address and address.city:
        found["name_city"] = f"{name}|{_plain(address.city)}"
    domain = consumer.email.rpartition("@")[2].lower() if consumer.email else None
    if name and domain and domain not in PUBLIC_MAILBOXES:
        found["name_email_domain"] = f"{name}|{domain}"
    if consumer.klaviyo_profile_id:
        found["klaviyo_profile"] = consumer.klaviyo_profile_id
    return found
