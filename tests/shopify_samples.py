"""A Shopify customer as the GraphQL Admin API (2025-10) answers it, for the unit and integration
tests of the Shopify mapping."""

from typing import Any

CUSTOMER_NODE: dict[str, Any] = {
    "id": "gid://shopify/Customer/207119551",
    "firstName": "Bob",
    "lastName": "Norman",
    "defaultEmailAddress": {"emailAddress": "Bob.Norman@Example.COM"},
    "defaultPhoneNumber": {"phoneNumber": "+1 613-555-0135"},
    "defaultAddress": {
        "address1": "Chestnut Street 92",
        "address2": "Apartment 2",
        "city": "Louisville",
        "province": "Kentucky",
        "provinceCode": "KY",
        "zip": "40202",
        "country": "United States",
        "countryCodeV2": "US",
    },
    "tags": ["vip", "newsletter"],
    "state": "ENABLED",
    "updatedAt": "2025-10-01T12:00:00Z",
}
