"""Load a SAM template and resolve it into local values.

The local stack never keeps its own copy of routes, tables or event sources: everything is
read from template.yaml through this module.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
NAME_PREFIX = "clientele-local"

FUNCTION = "AWS::Serverless::Function"
API = "AWS::Serverless::Api"
TABLE = "AWS::DynamoDB::Table"
BUCKET = "AWS::S3::Bucket"
QUEUE = "AWS::SQS::Queue"
SECRET = "AWS::SecretsManager::Secret"  # noqa: S105 - a resource type, not a password


class TemplateError(Exception):
    pass


# ----------------------------------------------------------------------------- YAML


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags into their long JSON form."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        # !GetAtt A.B.C → ["A", "B.C"]
        logical, _, attr = value.partition(".")
        value = [logical, attr]
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return data


# ----------------------------------------------------------------------------- model


def _merge_globals(props: dict[str, Any], glob: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (resource wins), lists concatenate, scalars are overridden."""
    merged: dict[str, Any] = dict(glob)
    for key, value in props.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            merged[key] = _merge_globals(value, base)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = base + value
        else:
            merged[key] = value
    return merged


def short_id(*parts: str, length: int = 10) -> str:
    """Deterministic lowercase id that looks like an API Gateway id."""
    digest = hashlib.sha1("/".join(parts).encode()).hexdigest()  # noqa: S324 - not security
    return digest[:length]


