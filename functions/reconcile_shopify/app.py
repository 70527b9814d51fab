"""Daily (schedule in template.yaml): an incremental Shopify sync for every tenant with Shopify on,
of the customers updated since the last sync started, to catch webhooks that never arrived."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core.coldstart import initialized
from clientele.shopify.sync_jobs import reconcile

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    started = reconcile()
    metrics.add_metric(name="ShopifyReconciliationsStarted", unit=MetricUnit.Count, value=len(started))
    return {"started": len(started)}


initialized()  # the end of init (core/coldstart.py)
