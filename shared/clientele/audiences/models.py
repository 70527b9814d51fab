"""Audiences and their members on the wire, as callers get them back. (What callers send is
audiences/requests.py.)"""

from clientele.core.models import Resource, Timestamp


class Audience(Resource):
    id: str
    name: str
    description: str | None
    member_count: int
    created_at: Timestamp
    updated_at: Timestamp
    version: int


class MembersChanged(Resource):
    audience_id: str
    changed: list[str]  # added (POST) or removed (DELETE)
    unchanged: list[str]  # already members (POST) or not members (DELETE)
    member_count: int
