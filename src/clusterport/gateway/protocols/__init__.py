"""Wire protocols generic over botocore's service models: json, query, ec2, smithy-rpc-v2-cbor."""
