"""The wire basics every domain's models build on: the camelCase base models, a page of any list,
money, and the string types shared by several domains."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from clientele.core import normalize


def json_number(value: Decimal | int) -> int | float:
    """Money and counts are exact Decimals inside; JSON gets a plain number (0, not "0")."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


# One documented type for every amount, asked or answered. Without WithJsonSchema pydantic documents a
# Decimal one way for validation (number | string) and another for serialization (integer | number), so
# a model holding one and used both ways (OrderLine) came out twice, as OrderLine-Input and -Output
# under one title. (json_schema_mode_override on the models instead left a dangling $ref in pydantic 2.13
# for a model reached from both modes.) Bounds are checked, not documented; decimal strings ("60.00")
# are still accepted.
MONEY_SCHEMA = {
    "type": "number",
    "description": "A decimal amount in the currency's units, exact to its minor unit (2 decimals for EUR, 0 for JPY).",
}
Money = Annotated[
    Decimal,
    PlainSerializer(json_number, return_type=int | float, when_used="json"),
    WithJsonSchema(MONEY_SCHEMA),
]

# An instant as the API writes it (clock.format_instant): `2024-11-01T10:00:00.000Z`. The schema says
# so (format date-time) for generated clients; validation stays that of a str.
TIMESTAMP_SCHEMA = {"type": "string", "format": "date-time"}
Timestamp = Annotated[str, WithJsonSchema(TIMESTAMP_SCHEMA)]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(normalize.email)]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize.phone)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ApiModel(BaseModel):
    # defer_build: a model's validator and serializer are built when it is first used, not when its
    # module is imported, so a function's cold start pays only for the models its route touches.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True)


class Resource(ApiModel):
    """What the API answers with. Clients (the SDK) read it too, so fields a newer server adds are
    ignored rather than refused."""

    model_config = ConfigDict(extra="ignore")

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class PageInfo(Resource):
    start_cursor: str | None  # null when there is no previous page
    end_cursor: str | None  # null when there is no next page: loop `while pageInfo.endCursor`
    has_next_page: bool
    has_previous_page: bool


class Page[Item](Resource):
    """One page of any list: `{data, pageInfo}`."""

    data: list[Item]
    page_info: PageInfo


# ---------------------------------------------------------------- money

# ISO 4217 currencies whose minor unit is not the cent; every other code has two decimals.
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"), 0),
    **dict.fromkeys(("UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
MAX_AMOUNT = Decimal("1000000000")  # a billion per order or adjustment: anything larger is a typo


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def in_currency(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's decimals; more decimals than the currency has is an error."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    if amount != amount.quantize(exponent):
        raise ValueError(f"{currency} amounts have at most {minor_units(currency)} decimals")
    return amount.quantize(exponent)


def _currency_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError("must be a three-letter ISO 4217 currency code such as EUR")
    return code


Currency = Annotated[str, StringConstraints(max_length=8), AfterValidator(_currency_code)]
# Amounts arrive as JSON numbers or strings; float arithmetic never touches them (Decimal from the text).
Amount = Annotated[Money, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
