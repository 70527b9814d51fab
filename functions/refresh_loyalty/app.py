"""Every few minutes (schedule in template.yaml): consumers whose pending points activated or whose
active points expired get their sortable loyalty summary brought up to date."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core.coldstart import initialized
from clientele.loyalty.service import refresh_due

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    refreshed = refresh_due(datetime.now(UTC))
    metrics.add_metric(name="LoyaltySummariesRefreshed", unit=MetricUnit.Count, value=refreshed)
    return {"refreshed": refreshed}


initialized()  # the end of init (core/coldstart.py)
