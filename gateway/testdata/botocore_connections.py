"""Drives the emulator's @connections API with botocore (boto3's
apigatewaymanagementapi client), an SigV4 implementation independent of
the Go SDK. Run by TestBotocoreConnections:

    python3 botocore_connections.py ENDPOINT REGION KEYID SECRET CONNECTION_ID

Prints one JSON object with what each call returned."""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint, region, key, secret):
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


def main():
    endpoint, region, key, secret, conn = sys.argv[1:6]
    good = client(endpoint, region, key, secret)
    out = {}
    good.post_to_connection(ConnectionId=conn, Data=b'{"from":"botocore"}')
    out["post"] = "ok"
    info = good.get_connection(ConnectionId=conn)
    out["get"] = {"sourceIp": info["Identity"]["SourceIp"], "hasConnectedAt": "ConnectedAt" in info}
    # A forged signature: the right key id, the wrong secret.
    forged = client(endpoint, region, key, secret + "x")
    out["forgedPost"] = error_of(lambda: forged.post_to_connection(ConnectionId=conn, Data=b"forged"))
    out["forgedDelete"] = error_of(lambda: forged.delete_connection(ConnectionId=conn))
    # Signed for another region.
    other = client(endpoint, "eu-west-3" if region != "eu-west-3" else "eu-west-1", key, secret)
    out["wrongRegion"] = error_of(lambda: other.get_connection(ConnectionId=conn))
    good.delete_connection(ConnectionId=conn)
    out["delete"] = "ok"
    out["afterDelete"] = error_of(lambda: good.post_to_connection(ConnectionId=conn, Data=b"late"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
