"""The quickstart's function, payments-api, as Lambda's Python runtime would run it.

It calls a mesh service through the s2s-mtls-proxy layer with nothing but the
standard library (HTTP_PROXY points at the layer; the layer adds the mTLS),
and reads a synced Keywhiz secret from Secrets Manager with boto3, as any
function reads a secret. No s2s library, no certificate code.

`make demo` and the end-to-end test run it outside Lambda, with the
environment the lambda-s2s module would set:

    python3 handler.py '{"service": "payments", "path": "/charges", "secret": "keywhiz/payments@db-password"}'

It prints one JSON object: the service's status and answer, and of the
secret only its name, length and SHA-256 (never its value).
"""

import hashlib
import json
import os
import sys
import urllib.error
import urllib.request


def call_mesh(service, path="/"):
    """GET http://<environment>.<service>.<mesh domain><path> through HTTP_PROXY."""
    url = "http://%s.%s.%s%s" % (
        os.environ["S2S_ENVIRONMENT"],
        service,
        os.environ["S2S_MESH_DOMAIN"],
        path,
    )
    headers = {}
    if os.environ.get("S2S_PROXY_TOKEN_VARIABLE", "AWS_SESSION_TOKEN") != "none":
        # The SSRF defence: only code that can read the sandbox's token gets through.
        headers["X-S2S-Token"] = os.environ["AWS_SESSION_TOKEN"]
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def read_secret(name):
    import boto3  # the function's own dependency, not s2s's

    return boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def handler(event, context):
    status, body = call_mesh(event["service"], event.get("path", "/"))
    try:
        answer = json.loads(body)
    except ValueError:
        answer = body
    result = {"service": event["service"], "status": status, "answer": answer}
    if "secret" in event:
        value = read_secret(event["secret"])
        result["secret"] = {
            "name": event["secret"],
            "length": len(value),
            "sha256": hashlib.sha256(value.encode()).hexdigest(),
        }
    return result


if __name__ == "__main__":
    print(json.dumps(handler(json.loads(sys.argv[1]), None)))
