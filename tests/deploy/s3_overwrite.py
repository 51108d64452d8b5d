#!/usr/bin/env python3
"""Overwrites every object under a prefix of an S3-compatible server with
the bytes of a file, as anyone who can write the bucket could.

    s3_overwrite.py ENDPOINT BUCKET PREFIX FILE

FILE "FIRST" takes the bytes of the first object under the prefix (by key):
a valid object copied over every other.

Prints the number of objects overwritten. Credentials come from the
environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
"""
import sys

import boto3


def main():
    endpoint, bucket, prefix, path = sys.argv[1:5]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    base = prefix.strip("/") + "/"
    keys = sorted(
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base)
        for obj in page.get("Contents", [])
    )
    if path == "FIRST":
        body = s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read()
    else:
        body = open(path, "rb").read()
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    print(len(keys))


if __name__ == "__main__":
    main()
