"""`files.Upload`: a big file goes out in parts of PART_SIZE while memory holds a small share of one."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from clientele.core import aws, settings
from clientele.core.store import files

MiB = 1024 * 1024


class _S3:
    """Reads each body as botocore would stream it (in 64 KiB reads) and keeps only its size."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def _size(self, body: Any) -> int:
        return sum(len(chunk) for chunk in iter(lambda: body.read(64 * 1024), b""))

    def create_multipart_upload(self, **_: Any) -> dict[str, str]:
        self.calls.append(("create", 0))
        return {"UploadId": "upload"}

    def upload_part(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(("part", self._size(kwargs["Body"])))
        return {"ETag": f'"{kwargs["PartNumber"]}"'}

    def complete_multipart_upload(self, **kwargs: Any) -> None:
        self.calls.append(("complete", len(kwargs["MultipartUpload"]["Parts"])))

    def put_object(self, **kwargs: Any) -> None:
        self.calls.append(("put", self._size(kwargs["Body"])))

    def abort_multipart_upload(self, **_: Any) -> None:
        self.calls.append(("abort", 0))


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[_S3]:
    sink = _S3()
    monkeypatch.setattr(aws, "s3", lambda: sink)
    monkeypatch.setenv("EXPORTS_BUCKET", "files-test")
    settings.reset()
    yield sink
    settings.reset()  # the bucket name is cached: it leaves with the setting


def test_a_file_of_many_parts_is_sent_in_order_while_memory_stays_small(s3: _S3) -> None:
    line = b"x" * 1023 + b"\n"
    tracemalloc.start()
    try:
        with files.Upload("exports/big.csv", "text/csv") as upload:
            for _ in range(12 * 1024):  # 12 MiB
                upload.write(line)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert s3.calls == [("create", 0), ("part", 5 * MiB), ("part", 5 * MiB), ("part", 2 * MiB), ("complete", 3)]
    assert peak < MiB, f"{peak / MiB:.1f} MiB held for 5 MiB parts"  # a part waits on disk, not in memory


def test_a_small_file_is_one_put_and_a_failed_block_leaves_nothing(s3: _S3) -> None:
    with files.Upload("exports/small.csv", "text/csv") as upload:
        upload.write(b"a,b\r\n")
    assert s3.calls == [("put", 5)]
    s3.calls.clear()

    def broken() -> None:
        with files.Upload("exports/broken.csv", "text/csv") as upload:
            upload.write(b"y" * (6 * MiB))
            raise RuntimeError("the rows stopped coming")

    with pytest.raises(RuntimeError):
        broken()
    assert s3.calls == [("create", 0), ("part", 6 * MiB), ("abort", 0)]
