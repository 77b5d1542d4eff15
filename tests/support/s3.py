"""A local S3-compatible server for the artifact store's tests: moto in server
mode, on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import boto3
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REGION = "us-east-1"
# moto takes any credentials: these are for the settings to pass on.
ACCESS_KEY_ID = "bugbrain-test-key"
SECRET_ACCESS_KEY = "bugbrain-test-secret"


class LocalS3:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> None:
        # One line per request otherwise.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()

    def client(self) -> S3Client:
        return boto3.session.Session(
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
        ).client("s3", endpoint_url=self.endpoint)

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def env(self, url: str) -> dict[str, str]:
        """The ``BUGBRAIN_*`` variables that keep artifacts at ``url`` on this server."""
        return {
            "BUGBRAIN_ARTIFACTS_URL": url,
            "BUGBRAIN_ARTIFACTS_S3_ENDPOINT_URL": self.endpoint,
            "BUGBRAIN_ARTIFACTS_S3_REGION": REGION,
            "BUGBRAIN_ARTIFACTS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "BUGBRAIN_ARTIFACTS_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }
