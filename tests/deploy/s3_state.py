#!/usr/bin/env python3
"""What an S3-compatible server holds under a prefix, read back with boto3.

    s3_state.py ENDPOINT BUCKET PREFIX

Prints one JSON object: key under PREFIX -> {"Cache-Control", "Content-Type",
"Content-Encoding" (when set), "size"}. Credentials come from the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as for assetpress deploy.
"""
import json
import sys

import boto3


def main():
    endpoint, bucket, prefix = sys.argv[1:4]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    base = prefix.strip("/") + "/" if prefix.strip("/") else ""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        for obj in page.get("Contents", []):
            head = s3.head_object(Bucket=bucket, Key=obj["Key"])
            entry = {
                "Cache-Control": head.get("CacheControl"),
                "Content-Type": head.get("ContentType"),
                "size": head["ContentLength"],
            }
            if head.get("ContentEncoding"):
                entry["Content-Encoding"] = head["ContentEncoding"]
            out[obj["Key"][len(base):]] = entry
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