@dataclass
class Template:
    """A parsed SAM template with Globals merged and intrinsics resolvable to local values."""

    path: Path
    raw: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)
    # Values only known once resources exist (queue URLs, stream ARNs), keyed by (logical id, attr).
    runtime: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path, overrides: Mapping[str, str] | None = None) -> Template:
        path = Path(path).resolve()
        raw = load_yaml(path)
        params: dict[str, str] = {}
        for name, spec in (raw.get("Parameters") or {}).items():
            if "Default" in spec:
                params[name] = str(spec["Default"])
        for name, value in (overrides or {}).items():
            if name not in (raw.get("Parameters") or {}):
                raise TemplateError(f"unknown parameter {name}")
            params[name] = value
        missing = set(raw.get("Parameters") or {}) - set(params)
        if missing:
            raise TemplateError(f"parameters without a default need a value: {sorted(missing)}")
        return cls(path=path, raw=raw, parameters=params)

    @property
    def root(self) -> Path:
        return self.path.parent

    # --------------------------------------------------------------- resources

    def resources(self, type_: str | None = None) -> dict[str, dict[str, Any]]:
        """Resources (optionally of one type) whose Condition holds, with Globals merged."""
        out: dict[str, dict[str, Any]] = {}
        for logical_id, res in self.raw["Resources"].items():
            if type_ is not None and res.get("Type") != type_:
                continue
            if "Condition" in res and not self.condition(res["Condition"]):
                continue
            out[logical_id] = self._with_globals(res)
        return out

    def resource_type(self, logical_id: str) -> str:
        try:
            return str(self.raw["Resources"][logical_id]["Type"])
        except KeyError:
            raise TemplateError(f"unknown resource {logical_id}") from None

    def _with_globals(self, res: dict[str, Any]) -> dict[str, Any]:
        section = {FUNCTION: "Function", API: "Api"}.get(res.get("Type", ""))
        glob = (self.raw.get("Globals") or {}).get(section) if section else None
        if not glob:
            return res
        return {**res, "Properties": _merge_globals(res.get("Properties") or {}, glob)}

    def properties(self, logical_id: str) -> dict[str, Any]:
        res = self._with_globals(self.raw["Resources"][logical_id])
        return dict(res.get("Properties") or {})

    # --------------------------------------------------------------- names

    def physical_name(self, logical_id: str) -> str:
        type_ = self.resource_type(logical_id)
        props = self.raw["Resources"][logical_id].get("Properties") or {}
        explicit = {TABLE: "TableName", BUCKET: "BucketName", QUEUE: "QueueName"}.get(type_)
        if explicit and explicit in props:
            return str(self.resolve(props[explicit]))
        if type_ == BUCKET:
            return f"{NAME_PREFIX}-{logical_id}".lower()
        if type_ == API:
            return short_id(NAME_PREFIX, logical_id)
        if type_ == FUNCTION:
            return logical_id
        return f"{NAME_PREFIX}-{logical_id}"

    def arn(self, logical_id: str) -> str:
        type_ = self.resource_type(logical_id)
        name = self.physical_name(logical_id)
        if type_ == TABLE:
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if type_ == BUCKET:
            return f"arn:aws:s3:::{name}"
        if type_ == QUEUE:
            return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        if type_ == FUNCTION:
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        return f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{logical_id}/{name}"

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": NAME_PREFIX,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{NAME_PREFIX}/local",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if (name, "Ref") in self.runtime:
            return self.runtime[(name, "Ref")]
        type_ = self.resource_type(name)
        if type_ == QUEUE:
            raise TemplateError(f"queue {name} has no URL until it is created")
        if type_ == "AWS::Serverless::LayerVersion":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
        return self.physical_name(name)

    def get_att(self, logical_id: str, attr: str) -> Any:
        if (logical_id, attr) in self.runtime:
            return self.runtime[(logical_id, attr)]
        type_ = self.resource_type(logical_id)
        name = self.physical_name(logical_id)
        if attr == "Arn":
            return self.arn(logical_id)
        if type_ == QUEUE and attr == "QueueName":
            return name
        if type_ == BUCKET and attr in ("DomainName", "RegionalDomainName"):
            return f"{name}.s3.amazonaws.com"
        if type_ == TABLE and attr == "StreamArn":
            raise TemplateError(f"{logical_id}.StreamArn is unknown until the table exists")
        if type_ == API and attr == "RootResourceId":
            return short_id(name, "/", length=6)
        if type_ == API and attr == "Stage":  # SAM's ${Api.Stage}: the stage's name
            return self.resolve(self.properties(logical_id).get("StageName", "Prod"))
        raise TemplateError(f"unsupported attribute {logical_id}.{attr}")

    # --------------------------------------------------------------- intrinsics

    def condition(self, name: str) -> bool:
        conditions = self.raw.get("Conditions") or {}
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsic functions recursively; AWS::NoValue entries are dropped."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return _NO_VALUE if arg == "AWS::NoValue" else self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                return self._fn(key[4:], arg)
        out = {}
        for k, v in value.items():
            resolved = self.resolve(v)
            if resolved is not _NO_VALUE:
                out[k] = resolved
        return out

    def _fn(self, fn: str, arg: Any) -> Any:
        if fn == "GetAtt":
            logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.get_att(self.resolve(logical), self.resolve(attr))
        if fn == "Sub":
            return self._sub(arg)
        if fn == "If":
            cond, when_true, when_false = arg
            return self.resolve(when_true if self.condition(cond) else when_false)
        if fn == "Equals":
            a, b = (self.resolve(x) for x in arg)
            return str(a) == str(b)
        if fn == "Not":
            return not self.resolve(arg[0])
        if fn == "And":
            return all(self.resolve(x) for x in arg)
        if fn == "Or":
            return any(self.resolve(x) for x in arg)
        if fn == "Join":
            sep, items = arg
            return str(sep).join(str(x) for x in self.resolve(items))
        if fn == "Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if fn == "Split":
            sep, text = arg
            return str(self.resolve(text)).split(sep)
        if fn == "GetAZs":
            return [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
        if fn == "Base64":
            import base64

            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if fn == "FindInMap":
            map_name, top, second = (self.resolve(x) for x in arg)
            return self.raw["Mappings"][map_name][top][second]
        if fn == "ImportValue":
            raise TemplateError("Fn::ImportValue has no local meaning")
        raise TemplateError(f"unsupported intrinsic Fn::{fn}")

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local_vars = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):  # ${!Literal} escapes
                return "${" + expr[1:] + "}"
            if expr in local_vars:
                return str(local_vars[expr])
            if "." in expr and not expr.startswith("AWS::"):
                logical, attr = expr.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(expr))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE: Any = _NoValue()


def function_name_from_arn(arn: str) -> str:
    """arn:aws:lambda:region:acct:function:Name[:alias] → Name."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return arn
