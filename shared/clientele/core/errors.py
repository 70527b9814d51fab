"""Domain errors. Each one knows its HTTP status and the public error it becomes.

Logic and data access raise these; `clientele.core.http` turns them into the documented error body,
so the mapping to HTTP lives in exactly one place.
"""

from __future__ import annotations

from typing import Any


class ClienteleError(Exception):
    status = 500
    type = "api_error"
    code = "internal_error"
    message = "Internal error"
    remembered = False  # True: the request wrote something, so its Idempotency-Key keeps this answer

    def __init__(self, message: str | None = None, details: list[dict[str, Any]] | None = None) -> None:
        self.message = message or self.message
        self.details = details or []
        self.extra: dict[str, Any] = {}  # fields of the error body beside the documented five
        super().__init__(self.message)

    @classmethod
    def replayed(cls, status: int, type: str, code: str, message: str, details: list[dict[str, Any]]) -> ClienteleError:
        """The error an Idempotency-Key stored, answered again."""
        error = cls(message, details)
        error.status, error.type, error.code = status, type, code
        return error


class ValidationFailed(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "validation_failed"
    message = "Validation failed"


class EmailAlreadyExists(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "email_already_exists"
    message = "Email already exists"


class ExternalIdAlreadyExists(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "external_id_already_exists"
    message = "External ID already exists"


class AuthenticationRequired(ClienteleError):
    status = 401
    type = "authentication_error"
    code = "authentication_required"
    message = "Authentication required"


class PermissionDenied(ClienteleError):
    """Raised by API Gateway itself (ACCESS_DENIED in template.yaml) for a read-only key on a write;
    kept here so the contract has one definition, checked against the template by the tests."""

    status = 403
    type = "permission_error"
    code = "read_only_key"
    message = "This API key is read-only and cannot make changes"


class TooManyRequests(ClienteleError):
    """Raised by API Gateway itself (THROTTLED in template.yaml, with Retry-After) when a method's or an
    organization's rate is exceeded; kept here, as PermissionDenied is, so the contract has one definition."""

    status = 429
    type = "rate_limit_error"
    code = "rate_limited"
    message = "Too many requests: wait the seconds Retry-After gives, then retry"


class QuotaExceeded(TooManyRequests):
    """API Gateway's QUOTA_EXCEEDED: the organization's daily request quota (template.yaml's usage plan)."""

    code = "quota_exceeded"
    message = "The organization has used its daily request quota; it renews at 00:00 UTC"


class NotFound(ClienteleError):
    status = 404
    type = "invalid_request_error"
    code = "resource_missing"
    message = "Not found"


class RouteNotFound(NotFound):
    code = "route_not_found"
    message = "Route not found"


class ConsumerNotFound(NotFound):
    code = "consumer_not_found"
    message = "Consumer not found"


class ConsumerMerged(ClienteleError):
    """The id is a tombstone: the profile was merged into `mergedInto`, which holds all of it now."""

    status = 410
    type = "invalid_request_error"
    code = "consumer_merged"
    message = "The consumer was merged into another; use mergedInto"

    @classmethod
    def into(cls, survivor_id: str) -> ConsumerMerged:
        error = cls(f"The consumer was merged into {survivor_id}")
        error.extra = {"mergedInto": survivor_id}
        return error


class MergeNotFound(NotFound):
    code = "merge_not_found"
    message = "Merge not found"


class MergeBlocked(ClienteleError):
    """The profiles cannot be merged as they are: `details` names each blocker (reason, consumerId)."""

    status = 409
    type = "invalid_request_error"
    code = "merge_blocked"
    message = "The profiles cannot be merged"


class DuplicateNotFound(NotFound):
    code = "duplicate_not_found"
    message = "Duplicate suggestion not found"


class AudienceNotFound(NotFound):
    code = "audience_not_found"
    message = "Audience not found"


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = "Order not found"


class CurrencyMismatch(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "currency_mismatch"
    message = "Currency does not match this environment's currency"


class RefundTooLarge(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "refund_too_large"
    message = "Refund is more than the amount left to refund"


class OrderAlreadyRefunded(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "order_already_refunded"
    message = "Order is already fully refunded"


class OrderStateConflict(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "invalid_order_state"
    message = "The order's state does not allow this"


class InsufficientBalance(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "insufficient_balance"
    message = "Balance cannot go below zero"


class LoyaltyProgramNotFound(NotFound):
    code = "loyalty_program_not_found"
    message = "Loyalty program not found"


class InsufficientPoints(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "insufficient_points"
    message = "Not enough active points"


class ConsumerBlocked(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "consumer_blocked"
    message = "The consumer is blocked: it earns and redeems no points until it is unblocked"


class ConsumerInactive(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "consumer_inactive"
    message = "The consumer is inactive: it earns and redeems no points until its status is active again"


class CouponCodeTaken(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "coupon_code_taken"
    message = "Another coupon of this environment has this code"


class CouponNotRedeemable(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "coupon_not_redeemable"
    message = "The coupon cannot be redeemed"


class ReferralCodeTaken(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "referral_code_taken"
    message = "Another referral code of this environment is this code"


class ReferralCodeNotUsable(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "referral_code_not_usable"
    message = "The referral code cannot be used"


class LoyaltyCardNotFound(NotFound):
    code = "loyalty_card_not_found"
    message = "Loyalty card not found"


class LoyaltyCardCodeTaken(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "loyalty_card_code_taken"
    message = "Another loyalty card of this environment has this code"


class LoyaltyCardConflict(ClienteleError):
    """The card's state does not allow the action: not active, full, or not linked as needed."""

    status = 409
    type = "invalid_request_error"
    code = "loyalty_card_conflict"
    message = "The loyalty card's state does not allow this"


class BudgetExceeded(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "budget_exceeded"
    message = "The consumer's budget for this action is used up for the period"


class ExportNotFound(NotFound):
    code = "export_not_found"
    message = "Export not found"


class ImportNotFound(NotFound):
    code = "import_not_found"
    message = "Import not found"


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    message = "Webhook endpoint not found"


class WebhookEndpointLimit(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "webhook_endpoint_limit"
    message = "An environment has at most 20 webhook endpoints: delete one first"


class KlaviyoNotSetUp(NotFound):
    code = "integration_not_found"
    message = "Klaviyo is not set up: PUT /integrations/klaviyo with an apiKey first"


class ShopifyNotSetUp(NotFound):
    code = "integration_not_found"
    message = "Shopify is not set up: PUT /integrations/shopify with shopDomain, accessToken and webhookSecret first"


class ShopifyConnectionNotFound(NotFound):
    """A webhook delivery to a connection id no tenant has (never set up, or another URL)."""

    code = "shopify_connection_not_found"
    message = "No Shopify connection has this id"


class WebhookSignatureInvalid(AuthenticationRequired):
    """A Shopify delivery whose X-Shopify-Hmac-Sha256 is missing or is not the body's HMAC."""

    code = "invalid_webhook_signature"
    message = "The webhook's X-Shopify-Hmac-Sha256 signature is missing or does not match its body"


class ShopifySyncNotFound(NotFound):
    code = "shopify_sync_not_found"
    message = "Shopify sync not found"


class ShopifySyncInProgress(ClienteleError):
    """A second full sync while one runs: the running job's id is in the message and in details."""

    status = 409
    type = "invalid_request_error"
    code = "shopify_sync_in_progress"
    message = "A Shopify sync is already running"

    @classmethod
    def of(cls, job_id: str) -> ShopifySyncInProgress:
        return cls(f"A Shopify sync is already running: {job_id}", [{"field": "jobId", "message": job_id}])


class ResyncInProgress(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "resync_in_progress"
    message = "A Klaviyo resync is already under way"


class PullInProgress(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "pull_in_progress"
    message = "A Klaviyo pull is already under way"


class InvalidCursor(ClienteleError):
    """A cursor that this list did not hand out: edited, from another list or sort, or another tenant's."""

    status = 400
    type = "invalid_request_error"
    code = "invalid_cursor"
    message = "Invalid cursor"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    message = "API key not found"


class Conflict(ClienteleError):
    status = 409
    type = "invalid_request_error"
    code = "conflict"
    message = "The resource was changed by another request; retry"


class IdempotencyKeyReused(Conflict):
    type = "idempotency_error"
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request"


class IdempotencyInProgress(Conflict):
    type = "idempotency_error"
    code = "idempotency_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry later"


class ConsumerChangedConcurrently(Conflict):
    code = "consumer_changed"
    message = "The consumer was changed by another request at the same time; retry"


class VersionMismatch(ClienteleError):
    """If-Match named a version the consumer is no longer at: the caller's copy is stale. Not a
    Conflict: retrying cannot help until the caller reads the consumer again."""

    status = 409
    type = "invalid_request_error"
    code = "version_mismatch"
    message = "The consumer has changed since the version you read; get it again and retry"


class OrderChangedConcurrently(Conflict):
    code = "order_changed"
    message = "The order was changed by another request at the same time; retry"


class BatchTooLarge(ClienteleError):
    status = 400
    type = "invalid_request_error"
    code = "batch_too_large"
    message = "Max batch size is 500"


class BatchInterrupted(ClienteleError):
    """A batch stopped part-way; `details` says, item by item, what was written."""

    status = 409
    type = "invalid_request_error"
    code = "batch_partially_written"
    remembered = True
    message = "The batch was only partly written: details list the items that were written and those that were not"


class StoreBusy(ClienteleError):
    status = 503
    type = "api_error"
    code = "store_busy"
    message = "The store is busy; retry the request"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors as `{field, message}`: body fields by their JSON path (`address.city`), query
    parameters by their name (`sortBy`)."""
    details = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if location[:1] in (["body"], ["query"]):
            location = location[1:]
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        details.append({"field": ".".join(location) or "body", "message": message})
    return details
