"""Files in the private exports bucket: written in parts, read through short presigned URLs.

A file is one S3 multipart upload (or a single put when it is small): S3 shows the object only when
the upload completes, so a reader never sees a partial file, and a writer that dies leaves an
incomplete upload that the bucket's lifecycle rule aborts. A part waits in a temporary file (a
Lambda's /tmp) once it outgrows SPOOL_SIZE, so memory stays flat however big the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from tempfile import SpooledTemporaryFile
from typing import Any

from botocore.exceptions import ClientError

from clientele.core import aws, clock
from clientele.core.settings import exports_bucket as bucket

PART_SIZE = 5 * 1024 * 1024  # the least S3 takes for a part (but the last)
SPOOL_SIZE = 256 * 1024
DOWNLOAD_SECONDS = 15 * 60
UPLOAD_SECONDS = 60 * 60  # a big file on a slow line takes a while
READ_SIZE = 1024 * 1024


class Upload:
    """`with Upload(key, content_type) as upload: upload.write(bytes)`; the object appears on exit
    and only if the block finished without an error."""

    def __init__(self, key: str, content_type: str) -> None:
        self.key, self.content_type = key, content_type
        self.buffer = _part_file()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.size = 0

    def __enter__(self) -> Upload:
        return self

    def write(self, data: bytes) -> None:
        self.buffer.write(data)
        self.size += len(data)
        if self.buffer.tell() >= PART_SIZE:
            self._flush_part()

    def _flush_part(self) -> None:
        s3 = aws.s3()
        if self.upload_id is None:
            created = s3.create_multipart_upload(Bucket=bucket(), Key=self.key, ContentType=self.content_type)
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        answer = s3.upload_part(
            Bucket=bucket(),
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=self._body(),
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self.buffer.close()
        self.buffer = _part_file()

    def _body(self) -> SpooledTemporaryFile[bytes]:
        """The part's file, rewound: botocore streams it from there."""
        self.buffer.seek(0)
        return self.buffer

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        try:
            self._finish(kind is None)
        finally:
            self.buffer.close()

    def _finish(self, whole: bool) -> None:
        s3 = aws.s3()
        if not whole:
            if self.upload_id is not None:
                s3.abort_multipart_upload(Bucket=bucket(), Key=self.key, UploadId=self.upload_id)
            return
        if self.upload_id is None:  # small: one request
            s3.put_object(Bucket=bucket(), Key=self.key, Body=self._body(), ContentType=self.content_type)
            return
        if self.buffer.tell():
            self._flush_part()
        s3.complete_multipart_upload(
            Bucket=bucket(),
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )


def _part_file() -> SpooledTemporaryFile[bytes]:
    return SpooledTemporaryFile(max_size=SPOOL_SIZE)


def download_url(key: str, filename: str) -> tuple[str, str]:
    """(a presigned GET URL valid DOWNLOAD_SECONDS, when it expires)."""
    url = aws.s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket(),
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=DOWNLOAD_SECONDS,
    )
    return str(url), clock.format_instant(datetime.now(UTC) + timedelta(seconds=DOWNLOAD_SECONDS))


def upload_url(key: str) -> tuple[str, str]:
    """(a presigned PUT URL valid UPLOAD_SECONDS, when it expires): the caller sends the file
    straight to S3, never through the API."""
    url = aws.s3().generate_presigned_url(
        "put_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=UPLOAD_SECONDS
    )
    return str(url), clock.format_instant(datetime.now(UTC) + timedelta(seconds=UPLOAD_SECONDS))


def read(key: str, *, offset: int = 0, etag: str | None = None) -> Iterator[bytes]:
    """The object's bytes from `offset`, READ_SIZE at a time. With `etag`, only that version of it:
    one replaced meanwhile raises FileChanged."""
    params: dict[str, Any] = {"Bucket": bucket(), "Key": key, "Range": f"bytes={offset}-"}
    if etag is not None:
        params["IfMatch"] = etag
    try:
        body = aws.s3().get_object(**params)["Body"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code == "InvalidRange":  # nothing after the offset: the file ended exactly there
            return iter(())
        if code in ("PreconditionFailed", "412"):
            raise FileChanged() from None
        raise
    return iter(lambda: body.read(READ_SIZE), b"")


class FileChanged(Exception):
    """The file was replaced after the work on it started."""
