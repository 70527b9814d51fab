"""DynamoDB stream → webhook events: each consumer, order, import and export change that makes an
event (FilterCriteria in template.yaml) is stored once as an event and queued for delivery to the
subscribed endpoints of its own tenant."""

from clientele.core import streams
from clientele.webhooks.publishing import publish

lambda_handler = streams.handler(publish)
