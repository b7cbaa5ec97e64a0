"""Exit 0 once the Kafka broker answers a metadata request (an open port is not readiness).

Usage: python ops/kafka_ready.py HOST:PORT
"""

import sys

from kafka import KafkaAdminClient


def main() -> int:
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9092"
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=3000,
            bootstrap_timeout_ms=3000,
            client_id="readiness-check",
        )
        try:
            admin.list_topics()
        finally:
            admin.close()
    except Exception as exc:  # any failure means "not ready yet"; the caller retries
        print(f"kafka not ready: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
