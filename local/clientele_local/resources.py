"""The embedded moto server and the template's tables, buckets and queues inside it."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from clientele_local import moto_patches
from clientele_local.template import BUCKET, QUEUE, REGION, SECRET, TABLE, Template

log = logging.getLogger("clientele_local")

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # botocore would otherwise try account-id based DynamoDB endpoints
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}

# CloudFormation table properties that CreateTable takes under the same name.
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "Tags",
)
# CloudFormation names → SQS attribute names where they differ from str(value).
_QUEUE_ATTRS = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


@dataclass
class Moto:
    """An in-process moto server on a free 127.0.0.1 port, plus a client factory for it."""

    server: ThreadedMotoServer | None = None
    url: str = ""
    _session: boto3.Session | None = field(default=None, repr=False)

    def start(self) -> None:
        # The server runs in this process: DynamoDB's atomicity, and the journal (refuses another moto).
        moto_patches.apply()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self._session = boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
            region_name=REGION,
        )

    def client(self, service: str) -> Any:
        assert self._session is not None, "start() first"
        return self._session.client(service, endpoint_url=self.url)  # type: ignore[call-overload]

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def table_request(props: dict[str, Any], name: str) -> dict[str, Any]:
    req = {k: props[k] for k in _TABLE_KEYS if k in props}
    req["TableName"] = name
    stream = req.get("StreamSpecification")
    if stream:
        req["StreamSpecification"] = {"StreamEnabled": True, **stream}
    sse = props.get("SSESpecification")
    if sse:
        req["SSESpecification"] = {
            "Enabled": bool(sse.get("SSEEnabled")),
            **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
        }
    if req.get("BillingMode") == "PAY_PER_REQUEST":
        for gsi in req.get("GlobalSecondaryIndexes", []):
            gsi.pop("ProvisionedThroughput", None)
    elif "ProvisionedThroughput" not in req:
        req["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return req


def _generated(props: dict[str, Any]) -> dict[str, Any]:
    return dict(props.get("GenerateSecretString") or {})


def create_resources(tpl: Template, moto: Moto) -> dict[str, str]:
    """Create every table, bucket and queue; returns {logical id: physical name or queue URL}.

    Runtime-only values (queue URLs, stream ARNs) are recorded in ``tpl.runtime`` so that
    later intrinsic resolution (function environments, event sources) sees them.
    """
    created: dict[str, str] = {}
    # Queues first: other resources may reference their URL or ARN.
    sqs = moto.client("sqs")
    for logical_id, res in tpl.resources(QUEUE).items():
        props = tpl.resolve(res.get("Properties") or {})
        name = tpl.physical_name(logical_id)
        attrs = {
            k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k])
            for k in _QUEUE_ATTRS
            if k in props
        }
        if "RedrivePolicy" in props:
            import json

            attrs["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        tpl.runtime[(logical_id, "Ref")] = url
        tpl.runtime[(logical_id, "QueueUrl")] = url
        created[logical_id] = url

    ddb = moto.client("dynamodb")
    for logical_id, res in tpl.resources(TABLE).items():
        props = tpl.resolve(res.get("Properties") or {})
        name = tpl.physical_name(logical_id)
        desc = ddb.create_table(**table_request(props, name))["TableDescription"]
        if desc.get("LatestStreamArn"):
            tpl.runtime[(logical_id, "StreamArn")] = desc["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        created[logical_id] = name

    s3 = moto.client("s3")
    for logical_id, res in tpl.resources(BUCKET).items():
        props = tpl.resolve(res.get("Properties") or {})
        name = tpl.physical_name(logical_id)
        s3.create_bucket(Bucket=name)  # us-east-1 takes no LocationConstraint
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        cors = props.get("CorsConfiguration")
        if cors:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors["CorsRules"]]})
        created[logical_id] = name

    secretsmanager = moto.client("secretsmanager")
    for logical_id, res in tpl.resources(SECRET).items():
        props = tpl.resolve(res.get("Properties") or {})
        value = props.get("SecretString") or secrets.token_urlsafe(int(_generated(props).get("PasswordLength", 32)))
        arn = secretsmanager.create_secret(Name=tpl.physical_name(logical_id), SecretString=value)["ARN"]
        tpl.runtime[(logical_id, "Ref")] = arn
        tpl.runtime[(logical_id, "Id")] = arn
        created[logical_id] = arn

    for logical_id, type_ in ((k, v.get("Type")) for k, v in tpl.raw["Resources"].items()):
        if logical_id not in created and type_ not in ("AWS::Serverless::Function",):
            log.debug("no local meaning: %s (%s)", logical_id, type_)
    return created


# CloudFormation's names for an S3 CORS rule's fields, where they differ from the S3 API's.
_CORS_FIELDS = {"Id": "ID", "MaxAge": "MaxAgeSeconds"}


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {_CORS_FIELDS.get(name, name): value for name, value in rule.items()}
