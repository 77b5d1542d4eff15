"""Artifacts in an S3-compatible bucket, under ``<prefix>/<execution_id>/…``.

boto3 (the ``s3`` extra: ``pip install 'bugbrain[s3]'``) because it is the
reference S3 client, maintained by AWS, and works with every S3-compatible
server (MinIO, Ceph, Garage, R2, …) through its endpoint setting.

The runner still writes into a local working directory
(``<data_dir>/artifacts/<execution_id>``); the worker stores each finished
test's files here and deletes them, then whatever is left when the execution
ends. Until a file is in the bucket the API serves the working copy, when it
runs on the same host. Keys are made here from checked paths (``keys.py``),
never taken as they come.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from bugbrain.artifacts import keys
from bugbrain.artifacts.base import ArtifactStream
from bugbrain.artifacts.store import LocalArtifactStore
from bugbrain.errors import ConfigError, Unavailable
from bugbrain.settings import ENV_PREFIX, S3Location, Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

log = logging.getLogger("bugbrain.artifacts")

CHUNK_BYTES = 256 * 1024
# Keys listed, then deleted, at a time (the most one DeleteObjects request takes).
DELETE_BATCH = 1000
_MISSING = {"NoSuchKey", "404", "NotFound"}
# Uploads already run off the supervisor's thread: no pool of threads per file.
_TRANSFER = TransferConfig(use_threads=False)
_S3_ERRORS = (BotoCoreError, ClientError, S3UploadFailedError)


def client_config(endpoint_url: str) -> Config:
    return Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=60,
        # The API serves artifacts from its request threads.
        max_pool_connections=32,
        # A server at its own endpoint is addressed by path: its bucket names
        # need not resolve as host names.
        s3={"addressing_style": "path" if endpoint_url else "auto"},  # not vocabulary: botocore's
        # Many S3-compatible servers refuse the CRC checksums botocore adds to
        # every request by default since 1.36; send them only where S3 requires.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


class S3ArtifactStore:
    remote = True

    def __init__(self, location: S3Location, working_dir: Path, client: S3Client) -> None:
        self.bucket = location.bucket
        self.prefix = location.prefix
        self.working = LocalArtifactStore(working_dir)
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings, location: S3Location) -> S3ArtifactStore:
        # Empty settings are left to boto3's own chain (AWS_* variables, ~/.aws, a role).
        session = boto3.session.Session(
            aws_access_key_id=settings.artifacts_s3_access_key_id or None,
            aws_secret_access_key=settings.artifacts_s3_secret_access_key or None,
            region_name=settings.artifacts_s3_region or None,
        )
        client = session.client(
            "s3",
            endpoint_url=settings.artifacts_s3_endpoint_url or None,
            config=client_config(settings.artifacts_s3_endpoint_url),
        )
        return cls(location, settings.artifacts_dir, client)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def check(self) -> None:
        """Fail at start, naming the setting, when the bucket cannot be used."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except NoCredentialsError:
            raise ConfigError(
                f"{ENV_PREFIX}ARTIFACTS_URL is {self.url} but no S3 credentials were found: "
                f"set {ENV_PREFIX}ARTIFACTS_S3_ACCESS_KEY_ID and "
                f"{ENV_PREFIX}ARTIFACTS_S3_SECRET_ACCESS_KEY, or AWS_* variables"
            ) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            problem = "does not exist" if code in _MISSING else f"cannot be used ({code}: {exc})"
            raise ConfigError(
                f"{ENV_PREFIX}ARTIFACTS_URL: bucket {self.bucket!r} {problem} "
                f"at {self.client.meta.endpoint_url}"
            ) from None
        except BotoCoreError as exc:
            raise ConfigError(
                f"{ENV_PREFIX}ARTIFACTS_URL: cannot reach {self.url} at "
                f"{self.client.meta.endpoint_url} ({ENV_PREFIX}ARTIFACTS_S3_ENDPOINT_URL): {exc}"
            ) from None

    # ---- the worker's side ---------------------------------------------------

    def execution_dir(self, execution_id: str) -> Path:
        return self.working.execution_dir(execution_id)

    def store_files(self, paths: Sequence[str]) -> None:
        for path in paths:
            self._store(path)

    def store_execution(self, execution_id: str) -> bool:
        directory = self.working.execution_dir(execution_id)
        if keys.split_path(f"{execution_id}/x") is None or not directory.is_dir():
            return True
        stored = True
        for parent, _dirs, files in os.walk(directory):  # symlinks are not followed
            for name in sorted(files):
                relative = Path(parent, name).relative_to(self.working.root).as_posix()
                stored = self._store(relative) and stored
        if stored:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            log.error(
                "some files of execution %s could not be stored in %s: kept in %s, "
                "tried again at the next start",
                execution_id,
                self.url,
                directory,
            )
        return stored

    def left_over(self) -> list[str]:
        if not self.working.root.is_dir():
            return []
        return sorted(entry.name for entry in self.working.root.iterdir() if entry.is_dir())

    def _store(self, path: str) -> bool:
        """Upload one working file and delete it; False when it could not be stored."""
        key = keys.object_key(self.prefix, path)
        if key is None:
            log.warning("not storing %r: not a path inside an execution", path)
            return False
        file = self.working.root.joinpath(*path.split("/"))
        try:
            if not stat.S_ISREG(os.lstat(file).st_mode):  # a link or a directory
                log.warning("not storing %s: not a regular file", file)
                return False
        except FileNotFoundError:
            return True  # nothing to store (already stored, or never written)
        try:
            self.client.upload_file(
                str(file),
                self.bucket,
                key,
                ExtraArgs={"ContentType": keys.stored_media_type(file.name)},
                Config=_TRANSFER,
            )
        except (*_S3_ERRORS, OSError) as exc:
            log.warning("storing %s as %s/%s failed: %s", file, self.url, key, exc)
            return False
        with contextlib.suppress(FileNotFoundError):
            file.unlink()
        return True

    # ---- the API's side ------------------------------------------------------

    def open(self, path: str) -> ArtifactStream | None:
        key = keys.object_key(self.prefix, path)
        if key is None:
            return None
        working = self._working_copy(path)
        if working is not None:
            return working
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise self._unavailable(exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(exc) from None
        body = found["Body"]
        return ArtifactStream(
            name=path.rsplit("/", 1)[-1],
            size=found.get("ContentLength"),
            chunks=body.iter_chunks(CHUNK_BYTES),
            close=body.close,
            etag=found.get("ETag"),
            last_modified=found.get("LastModified"),
        )

    def save(self, path: str, data: bytes) -> bool:
        key = keys.object_key(self.prefix, path)
        if key is None:
            return False
        name = path.rsplit("/", 1)[-1]
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=keys.stored_media_type(name)
            )
        except _S3_ERRORS as exc:
            raise self._unavailable(exc) from None
        return True

    def _working_copy(self, path: str) -> ArtifactStream | None:
        """A file the worker has not stored yet (this host only), opened now: the
        upload may delete it at any moment, and an open file stays readable."""
        file = self.working.resolve(path)
        if file is None:
            return None
        try:
            handle = file.open("rb")
        except OSError:
            return None
        return ArtifactStream(
            name=file.name,
            size=os.fstat(handle.fileno()).st_size,
            chunks=_read(handle),
            close=handle.close,
        )

    def _unavailable(self, exc: Exception) -> Unavailable:
        log.warning("reading %s failed: %s", self.url, exc)
        return Unavailable(f"The artifact store ({self.url}) did not answer; try again later")

    def delete_execution(self, execution_id: str) -> None:
        self.working.delete_execution(execution_id)
        prefix = keys.execution_prefix(self.prefix, execution_id)
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": DELETE_BATCH}
            )
            for page in pages:
                objects: list[ObjectIdentifierTypeDef] = [
                    {"Key": item["Key"]} for item in page.get("Contents", [])
                ]
                if not objects:
                    continue
                done = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
                )
                for error in done.get("Errors", []):
                    log.error("deleting %s failed: %s", error.get("Key"), error.get("Message"))
        except _S3_ERRORS as exc:
            where = f"s3://{self.bucket}/{prefix}"
            log.error("deleting %s* failed, left in the bucket: %s", where, exc)


def _read(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        yield from iter(partial(handle.read, CHUNK_BYTES), b"")
