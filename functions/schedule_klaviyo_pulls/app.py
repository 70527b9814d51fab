"""Every hour (schedule in template.yaml): a pull of the Klaviyo import lists for every tenant whose
sync is on with importListIds (one Query of the index built for it); a tenant whose last pull still
runs is left to it."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from clientele.core import clock
from clientele.core.coldstart import initialized
from clientele.integrations.service import pull_due

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    started = pull_due(clock.now())
    metrics.add_metric(name="KlaviyoPullsStarted", unit=MetricUnit.Count, value=started)
    return {"started": started}


initialized()  # the end of init (core/coldstart.py)
