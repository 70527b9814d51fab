"""aws.store_secret, which keeps the Klaviyo key and the Shopify credentials: the first write creates
the secret, later ones give it a new value, and two first writes at once both land (no 500)."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from clientele.core import aws


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "operation")


class Secrets:
    """Secrets Manager as far as store_secret uses it; `created_meanwhile`: another first write creates
    the secret between this one's put (not found) and its create."""

    def __init__(self, created_meanwhile: bool = False) -> None:
        self.values: dict[str, str] = {}
        self.created_meanwhile = created_meanwhile

    def put_secret_value(self, SecretId: str, SecretString: str) -> None:
        if SecretId not in self.values:
            if self.created_meanwhile:
                self.created_meanwhile = False
                self.values[SecretId] = "the other write's value"
            raise _error("ResourceNotFoundException")
        self.values[SecretId] = SecretString

    def create_secret(self, Name: str, SecretString: str, Description: str) -> None:
        if Name in self.values:
            raise _error("ResourceExistsException")
        self.values[Name] = SecretString


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(fake: Secrets) -> Secrets:
        monkeypatch.setattr(aws, "client", lambda service: fake)
        return fake

    return use


def test_the_first_write_creates_and_a_later_one_replaces(secrets: Any) -> None:
    fake = secrets(Secrets())
    aws.store_secret("clientele/dev/sandbox/acme/klaviyo", "pk_one", "a key")
    aws.store_secret("clientele/dev/sandbox/acme/klaviyo", "pk_two", "a key")
    assert fake.values == {"clientele/dev/sandbox/acme/klaviyo": "pk_two"}


def test_a_create_that_lost_a_race_gives_the_secret_its_value(secrets: Any) -> None:
    fake = secrets(Secrets(created_meanwhile=True))
    aws.store_secret("clientele/dev/sandbox/acme/klaviyo", "pk_mine", "a key")
    assert fake.values == {"clientele/dev/sandbox/acme/klaviyo": "pk_mine"}


def test_another_failure_is_raised(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = secrets(Secrets())

    def denied(**_: Any) -> None:
        raise _error("AccessDeniedException")

    monkeypatch.setattr(fake, "put_secret_value", denied)
    with pytest.raises(ClientError, match="AccessDenied"):
        aws.store_secret("clientele/dev/sandbox/acme/klaviyo", "pk", "a key")
