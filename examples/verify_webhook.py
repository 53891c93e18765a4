"""Verify a Continuum webhook signature with Python's standard library only.

    from verify_webhook import verify_webhook_signature
    ok = verify_webhook_signature(payload=raw_body, signature=headers["X-Continuum-Signature"],
                                  timestamp=headers["X-Continuum-Timestamp"], secret=secret, max_age=300)

Command line: python3 verify_webhook.py <secret> <timestamp> <signature> < body
"""
import hashlib
import hmac
import json
import sys
import time


def verify_webhook_signature(payload, signature, timestamp, secret, max_age=300, now=None):
    """True when `signature` (one or more "v1=<hex>" entries) signs "<timestamp>.<payload>"."""
    if not signature or not secret or timestamp is None or not str(timestamp).isdigit():
        return False
    ts = int(timestamp)
    current = int(time.time()) if now is None else int(now)
    if abs(current - ts) > max_age:  # replay protection, both directions
        return False
    if isinstance(payload, (dict, list)):
        # Re-serialized the way the sender does; only byte-identical JSON verifies. Prefer raw bytes.
        payload = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    body = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
    expected = hmac.new(secret.encode("utf-8"), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    for entry in str(signature).split(" "):
        version, _, value = entry.partition("=")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: verify_webhook.py <secret> <timestamp> <signature> < body")
    ok = verify_webhook_signature(sys.stdin.buffer.read(), sys.argv[3], sys.argv[2], sys.argv[1])
    print("valid" if ok else "invalid")
    sys.exit(0 if ok else 1)
